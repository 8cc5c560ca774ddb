import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { after, before, test } from 'node:test';
import { decodeJwt, SignJWT } from 'jose';
import { importPKCS8 } from 'jose';
import { killAllUp } from '../cli/up-process.js';
import { AUDIENCE, startBoundTokenWorld } from './support/bound-token-harness.js';
import type { BoundTokenWorld, GatewayAnswer } from './support/bound-token-harness.js';

// Each attack on the gateway's token check, refused with its reason. Tokens a broken or hostile
// issuer would make are signed here with the issuer's own key (read from the data directory), so
// each claim check is proved on its own: a signature that verifies is not enough.
let world: BoundTokenWorld;
let genuine: string;
before(async () => {
  world = await startBoundTokenWorld();
  genuine = await world.token(world.billing, 'read');
});
after(async () => {
  await world?.close().catch(() => killAllUp());
});

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The genuine token's claims with `changes`, signed with the issuer's key and `header` on top of its own. */
async function forged(changes: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const { kid, pem } = world.signingKey();
  const key = await importPKCS8(pem, 'ES256');
  const claims = { ...decodeJwt(genuine), ...changes };
  for (const [name, value] of Object.entries(changes)) if (value === undefined) delete claims[name];
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, ...header }).sign(key);
}

function assertRefused(answer: GatewayAnswer, reason: string, status = 401): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.body['reason'], reason);
  assert.match(answer.challenge ?? '', /^Bearer realm="symbolon"/);
}

const now = (): number => Math.floor(Date.now() / 1000);

test("the genuine token passes, so each refusal below is the attack's", async () => {
  assert.equal((await world.call(world.billing, '/bound/x', genuine)).status, 200);
  assert.equal((await world.call(world.billing, '/bound/x', await forged({}))).status, 200);
});

test('no token, another scheme, and a malformed token are refused token_missing and token_invalid', async () => {
  const missing = await world.call(world.billing, '/bound/x');
  assertRefused(missing, 'token_missing');
  assert.equal(missing.challenge, 'Bearer realm="symbolon"');
  assertRefused(await world.call(world.billing, '/bound/x', 'not a token'), 'token_invalid');
  assertRefused(await world.call(world.billing, '/bound/x', 'a.b.c'), 'token_invalid');
  assertRefused(await world.call(world.billing, '/bound/x', 'x'.repeat(9000)), 'token_invalid');
});

test('alg none is refused token_invalid', async () => {
  const { kid } = world.signingKey();
  const unsigned = `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(decodeJwt(genuine))}.`;
  assertRefused(await world.call(world.billing, '/bound/x', unsigned), 'token_invalid');
  const withJunk = `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(decodeJwt(genuine))}.AAAA`;
  assertRefused(await world.call(world.billing, '/bound/x', withJunk), 'token_invalid');
});

test('HS256 signed with the public key as the HMAC secret is refused token_invalid', async () => {
  const { kid, pem } = world.signingKey();
  const publicPem = createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
  const jwks = JSON.stringify(createPublicKey(pem).export({ format: 'jwk' }));
  for (const secret of [publicPem, jwks]) {
    const token = await new SignJWT(decodeJwt(genuine))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid })
      .sign(new TextEncoder().encode(secret));
    assertRefused(await world.call(world.billing, '/bound/x', token), 'token_invalid');
  }
});

test('a kid naming no key of the issuer is refused token_invalid, after one bounded refetch of the JWKS', async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const token = await new SignJWT(decodeJwt(genuine))
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k-attacker' })
    .sign(privateKey);
  assertRefused(await world.call(world.billing, '/bound/x', token), 'token_invalid');
  // The attacker's key under the issuer's own kid: the signature does not verify.
  const { kid } = world.signingKey();
  const sameKid = await new SignJWT(decodeJwt(genuine)).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(privateKey);
  assertRefused(await world.call(world.billing, '/bound/x', sameKid), 'token_invalid');
});

test('jku, x5u, jwk and x5c headers are refused token_invalid, even on a token the issuer signed', async () => {
  for (const header of [
    { jku: 'https://attacker.example/jwks.json' },
    { x5u: 'https://attacker.example/cert.pem' },
    { jwk: createPublicKey(world.signingKey().pem).export({ format: 'jwk' }) },
    { x5c: ['MIIB'] },
  ]) {
    assertRefused(await world.call(world.billing, '/bound/x', await forged({}, header)), 'token_invalid');
  }
});

test('a token of another type (no typ at+jwt) is refused token_invalid', async () => {
  assertRefused(await world.call(world.billing, '/bound/x', await forged({}, { typ: 'JWT' })), 'token_invalid');
});

test('an expired token is refused token_expired, a token not yet valid token_invalid', async () => {
  assertRefused(await world.call(world.billing, '/bound/x', await forged({ iat: now() - 7200, exp: now() - 3600 })), 'token_expired');
  assertRefused(await world.call(world.billing, '/bound/x', await forged({ nbf: now() + 3600 })), 'token_invalid');
  assertRefused(await world.call(world.billing, '/bound/x', await forged({ iat: now() + 3600, exp: now() + 7200 })), 'token_invalid');
});

test('a wrong audience or issuer is refused token_invalid', async () => {
  assertRefused(await world.call(world.billing, '/bound/x', await forged({ aud: 'https://other.example' })), 'token_invalid');
  assertRefused(await world.call(world.billing, '/bound/x', await forged({ aud: [AUDIENCE.replace('api', 'apj')] })), 'token_invalid');
  assertRefused(await world.call(world.billing, '/bound/x', await forged({ iss: 'https://attacker.example' })), 'token_invalid');
  assertRefused(await world.call(world.billing, '/bound/x', await forged({ iss: undefined })), 'token_invalid');
});

test('a tampered payload or cnf (not signed again) is refused token_invalid', async () => {
  const [header, , signature] = genuine.split('.');
  const scoped = `${header}.${b64({ ...decodeJwt(genuine), scope: 'read write admin' })}.${signature}`;
  assertRefused(await world.call(world.billing, '/bound/x', scoped), 'token_invalid');
  const rebound = `${header}.${b64({ ...decodeJwt(genuine), cnf: { 'x5t#S256': 'A'.repeat(43) } })}.${signature}`;
  assertRefused(await world.call(world.billing, '/bound/x', rebound), 'token_invalid');
});

test('a cnf naming another certificate, or none, is refused token_binding_mismatch even when signed', async () => {
  assertRefused(
    await world.call(world.billing, '/bound/x', await forged({ cnf: { 'x5t#S256': 'A'.repeat(43) } })),
    'token_binding_mismatch',
  );
  assertRefused(await world.call(world.billing, '/bound/x', await forged({ cnf: undefined })), 'token_binding_mismatch');
});

test("a token issued to another client is refused token_binding_mismatch on this client's connection", async () => {
  const othersToken = await world.token(world.other, 'read');
  assertRefused(await world.call(world.billing, '/bound/x', othersToken), 'token_binding_mismatch');
  assert.equal((await world.call(world.other, '/bound/x', othersToken)).status, 200);
});

test("a token without the route's scope is refused 403 insufficient_scope, naming the scope", async () => {
  const writeOnly = await world.token(world.billing, 'write');
  const answer = await world.call(world.billing, '/bound/x', writeOnly);
  assertRefused(answer, 'insufficient_scope', 403);
  assert.match(answer.challenge ?? '', /error="insufficient_scope".*scope="read"$/);
});

test('a bearer route takes a token without cnf, and still checks the binding of a bound token', async () => {
  assert.equal((await world.call(world.billing, '/bearer/x', await forged({ cnf: undefined }))).status, 200);
  assertRefused(await world.call(world.other, '/bearer/x', genuine), 'token_binding_mismatch');
  assertRefused(await world.call(world.anonymous, '/bearer/x', genuine), 'token_binding_mismatch');
});

test('each refusal is counted in the gateway metrics by route and reason', async () => {
  const metrics = await (await fetch(`${world.adminUrl}/metrics`)).text();
  for (const reason of ['token_missing', 'token_invalid', 'token_expired', 'token_binding_mismatch', 'insufficient_scope']) {
    const line = new RegExp(`^symbolon_gateway_rejections_total\\{route="\\*/bound",reason="${reason}"\\} ([0-9]+)$`, 'm').exec(metrics);
    assert.ok(
      line !== null && Number(line[1]) > 0,
      `${reason} not counted:\n${metrics
        .split('\n')
        .filter((l) => l.includes('rejections'))
        .join('\n')}`,
    );
  }
});
