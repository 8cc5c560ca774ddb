import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedCache } from '../src/bounded-cache.js';
import { decodeOidContent, encodeOidContent } from '../src/asn1/index.js';

test('a BoundedCache drops its least recently used entry past capacity; a set of a held key makes it the newest', () => {
  const cache = new BoundedCache<string, number>(2);
  cache.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
  assert.deepEqual(
    [...cache.entries()],
    [
      ['a', 3],
      ['c', 4],
    ],
  );
});

test('a get of a held key makes it the most recent, so the entries in use survive a flood of new keys', () => {
  const cache = new BoundedCache<string, number>(3);
  cache.set('hot', 0);
  for (let i = 0; i < 100; i++) {
    assert.equal(cache.get('hot'), 0);
    cache.set(`junk-${i}`, i);
    assert.ok(cache.size <= 3);
  }
  assert.equal(cache.has('hot'), true);
  assert.equal(cache.get('missing'), undefined);
});

test('has does not refresh an entry, and undefined values are held like any other', () => {
  const cache = new BoundedCache<string, number | undefined>(2);
  cache.set('a', undefined).set('b', 1);
  assert.equal(cache.has('a'), true);
  cache.set('c', 2);
  assert.equal(cache.has('a'), false);
  assert.deepEqual([...cache.keys()], ['b', 'c']);
});

test('a capacity below one, or not a whole number, is refused', () => {
  for (const capacity of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
    assert.throws(() => new BoundedCache(capacity), RangeError, String(capacity));
});

test('the OID cache fed by outside input stays correct past its bound (100,000 distinct OIDs)', () => {
  for (let i = 0; i < 100_000; i++) {
    const dotted = `1.3.6.1.4.1.99999.${i}`;
    assert.equal(decodeOidContent(encodeOidContent(dotted), 0), dotted);
    if (i % 1000 === 0) assert.equal(decodeOidContent(encodeOidContent('2.5.4.3'), 0), '2.5.4.3');
  }
});

test('onEvict hears of each entry the bound pushes out, and of nothing deleted by hand', () => {
  const evicted: [string, number][] = [];
  const cache = new BoundedCache<string, number>(2, (key, value) => evicted.push([key, value]));
  cache.set('a', 1).set('b', 2).set('c', 3);
  cache.delete('b');
  cache.set('d', 4).set('e', 5);
  assert.deepEqual(evicted, [
    ['a', 1],
    ['c', 3],
  ]);
});
