// Whether dist/gregor.mjs — the one-file build of src/ that scripts/bundle.ts makes (`npm ci` runs it
// as the prepare script) — matches the sources, so bin/gregor.js can start from it: one file loads
// in a fraction of the time Node takes to resolve, strip and link the ~300 source modules, and
// leaves the type stripper out of the process (listening ~85 ms after spawn instead of ~150 ms,
// ~18 MiB less RSS on a 2-core VM).
// Plain JavaScript, so that checking costs no TypeScript loading. Types in bundle-state.d.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = join(ROOT, 'dist', 'gregor.mjs');
export const MANIFEST = join(ROOT, 'dist', 'gregor.json');

/**
 * What a bundle is built from, cheaply: the number of non-test .ts files under src/ and the newest
 * modification time among them and package.json. Any edit, checkout, added or deleted file changes it.
 */
export function sourceStamp(root = ROOT) {
  let newestMtimeMs = statSync(join(root, 'package.json')).mtimeMs;
  let files = 0;
  for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    files += 1;
    newestMtimeMs = Math.max(newestMtimeMs, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return { files, newestMtimeMs };
}

/** True when the bundle exists and was built from the sources as they are now (`root`: tests). */
export function bundleIsFresh(root = ROOT) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, 'dist', 'gregor.json'), 'utf8'));
    statSync(join(root, 'dist', 'gregor.mjs'));
  } catch {
    return false;
  }
  const now = sourceStamp(root);
  return manifest.files === now.files && manifest.newestMtimeMs === now.newestMtimeMs;
}
