import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Figures, summarize } from './figures.ts';
import { ratio } from './report.ts';

test('summarize gives the median, and the mean of the middle two for an even count', () => {
  assert.deepEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
  assert.equal(summarize([4, 1, 3, 2])?.median, 2.5);
  assert.equal(summarize([]), undefined);
});

test('the ratio is Gregor over Kafka, per Gregor variant', () => {
  const figures = new Figures();
  for (const v of [10, 12, 11]) figures.add('kafka', 'x', 'x', 'MiB/s', 'higher', v);
  for (const v of [22, 20, 21]) figures.add('gregor', 'x', 'x', 'MiB/s', 'higher', v);
  const [figure] = figures.all;
  assert.ok(figure !== undefined);
  assert.equal(ratio(figure, 'gregor'), 21 / 11);
  assert.equal(ratio(figure, 'gregor-noflush'), undefined);
});
