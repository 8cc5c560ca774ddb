import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationCache } from '../../src/path/index.js';
import type { PathResult } from '../../src/path/index.js';

const valid = (validUntilMs: number): PathResult => ({ ok: true, path: [], validUntil: new Date(validUntilMs) });
const refused: PathResult = { ok: false, code: 'PATH_EXPIRED', certificateIndex: 0, detail: 'certificate 0 expired' };

test('remembers a valid result until its validUntil, per context', () => {
  const cache = new ValidationCache();
  cache.set('fp1', 'bundle-1:client', valid(2000), 1000);
  assert.equal(cache.get('fp1', 'bundle-1:client', 1500)?.ok, true);
  assert.equal(cache.get('fp1', 'bundle-1:client', 2000)?.ok, true);
  assert.equal(cache.get('fp1', 'bundle-2:client', 1500), undefined, 'another trust-bundle version');
  assert.equal(cache.get('fp1', 'bundle-1:server', 1500), undefined, 'another purpose');
  assert.equal(cache.get('fp1', 'bundle-1:client', 2001), undefined, 'expired');
  assert.equal(cache.size, 0);
});

test('remembers refusals only when asked, and only for their time to live', () => {
  const off = new ValidationCache();
  off.set('fp', 'ctx', refused, 0);
  assert.equal(off.get('fp', 'ctx', 0), undefined);
  const on = new ValidationCache({ failureTtlMs: 100 });
  on.set('fp', 'ctx', refused, 0);
  assert.equal(on.get('fp', 'ctx', 50)?.ok, false);
  assert.equal(on.get('fp', 'ctx', 101), undefined);
});

test('drops the oldest entry beyond maxEntries and old contexts beyond four', () => {
  const cache = new ValidationCache({ maxEntries: 2 });
  cache.set('a', 'ctx', valid(10_000), 0);
  cache.set('b', 'ctx', valid(10_000), 0);
  cache.set('c', 'ctx', valid(10_000), 0);
  assert.equal(cache.get('a', 'ctx', 1), undefined);
  assert.equal(cache.get('c', 'ctx', 1)?.ok, true);
  for (let i = 0; i < 5; i++) cache.set('x', `v${i}`, valid(10_000), 0);
  assert.equal(cache.get('x', 'v0', 1), undefined);
  assert.equal(cache.get('x', 'v4', 1)?.ok, true);
  cache.clear();
  assert.equal(cache.size, 0);
});
