import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTokenNamePattern, isTokenSecret, matchesTokenName, newTokenCredentials, tokenSecretHash } from '../../src/est/index.js';
import { assertCode } from '../ca/support.js';
import { seededRandom } from '../support/seeded-random.js';

test('a token name pattern takes one or more characters per "*", within one label, case-insensitively', () => {
  const cases: [string, string, boolean][] = [
    ['sensor-*', 'sensor-17', true],
    ['sensor-*', 'SENSOR-17', true],
    ['sensor-*', 'sensor-', false],
    ['sensor-*', 'sensor-17.evil.example', false],
    ['sensor-*', 'xsensor-17', false],
    ['*.fleet.example', 'a1.fleet.example', true],
    ['*.fleet.example', 'a.b.fleet.example', false],
    ['*.fleet.example', '.fleet.example', false],
    ['s*-*-x', 's1-2-3-x', true],
    ['s*-*-x', 's1-x', false],
    ['a*b*c', 'abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', false],
    ['exact.example', 'exact.example', true],
    ['exact.example', 'exact.example.', false],
  ];
  for (const [pattern, name, expected] of cases) assert.equal(matchesTokenName(pattern, name), expected, `${pattern} ~ ${name}`);
});

test('a malformed token name pattern is a USAGE error', async () => {
  for (const pattern of ['', 'a**b', 'sensor/*', 'a b', 'x'.repeat(254)]) await assertCode(() => checkTokenNamePattern(pattern), 'USAGE');
  checkTokenNamePattern('sensor-*');
});

test('a token secret is checked against its keyed hash; another key, secret or malformed secret fails', () => {
  const random = seededRandom(7);
  const bytes = (size: number): Uint8Array => Uint8Array.from({ length: size }, () => Math.floor(random() * 256));
  const { id, secret } = newTokenCredentials(bytes);
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
  const key = Buffer.alloc(32, 1);
  const hash = tokenSecretHash(key, secret);
  assert.ok(isTokenSecret(key, secret, hash));
  assert.ok(!isTokenSecret(Buffer.alloc(32, 2), secret, hash));
  assert.ok(!isTokenSecret(key, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, hash));
  assert.ok(!isTokenSecret(key, '', tokenSecretHash(key, '')), 'an empty secret never matches, even its own hash');
  assert.ok(!isTokenSecret(key, secret, 'not hex'));
});
