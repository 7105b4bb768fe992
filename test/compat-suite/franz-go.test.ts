import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GoTestJsonParser, skipsByReason } from './franz-go.ts';

// `go test -json` events as kgo's run prints them (shape from Go's test2json).
const event = (Action: string, Test: string, Output?: string): string => JSON.stringify({ Action, Package: 'github.com/twmb/franz-go/pkg/kgo', Test, ...(Output === undefined ? {} : { Output }) });

test('go test -json: one result per test, failure tails kept, skip reasons taken from t.Skip', () => {
  const parser = new GoTestJsonParser();
  for (const line of [
    'go: downloading something', // not JSON: ignored
    event('run', 'TestScram'),
    event('output', 'TestScram', '=== RUN   TestScram\n'),
    event('output', 'TestScram', '    client_test.go:294: KGO_TEST_SCRAM_SEEDS or KGO_TEST_SCRAM not set, skipping SCRAM test\n'),
    // kgo's deferred topic cleanup logs after the skip.
    event('output', 'TestScram', '    helpers_test.go:535: deleting topic 9f2c\n'),
    event('output', 'TestScram', '--- SKIP: TestScram (0.00s)\n'),
    event('skip', 'TestScram'),
    event('run', 'TestShare'),
    event('output', 'TestShare', '    share_test.go:38: broker does not support share groups\n'),
    // Cleanup logging while t.Skip unwinds the test is attributed to panic.go.
    event('output', 'TestShare', '    panic.go:694: deleting topic 77ab\n'),
    event('skip', 'TestShare'),
    event('run', 'TestOauth'),
    event('output', 'TestOauth', '    client_test.go:364: broker does not support share groups\n'),
    event('skip', 'TestOauth'),
    event('run', 'TestProduce'),
    event('pass', 'TestProduce'),
    event('run', 'TestTxn'),
    event('output', 'TestTxn', '    txn_test.go:10: unexpected error\n'),
    event('fail', 'TestTxn'),
    event('run', 'TestHangs'),
    event('output', 'TestHangs', 'still waiting\n'),
  ]) parser.push(line);

  const results = new Map(parser.results().map((r) => [r.name, r]));
  assert.equal(results.get('TestProduce')?.status, 'pass');
  assert.equal(results.get('TestTxn')?.status, 'fail');
  assert.match(results.get('TestTxn')?.tail ?? '', /unexpected error/);
  assert.equal(results.get('TestHangs')?.status, 'fail', 'a test that never ended was cut off');
  assert.equal(results.get('TestScram')?.skipReason, 'KGO_TEST_SCRAM_SEEDS or KGO_TEST_SCRAM not set, skipping SCRAM test');
  assert.deepEqual(
    [...skipsByReason([...results.values()])],
    [
      ['KGO_TEST_SCRAM_SEEDS or KGO_TEST_SCRAM not set, skipping SCRAM test', ['TestScram']],
      ['broker does not support share groups', ['TestShare', 'TestOauth']],
    ],
  );
});
