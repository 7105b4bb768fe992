import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './args.ts';
import { LineError, lineFormat, parseLine } from './line-parser.ts';

const format = (props: Record<string, string>) => lineFormat(new Map(Object.entries(props)));

test('without properties the whole line is the value', () => {
  assert.deepEqual(parseLine('a:b\tc', 1, format({})), { key: null, value: 'a:b\tc', headers: [] });
});

test('parse.key splits at the first key.separator (tab by default)', () => {
  assert.deepEqual(parseLine('k\tv\tw', 1, format({ 'parse.key': 'true' })), { key: 'k', value: 'v\tw', headers: [] });
  assert.deepEqual(parseLine('k::v', 1, format({ 'parse.key': 'true', 'key.separator': '::' })), { key: 'k', value: 'v', headers: [] });
  assert.deepEqual(parseLine(':v', 1, format({ 'parse.key': 'true', 'key.separator': ':' })), { key: '', value: 'v', headers: [] });
});

test('parse.headers reads k:v pairs before headers.delimiter; a value may be empty or the null marker', () => {
  const f = format({ 'parse.headers': 'true', 'parse.key': 'true', 'key.separator': '|', 'null.marker': '<null>' });
  assert.deepEqual(parseLine('a:1,b:,c:<null>,d:x:y\tk|v', 1, f), {
    key: 'k',
    value: 'v',
    headers: [{ key: 'a', value: '1' }, { key: 'b', value: '' }, { key: 'c', value: null }, { key: 'd', value: 'x:y' }],
  });
  assert.deepEqual(parseLine('\t<null>|<null>', 1, f), { key: null, value: null, headers: [] });
  const custom = format({ 'parse.headers': 'true', 'headers.delimiter': '#', 'headers.separator': ';', 'headers.key.separator': '=' });
  assert.deepEqual(parseLine('a=1;b=2#value', 1, custom), { key: null, value: 'value', headers: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
});

test('a missing separator is an error naming the line, unless ignore.error', () => {
  assert.throws(() => parseLine('novalue', 7, format({ 'parse.key': 'true' })), (e: unknown) => e instanceof LineError && /line number 7/.test(e.message));
  assert.throws(() => parseLine('nodelimiter', 3, format({ 'parse.headers': 'true' })), LineError);
  assert.throws(() => parseLine('bad\tv', 2, format({ 'parse.headers': 'true' })), /no header key separator found in pair 'bad' on line number 2/);
  assert.deepEqual(parseLine('novalue', 7, format({ 'parse.key': 'true', 'ignore.error': 'true' })), { key: null, value: 'novalue', headers: [] });
});

test('unknown properties and bad values are usage errors', () => {
  assert.throws(() => format({ 'parse.kye': 'true' }), UsageError);
  assert.throws(() => format({ 'parse.key': 'yes' }), UsageError);
  assert.throws(() => format({ 'key.separator': '' }), UsageError);
});
