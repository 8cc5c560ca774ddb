import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextAttemptDelayMs, renewalTime, retryDelayMs } from '../../src/client/index.js';
import { seededRandom } from '../support/seeded-random.js';

const start = new Date('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;

test('renewal falls at two thirds of the lifetime counted from receipt, up to a twelfth earlier', () => {
  const notAfter = new Date(start.getTime() + 12 * HOUR);
  assert.equal(renewalTime(start, notAfter, () => 0).getTime(), start.getTime() + 8 * HOUR);
  assert.equal(renewalTime(start, notAfter, () => 0.999999).getTime() > start.getTime() + 7 * HOUR, true);
  const random = seededRandom(18);
  for (let i = 0; i < 1000; i++) {
    const at = renewalTime(start, notAfter, random).getTime();
    assert.ok(at > start.getTime() + 7 * HOUR && at <= start.getTime() + 8 * HOUR);
  }
  // A 10-second certificate (notBefore backdated by the CA) renews 6.67 s after it arrived.
  assert.equal(renewalTime(start, new Date(start.getTime() + 10_000), () => 0).getTime() - start.getTime(), 6666);
});

test('retry delays grow exponentially up to the cap, are half random, and stay under a third of the life left', () => {
  const policy = { baseMs: 1000, capMs: 60_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8, 20].map((failures) => retryDelayMs(failures, policy, () => 0.999999999)),
    [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000],
  );
  assert.equal(
    retryDelayMs(3, policy, () => 0),
    2000,
  );
  // 9 s left: at most 3 s between attempts; never below the base.
  assert.equal(
    retryDelayMs(10, policy, () => 0.999999999, 9000),
    3000,
  );
  assert.equal(
    retryDelayMs(10, policy, () => 0.999999999, 100),
    1000,
  );
  assert.equal(
    retryDelayMs(10, policy, () => 0.999999999, -5),
    60000,
  );
});

test("the server's Retry-After sets the next attempt, kept between the base and the cap; without one, the backoff", () => {
  const policy = { baseMs: 1000, capMs: 60_000 };
  assert.equal(
    nextAttemptDelayMs(5, policy, () => 0, 2000),
    2000,
  );
  assert.equal(
    nextAttemptDelayMs(1, policy, () => 0.999999999, 30_000),
    30_000,
  );
  assert.equal(
    nextAttemptDelayMs(1, policy, () => 0, 0),
    1000,
    'no faster than the base',
  );
  assert.equal(
    nextAttemptDelayMs(1, policy, () => 0, 3_600_000),
    60_000,
    'no longer than the cap',
  );
  assert.equal(
    nextAttemptDelayMs(3, policy, () => 0.999999999, undefined),
    retryDelayMs(3, policy, () => 0.999999999),
  );
  assert.equal(
    nextAttemptDelayMs(10, policy, () => 0.999999999, undefined, 9000),
    3000,
  );
});
