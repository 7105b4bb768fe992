import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds a peer artifact into `home` once: `build` fills a private staging folder that is then
 * renamed into place, so two test processes building at once never see a half-built folder (the
 * loser of the rename race keeps the winner's). Returns the path of `artifact` inside `home`.
 */
export function buildIntoPlace(home: string, artifact: string, build: (staging: string) => void): string {
  const target = join(home, artifact);
  if (existsSync(target)) return target;
  const staging = `${home}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    build(staging);
    try {
      renameSync(staging, home);
    } catch (error) {
      if (!existsSync(target)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}
