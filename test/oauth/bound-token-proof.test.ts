import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { Agent } from 'undici';
import { certificateThumbprint } from '../../src/access-token/index.js';
import { parseCertificate, parsePemBlocks, toPem } from '../../src/x509/index.js';
import { runCli } from '../cli/run-cli.js';
import { killAllUp } from '../cli/up-process.js';
import { runTool } from '../support/revocation-harness.js';
import { startBoundTokenWorld } from './support/bound-token-harness.js';
import type { BoundTokenWorld } from './support/bound-token-harness.js';

let world: BoundTokenWorld;
before(async () => {
  world = await startBoundTokenWorld();
});
after(async () => {
  await world?.close().catch(() => killAllUp());
});

function thumbprintOf(certFile: string): string {
  const leaf = parsePemBlocks(readFileSync(certFile, 'utf8'))[0]!;
  return certificateThumbprint(parseCertificate(leaf.der).der);
}

test('openid-client obtains a token bound to its certificate over mTLS, and the call through the gateway succeeds', async () => {
  const token = await world.token(world.billing, 'read');
  assert.equal(decodeProtectedHeader(token).alg, 'ES256');
  assert.equal(decodeProtectedHeader(token).typ, 'at+jwt');
  const claims = decodeJwt(token);
  assert.equal(claims.iss, world.issuer);
  assert.equal(claims.sub, 'billing');
  assert.equal(claims.aud, 'https://api.example');
  assert.equal(claims['scope'], 'read');
  assert.deepEqual(claims['cnf'], { 'x5t#S256': thumbprintOf(world.billing.certFile) });
  const answer = await world.call(world.billing, '/bound/invoices', token);
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.text, 'upstream /bound/invoices');
});

test('the same token presented with another valid certificate is refused with token_binding_mismatch', async () => {
  const token = await world.token(world.billing, 'read');
  const answer = await world.call(world.other, '/bound/invoices', token);
  assert.equal(answer.status, 401);
  assert.equal(answer.body['reason'], 'token_binding_mismatch');
  assert.equal(answer.body['type'], 'urn:symbolon:error:GATEWAY_TOKEN_BINDING_MISMATCH');
  assert.match(answer.challenge ?? '', /^Bearer realm="symbolon", error="invalid_token", error_description="/);
  // The other client's own route without a token works: the refusal is the token's, not the certificate's.
  assert.equal((await world.call(world.other, '/open/x')).status, 200);
});

test('over HTTP/2 the binding is checked against the certificate of the connection too', async () => {
  const token = await world.token(world.billing, 'read');
  const ask = (certFile: string, keyFile: string): Promise<{ status: number; challenge: unknown; body: string }> =>
    new Promise((resolve, reject) => {
      const session = connect(world.gatewayUrl, {
        ca: readFileSync(world.caFile),
        cert: readFileSync(certFile),
        key: readFileSync(keyFile),
      });
      session.on('error', reject);
      const stream = session.request({ ':path': '/bound/h2', authorization: `Bearer ${token}` });
      let body = '';
      let status = 0;
      let challenge: unknown;
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
        challenge = headers['www-authenticate'];
      });
      stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
      stream.on('end', () => {
        session.close();
        resolve({ status, challenge, body });
      });
      stream.on('error', reject);
    });
  const own = await ask(world.billing.certFile, world.billing.keyFile);
  assert.equal(own.status, 200, own.body);
  const stolen = await ask(world.other.certFile, world.other.keyFile);
  assert.equal(stolen.status, 401);
  assert.equal((JSON.parse(stolen.body) as { reason: string }).reason, 'token_binding_mismatch');
  assert.match(String(stolen.challenge), /error="invalid_token"/);
});

test('curl gets a token over mTLS with tls_client_auth and calls the gateway with it', async () => {
  const common = ['-sS', '--cacert', world.caFile, '--cert', world.billing.certFile, '--key', world.billing.keyFile];
  const issued = await runTool('curl', [
    ...common,
    '-d',
    'grant_type=client_credentials',
    '-d',
    'client_id=billing',
    '-d',
    'scope=read write',
    `${world.issuer}/oauth/token`,
  ]);
  assert.equal(issued.code, 0, issued.output);
  const answer = JSON.parse(issued.stdout) as { access_token: string; token_type: string; expires_in: number; scope: string };
  assert.equal(answer.token_type, 'Bearer');
  assert.equal(answer.scope, 'read write');
  const called = await runTool('curl', [...common, '-H', `Authorization: Bearer ${answer.access_token}`, `${world.gatewayUrl}/bound/curl`]);
  assert.equal(called.stdout, 'upstream /bound/curl');
});

test('introspection (RFC 7662) by another client says a token is active with its cnf, and inactive once its client is removed; the audit log has its jti, not the token', async () => {
  const token = await world.token(world.other);
  const introspect = async (): Promise<Record<string, unknown>> => {
    const ran = await runTool('curl', [
      '-sS',
      '--cacert',
      world.caFile,
      '--cert',
      world.billing.certFile,
      '--key',
      world.billing.keyFile,
      '-d',
      'client_id=billing',
      '--data-urlencode',
      `token=${token}`,
      `${world.issuer}/oauth/introspect`,
    ]);
    return JSON.parse(ran.stdout) as Record<string, unknown>;
  };
  const active = await introspect();
  assert.equal(active['active'], true);
  assert.equal(active['client_id'], 'other');
  assert.deepEqual(active['cnf'], { 'x5t#S256': thumbprintOf(world.other.certFile) });
  assert.equal((await introspect())['token_type'], 'Bearer');
  // The audit log has the token's jti, never the token.
  const jti = decodeJwt(token).jti!;
  const log = await runTool('sqlite3', [`${world.dir}/symbolon.db`, "SELECT payload FROM audit_log WHERE action = 'oauth.token.issue'"]);
  assert.ok(log.stdout.includes(jti), log.output);
  assert.ok(!log.stdout.includes(token.split('.')[2]!), 'the token itself is not in the audit log');
  const removed = await runCli(['oauth', 'client', 'remove', 'other', '--dir', world.dir]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(await introspect(), { active: false });
});

test('after a renewal the token bound to the old certificate stops working; one got with the new certificate works', async () => {
  const token = await world.token(world.billing, 'read');
  const renewedFile = join(world.dir, '..', 'billing.renewed.crt');
  const renewed = await runCli(['ca', 'renew', world.billing.certFile, '--dir', world.dir, '--out', renewedFile]);
  assert.equal(renewed.code, 0, renewed.stderr);
  const chain = parsePemBlocks(readFileSync(world.billing.certFile, 'utf8')).slice(1);
  const renewedChain = readFileSync(renewedFile, 'utf8') + chain.map((block) => toPem('CERTIFICATE', block.der)).join('');
  const agent = new Agent({ connect: { ca: readFileSync(world.caFile), cert: renewedChain, key: readFileSync(world.billing.keyFile) } });
  try {
    const renewedClient = { ...world.billing, certFile: renewedFile, agent };
    const stale = await world.call(renewedClient, '/bound/after-renewal', token);
    assert.equal(stale.status, 401);
    assert.equal(stale.body['reason'], 'token_binding_mismatch');
    const fresh = await world.token(renewedClient, 'read');
    assert.deepEqual(decodeJwt(fresh)['cnf'], { 'x5t#S256': thumbprintOf(renewedFile) });
    assert.equal((await world.call(renewedClient, '/bound/after-renewal', fresh)).status, 200);
  } finally {
    await agent.close();
  }
});
