/** Kafka field names are PascalCase ("ThrottleTimeMs"); TypeScript properties are camelCase. */
export function camelCase(name: string): string {
  if (/^[A-Z0-9]+$/.test(name)) return name.toLowerCase();
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** "ProduceRequest" → "produce-request", for file names. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}
