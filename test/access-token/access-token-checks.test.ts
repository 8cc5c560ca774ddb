import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import {
  asAccessTokenClaims,
  certificateThumbprint,
  checkAccessTokenClaims,
  importVerificationKeys,
  verifyAccessTokenSignature,
} from '../../src/access-token/index.js';
import type { AccessTokenClaims, AccessTokenExpectations } from '../../src/access-token/index.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const T = NOW.getTime() / 1000;
const THUMBPRINT = certificateThumbprint(Buffer.from('a certificate'));

const claims: AccessTokenClaims = {
  iss: 'https://as.example',
  sub: 'billing',
  aud: 'https://api.example',
  exp: T + 600,
  iat: T,
  jti: 'j1',
  client_id: 'billing',
  scope: 'read write',
  cnf: { 'x5t#S256': THUMBPRINT },
};

const expected: AccessTokenExpectations = {
  issuer: 'https://as.example',
  audience: 'https://api.example',
  scopes: ['read'],
  certificateThumbprint: THUMBPRINT,
  requireBinding: true,
  leewaySeconds: 30,
};

const reasonOf = (changes: Partial<AccessTokenClaims>, expect: Partial<AccessTokenExpectations> = {}, now = NOW): string => {
  const verdict = checkAccessTokenClaims({ ...claims, ...changes }, { ...expected, ...expect }, now);
  return verdict.ok ? 'ok' : verdict.reason;
};

test('x5t#S256 is the base64url SHA-256 of the DER without padding (RFC 8705 3.1)', () => {
  assert.equal(certificateThumbprint(Buffer.from('a certificate')), createHash('sha256').update('a certificate').digest('base64url'));
  assert.doesNotMatch(THUMBPRINT, /[=+/]/);
  assert.equal(THUMBPRINT.length, 43);
});

test('a token with the right issuer, audience, time, binding and scope passes', () => {
  assert.equal(reasonOf({}), 'ok');
  assert.equal(reasonOf({ aud: ['https://other.example', 'https://api.example'] }), 'ok');
  assert.equal(reasonOf({}, { scopes: ['read', 'write'] }), 'ok');
});

test('each claim check refuses with its reason, in RFC 6750 order', () => {
  assert.equal(reasonOf({ iss: 'https://as.example/' }), 'token_invalid');
  assert.equal(reasonOf({ aud: 'https://api.example/' }), 'token_invalid');
  assert.equal(reasonOf({ exp: T - 31 }), 'token_expired');
  assert.equal(reasonOf({ exp: T - 29 }), 'ok', 'within the leeway');
  assert.equal(reasonOf({ nbf: T + 31 }), 'token_invalid');
  assert.equal(reasonOf({ iat: T + 31 }), 'token_invalid');
  assert.equal(reasonOf({ cnf: { 'x5t#S256': certificateThumbprint(Buffer.from('another')) } }), 'token_binding_mismatch');
  assert.equal(reasonOf({}, { certificateThumbprint: undefined }), 'token_binding_mismatch');
  assert.equal(reasonOf({ scope: 'write' }), 'insufficient_scope');
  assert.equal(reasonOf({ scope: 'reader' }), 'insufficient_scope');
  // An expired token of another audience is invalid first.
  assert.equal(reasonOf({ aud: 'x', exp: T - 3600 }), 'token_invalid');
});

test('a bound route takes no unbound token; a bearer route takes one, and still checks a bound one', () => {
  const { cnf: _cnf, ...unbound } = claims;
  assert.equal(checkAccessTokenClaims(unbound, expected, NOW).ok, false);
  assert.equal(checkAccessTokenClaims(unbound, { ...expected, requireBinding: false }, NOW).ok, true);
  assert.equal(reasonOf({}, { requireBinding: false, certificateThumbprint: undefined }), 'token_binding_mismatch');
});

test('claims of the wrong types are not access token claims', () => {
  assert.ok(asAccessTokenClaims({ ...claims }) !== undefined);
  for (const bad of [
    null,
    [],
    'x',
    { ...claims, exp: '1' },
    { ...claims, aud: [] },
    { ...claims, aud: [1] },
    { ...claims, scope: undefined },
    { ...claims, cnf: { x5t: 'a' } },
    { ...claims, cnf: 'a' },
    { ...claims, nbf: 'soon' },
    { ...claims, client_id: '' },
  ])
    assert.equal(asAccessTokenClaims(bad), undefined, JSON.stringify(bad));
});

test('signature verification takes only the header it allows, and the keys it is given', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
  const keys = importVerificationKeys({ keys: [jwk, { kty: 'oct', k: 'c2VjcmV0', kid: 'k2' }, { ...jwk, kid: 'k3', use: 'enc' }] })!;
  assert.deepEqual([...keys.keys()], ['k1'], 'symmetric and encryption keys are left out');
  const sign = (header: Record<string, unknown>) =>
    new SignJWT({ ...claims, aud: 'https://api.example' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1', ...header })
      .sign(privateKey);
  assert.equal((await verifyAccessTokenSignature(await sign({}), keys)).ok, true);
  assert.equal((await verifyAccessTokenSignature(await sign({ typ: 'application/at+jwt' }), keys)).ok, true);
  assert.deepEqual(await verifyAccessTokenSignature(await sign({ kid: 'k9' }), keys), { ok: false, reason: 'unknown_key', kid: 'k9' });
  for (const header of [{ typ: 'JWT' }, { jku: 'https://x' }, { x5u: 'https://x' }, { kid: '' }, { x5c: ['MIIB'] }])
    assert.deepEqual(
      await verifyAccessTokenSignature(await sign(header), keys),
      { ok: false, reason: 'token_invalid' },
      JSON.stringify(header),
    );
  // ES256 is all the key allows: a token saying ES384 is refused before jose is asked.
  assert.equal((await verifyAccessTokenSignature(await sign({}), keys, ['ES384'])).ok, false);
  assert.equal(importVerificationKeys({ nokeys: [] }), undefined);
  assert.equal(importVerificationKeys('{}'), undefined);
});
