/**
 * Java `.properties` parsing (`java.util.Properties.load`), the format of Kafka's server.properties:
 * `#`/`!` comments, `key=value`, `key:value` or `key value`, backslash line continuation, and the
 * escapes \t \n \r \f \uXXXX. Returns entries with their line numbers for error messages.
 */
export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export function parseProperties(text: string): PropertyEntry[] {
  const entries: PropertyEntry[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let logical = (lines[i] ?? '').replace(/^[ \t\f]+/, '');
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    // An odd number of trailing backslashes continues the line; leading whitespace of the next is dropped.
    while (endsWithContinuation(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + (lines[++i] ?? '').replace(/^[ \t\f]+/, '');
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);
    const { key, rest } = splitKey(logical);
    entries.push({ key: unescape(key), value: unescape(rest), line: startLine });
  }
  return entries;
}

function endsWithContinuation(s: string): boolean {
  let n = 0;
  for (let j = s.length - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

function splitKey(line: string): { key: string; rest: string } {
  let j = 0;
  while (j < line.length) {
    const c = line[j];
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
    j++;
  }
  const key = line.slice(0, j);
  let k = j;
  while (k < line.length && (line[k] === ' ' || line[k] === '\t' || line[k] === '\f')) k++;
  if (k < line.length && (line[k] === '=' || line[k] === ':')) k++;
  while (k < line.length && (line[k] === ' ' || line[k] === '\t' || line[k] === '\f')) k++;
  return { key, rest: line.slice(k) };
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    switch (e) {
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      default:
        return e;
    }
  });
}
