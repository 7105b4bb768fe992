#!/usr/bin/env node
// The `gregor` command. Gregor's sources are TypeScript run through Node's type stripping,
// which needs Node >= 24; when started by an older `node` on PATH, re-run under the Node 24
// binary that the `node` npm dependency installs, so `npx gregor` works from a fresh checkout.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const require = createRequire(import.meta.url);
  let nodeBin;
  try {
    nodeBin = require.resolve('node/bin/node');
  } catch {
    console.error(`gregor needs Node 24 or newer (this is ${process.version}); run \`npm ci\` to install it.`);
    process.exit(1);
  }
  const result = spawnSync(nodeBin, [new URL(import.meta.url).pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
// Cache V8's compiled code for our modules between runs: type-stripping and compiling the sources
// is most of a cold start (gregor server: ~0.4 s without the cache, ~0.14 s with it).
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
// The one-file build when it matches the sources (see bundle-state.js); GREGOR_FROM_SOURCE=1 skips it.
const { BUNDLE, bundleIsFresh } = await import('./bundle-state.js');
const fromBundle = process.env.GREGOR_FROM_SOURCE !== '1' && bundleIsFresh();
const { main } = await import(fromBundle ? pathToFileURL(BUNDLE).href : '../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
