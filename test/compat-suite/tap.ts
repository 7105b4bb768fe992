/**
 * Reads node's TAP reporter output (`node --test --test-reporter=tap`) into one entry per test,
 * named `describe > test` by the nesting the reporter prints (four spaces a level). Suites are not
 * entries of their own; a test that failed only through a hook still shows up as `not ok`.
 */
export interface TapTest {
  readonly name: string;
  readonly ok: boolean;
  readonly skipped: boolean;
}

export function parseTap(text: string): TapTest[] {
  const lines = text.split('\n');
  const stack: string[] = [];
  const out: TapTest[] = [];
  // A suite's own `ok` line follows its children's; a name that had subtests is a suite.
  const hasChildren = new Set<string>();
  for (const line of lines) {
    const sub = /^( *)# Subtest: (.*)$/.exec(line);
    if (sub !== null) {
      const level = (sub[1] ?? '').length / 4;
      stack.length = level;
      stack[level] = sub[2] ?? '';
      if (level > 0) hasChildren.add(stack.slice(0, level).join(' > '));
      continue;
    }
    const res = /^( *)(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO).*)?$/.exec(line);
    if (res === null) continue;
    const level = (res[1] ?? '').length / 4;
    const name = [...stack.slice(0, level), res[3] ?? ''].join(' > ');
    out.push({ name, ok: res[2] === 'ok', skipped: res[4] !== undefined });
  }
  return out.filter((t) => !hasChildren.has(t.name) || !t.ok);
}
