import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Resource figures of a broker process read from /proc (Linux only): the broker runs as its own
 * process so that its memory and CPU are not mixed with the load generators' or this runner's.
 */

/** Clock ticks per second of /proc/<pid>/stat's utime and stime; 100 on every Linux we run on (getconf CLK_TCK). */
const CLK_TCK = 100;

/** utime + stime of the process so far, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after it are split after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export interface Memory {
  /** Resident set now, MiB. */
  readonly rssMiB: number;
  /** Peak resident set since start or since the last resetPeak(), MiB. */
  readonly peakMiB: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/**
 * Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux 4.0+), so the peak of one phase
 * is not the peak of an earlier one. Needs to own the process or be root; reports false otherwise.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
