import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and ranks where the time went: by function
 * (self time), by source file (self time) and by inclusive time for the project's own functions, so
 * a reader sees both the hot leaves and which of our calls lead to them.
 */

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function where(frame: CallFrame): string {
  if (frame.url === '') return '';
  const path = frame.url.startsWith('file://') ? relative(REPO, fileURLToPath(frame.url)) : frame.url;
  return `${path}:${frame.lineNumber + 1}`;
}

function fileOf(frame: CallFrame): string {
  if (frame.url === '') return `(${frame.functionName || 'native'})`;
  return frame.url.startsWith('file://') ? relative(REPO, fileURLToPath(frame.url)) : frame.url;
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Each sample is charged the time until the next one (timeDeltas[i + 1]).
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  const busyUs = totalUs - idle;

  const fnSelf = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  const ownInclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    const key = `${node.callFrame.functionName || '(anonymous)'} ${where(node.callFrame)}`.trim();
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
    const f = fileOf(node.callFrame);
    fileSelf.set(f, (fileSelf.get(f) ?? 0) + us);
    // Inclusive time of our own (src/) functions: charge every distinct src/ frame on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (frame === undefined || !fileOf(frame).startsWith('src/')) continue;
      const k = `${frame.functionName || '(anonymous)'} ${where(frame)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      ownInclusive.set(k, (ownInclusive.get(k) ?? 0) + us);
    }
  }
  const pct = (us: number): string => `${((100 * us) / busyUs).toFixed(1)}%`;
  const table = (title: string, m: Map<string, number>): string[] => [
    `#### ${title}`,
    '',
    '| share of busy time | ms | where |',
    '| --: | --: | --- |',
    ...[...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `| ${pct(us)} | ${Math.round(us / 1000)} | \`${k}\` |`),
    '',
  ];
  return [
    `Profiled ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, busy ${(busyUs / 1e6).toFixed(1)} s (the rest idle).`,
    '',
    ...table('Self time by function', fnSelf),
    ...table('Self time by file', fileSelf),
    ...table('Inclusive time of Gregor functions (src/)', ownInclusive),
  ].join('\n');
}
