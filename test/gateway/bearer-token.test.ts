import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerToken } from '../../src/gateway/bearer-token.js';
import { cacheLifetimeSeconds } from '../../src/gateway/runtime/jwks-source.js';
import { tokenChallenge } from '../../src/gateway/index.js';

test('the Bearer token of an Authorization field (RFC 6750 2.1), and what is not one', () => {
  assert.deepEqual(bearerToken(undefined), { kind: 'none' });
  assert.deepEqual(bearerToken(''), { kind: 'none' });
  assert.deepEqual(bearerToken('Bearer a.b-c_d'), { kind: 'token', token: 'a.b-c_d' });
  assert.deepEqual(bearerToken('bearer  abc=='), { kind: 'token', token: 'abc==' });
  for (const bad of ['Basic YTpi', 'Bearer', 'Bearer a b', 'Bearer a, Bearer b', 'Bearer a\u00e9', 'Bearera'])
    assert.deepEqual(bearerToken(bad), { kind: 'malformed' }, bad);
});

test("a JWKS is kept as long as the issuer's cache headers say (RFC 9111)", () => {
  assert.equal(cacheLifetimeSeconds('public, max-age=300', undefined, undefined), 300);
  assert.equal(cacheLifetimeSeconds('max-age="60"', undefined, undefined), 60);
  assert.equal(cacheLifetimeSeconds('no-store', undefined, undefined), 0);
  assert.equal(cacheLifetimeSeconds('max-age=60, no-cache', undefined, undefined), 0);
  assert.equal(cacheLifetimeSeconds('max-age=99999999', undefined, undefined), 86_400);
  assert.equal(cacheLifetimeSeconds(undefined, 'Thu, 01 Jan 2030 00:10:00 GMT', 'Thu, 01 Jan 2030 00:00:00 GMT'), 600);
  assert.equal(cacheLifetimeSeconds(undefined, 'garbage', 'Thu, 01 Jan 2030 00:00:00 GMT'), 0);
  assert.equal(cacheLifetimeSeconds(undefined, undefined, undefined), 300);
});

test('the RFC 6750 3 challenge of each token refusal', () => {
  assert.equal(tokenChallenge('token_missing', ['read']), 'Bearer realm="symbolon"');
  assert.match(tokenChallenge('token_expired', []), /^Bearer realm="symbolon", error="invalid_token", error_description="[^"]+"$/);
  assert.match(tokenChallenge('insufficient_scope', ['read', 'write']), /error="insufficient_scope", .*scope="read write"$/);
});
