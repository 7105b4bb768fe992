import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundleIsFresh, sourceStamp } from '../../bin/bundle-state.js';
import { startBrokerProcess } from '../compat/helpers/broker-process.ts';
import { kcatConsume, kcatProduce } from '../compat/helpers/kcat.ts';

/**
 * The one-file build (scripts/bundle.ts → dist/gregor.mjs) that bin/gregor.js starts from while it
 * matches the sources: the staleness check, and a broker started from the bundle serving kcat.
 */
const REPO = new URL('../../', import.meta.url).pathname;
const GREGOR = join(REPO, 'bin/gregor.js');

test('bundle-state: fresh for the sources it was stamped from; stale after an edit, an added or deleted source, or without the bundle', async () => {
  const root = await mkdtemp(join(tmpdir(), 'gregor-bundle-state-'));
  try {
    await mkdir(join(root, 'src/sub'), { recursive: true });
    await mkdir(join(root, 'dist'));
    await writeFile(join(root, 'package.json'), '{"name":"gregor"}\n');
    for (const f of ['src/a.ts', 'src/sub/b.ts', 'src/a.test.ts']) await writeFile(join(root, f), 'export {};\n');
    await writeFile(join(root, 'dist/gregor.mjs'), '');
    const stamp = async (): Promise<void> => writeFile(join(root, 'dist/gregor.json'), JSON.stringify(sourceStamp(root)));
    await stamp();
    assert.equal(sourceStamp(root).files, 2, 'test files are not bundled, so not counted');
    assert.equal(bundleIsFresh(root), true);

    const later = new Date(Date.now() + 10_000);
    await utimes(join(root, 'src/sub/b.ts'), later, later);
    assert.equal(bundleIsFresh(root), false, 'an edited source');
    await stamp();
    await utimes(join(root, 'src/a.test.ts'), new Date(Date.now() + 20_000), new Date(Date.now() + 20_000));
    assert.equal(bundleIsFresh(root), true, 'an edited test changes nothing');
    await writeFile(join(root, 'src/c.ts'), 'export {};\n');
    await utimes(join(root, 'src/c.ts'), new Date(0), new Date(0));
    assert.equal(bundleIsFresh(root), false, 'an added source, even an old file');
    await stamp();
    await rm(join(root, 'src/c.ts'));
    assert.equal(bundleIsFresh(root), false, 'a deleted source');
    await stamp();
    await rm(join(root, 'dist/gregor.mjs'));
    assert.equal(bundleIsFresh(root), false, 'no bundle');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('bin/gregor.js runs the bundle once built, and a broker started from it serves kcat', async () => {
  const built = spawnSync(process.execPath, [join(REPO, 'scripts/bundle.ts')], { cwd: REPO, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  assert.doesNotMatch(built.stderr, /not built/, built.stderr);
  const version = (env: Record<string, string>): string => spawnSync(process.execPath, [GREGOR, 'version'], { encoding: 'utf8', env: { ...process.env, ...env } }).stdout;
  assert.match(version({}), /from dist\/gregor\.mjs/);
  assert.match(version({ GREGOR_FROM_SOURCE: '1' }), /from src\//);

  const dir = await mkdtemp(join(tmpdir(), 'gregor-bundle-'));
  try {
    const server = await startBrokerProcess(dir);
    // lz4 goes through a native addon the bundle leaves in node_modules.
    await kcatProduce(server.bootstrap, 'from-bundle', 'k1:v1\nk2:v2\nk3:v3\n', ['-z', 'lz4']);
    const got = await kcatConsume(server.bootstrap, 'from-bundle');
    assert.deepEqual(got.map((r) => [r.offset, r.key, r.payload]), [[0, 'k1', 'v1'], [1, 'k2', 'v2'], [2, 'k3', 'v3']]);
    assert.equal(await server.stop(), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
