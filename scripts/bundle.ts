/**
 * Builds dist/gregor.mjs, the one-file build of the `gregor` command (src/cli/main.ts and everything
 * it imports; packages in node_modules stay imports), and dist/gregor.json, the stamp of the sources
 * it was built from. bin/gregor.js starts from the bundle when the stamp still matches the sources
 * (bin/bundle-state.js) and from the sources otherwise, so a stale bundle is never run.
 *
 *   node scripts/bundle.ts           build unless the bundle is up to date (`npm ci` runs this)
 *   node scripts/bundle.ts --force   build in any case (`npm run bundle`)
 *   --quiet                          say nothing when up to date (`npm start`)
 *
 * A failed build never fails `npm ci` or `npm start`: it says so, and gregor runs from its sources.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BUNDLE, MANIFEST, ROOT, bundleIsFresh, sourceStamp } from '../bin/bundle-state.js';

const force = process.argv.includes('--force');
const quiet = process.argv.includes('--quiet');

export async function bundle(): Promise<void> {
  const stamp = sourceStamp();
  // Imported here, not at the top: a `--quiet` up-to-date check should not pay for loading esbuild.
  const { build } = await import('esbuild');
  mkdirSync(dirname(BUNDLE), { recursive: true });
  const partial = `${BUNDLE}.tmp-${process.pid}`;
  try {
    const started = performance.now();
    await build({
      entryPoints: [join(ROOT, 'src/cli/main.ts')],
      outfile: partial,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      // Native addons (snappy, lz4-napi, @node-rs/crc32) and every other package load from node_modules.
      packages: 'external',
      legalComments: 'none',
      logLevel: 'warning',
    });
    renameSync(partial, BUNDLE);
    // The stamp taken before the build: a source saved during it makes the bundle stale at once.
    writeFileSync(MANIFEST, `${JSON.stringify({ ...stamp, builtAt: new Date().toISOString() })}\n`);
    if (!quiet) console.log(`bundle: wrote ${BUNDLE} from ${stamp.files} source files in ${Math.round(performance.now() - started)} ms`);
  } finally {
    rmSync(partial, { force: true });
  }
}

if (import.meta.main) {
  if (!force && bundleIsFresh()) {
    if (!quiet) console.log(`bundle: ${BUNDLE} is up to date`);
  } else {
    try {
      await bundle();
    } catch (error) {
      rmSync(MANIFEST, { force: true });
      console.warn(`bundle: not built, gregor runs from its sources: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
