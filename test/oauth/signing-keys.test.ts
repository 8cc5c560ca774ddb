import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSymbolonError } from '../../src/errors.js';
import { rotateSigningKeys } from '../../src/oauth/index.js';
import { makeTempDir } from '../ca/support.js';

const temp = makeTempDir('symbolon-oauth-keys-');
after(() => temp.remove());

const HOUR = 3600_000;
const T0 = Date.UTC(2030, 0, 1);
const policy = { rotateAfterSeconds: 24 * 3600, overlapSeconds: 2 * 3600 };

test('a first key is made (0600 in a 0700 folder), kept until it is due, then replaced with overlap and retired', async () => {
  const dir = join(temp.path, 'rotation');
  const first = await rotateSigningKeys(dir, new Date(T0), policy);
  assert.equal(first.published.length, 1);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const name of readdirSync(dir)) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600);
  assert.deepEqual(Object.keys(first.active.jwk).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  assert.equal(first.active.jwk['d'], undefined);

  const same = await rotateSigningKeys(dir, new Date(T0 + 23 * HOUR), policy);
  assert.equal(same.active.kid, first.active.kid);

  const rotated = await rotateSigningKeys(dir, new Date(T0 + 25 * HOUR), policy);
  assert.notEqual(rotated.active.kid, first.active.kid);
  assert.deepEqual(
    rotated.published.map((key) => key.kid),
    [rotated.active.kid, first.active.kid],
    'the replaced key stays published while its tokens may be presented',
  );
  const later = await rotateSigningKeys(dir, new Date(T0 + 28 * HOUR), policy);
  assert.deepEqual(
    later.published.map((key) => key.kid),
    [rotated.active.kid],
  );
  assert.equal(readdirSync(dir).length, 1, 'the retired key file is removed');
});

test('a damaged key file is refused with OAUTH_SIGNING_KEY_INVALID, naming it', async () => {
  const dir = join(temp.path, 'damaged');
  await rotateSigningKeys(dir, new Date(T0), policy);
  writeFileSync(join(dir, 'k1893456000-0123456789abcdef.pem'), 'not a key', { mode: 0o600 });
  await assert.rejects(rotateSigningKeys(dir, new Date(T0), policy), (error: unknown) => {
    assert.ok(isSymbolonError(error, 'OAUTH_SIGNING_KEY_INVALID'));
    assert.match(error.message, /k1893456000-0123456789abcdef\.pem/);
    return true;
  });
});
