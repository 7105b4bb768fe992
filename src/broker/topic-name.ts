/**
 * Topic name rules of Kafka's `org.apache.kafka.common.internals.Topic`: 1-249 characters of
 * [a-zA-Z0-9._-], not "." or "..". '.' and '_' collide in metric names, so "a.b" and "a_b" cannot
 * coexist (`Topic.hasCollision`).
 */
export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Returns why `name` is not a legal topic name, or null when it is. */
export function topicNameError(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!LEGAL.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

export function hasCollisionChars(name: string): boolean {
  return name.includes('.') || name.includes('_');
}

/** The form under which '.' and '_' collide (`Topic.unifyCollisionChars`). */
export function unifyCollisionChars(name: string): string {
  return name.replaceAll('.', '_');
}

export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);
