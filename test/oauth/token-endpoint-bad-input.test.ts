import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { Agent, request } from 'undici';
import { certificateThumbprint } from '../../src/access-token/index.js';
import { parseCertificate, parsePemBlocks } from '../../src/x509/index.js';
import { assertFailure, runCli } from '../cli/run-cli.js';
import { killAllUp } from '../cli/up-process.js';
import { runTool } from '../support/revocation-harness.js';
import { startBoundTokenWorld } from './support/bound-token-harness.js';
import type { BoundTokenWorld, TestClient } from './support/bound-token-harness.js';

// The token endpoint with hostile or mistaken input: each answered with an RFC 6749 5.2 error
// (JSON: error, error_description), never a stack trace, and nothing issued.
let world: BoundTokenWorld;
before(async () => {
  world = await startBoundTokenWorld();
});
after(async () => {
  await world?.close().catch(() => killAllUp());
});

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string | string[] | undefined>;
}

async function post(
  client: TestClient,
  body: string,
  contentType = 'application/x-www-form-urlencoded',
  path = '/oauth/token',
  method = 'POST',
): Promise<Answer> {
  const response = await request(`${world.issuer}${path}`, {
    method: method as 'POST',
    dispatcher: client.agent,
    headers: { 'content-type': contentType },
    ...(method === 'GET' ? {} : { body }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: JSON.parse(text) as Record<string, unknown>, headers: response.headers };
}

function assertOAuthError(answer: Answer, status: number, error: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body['error'], error);
  assert.equal(typeof answer.body['error_description'], 'string');
  assert.doesNotMatch(String(answer.body['error_description']), /\n\s+at /);
  assert.equal(answer.headers['cache-control'], 'no-store');
}

async function issuedCount(): Promise<number> {
  const ran = await runTool('sqlite3', [
    join(world.dir, 'symbolon.db'),
    "SELECT COUNT(*) FROM audit_log WHERE action = 'oauth.token.issue'",
  ]);
  return Number(ran.stdout.trim());
}

test('a wrong or missing grant_type is unsupported_grant_type or invalid_request', async () => {
  assertOAuthError(await post(world.billing, 'grant_type=password&client_id=billing'), 400, 'unsupported_grant_type');
  assertOAuthError(await post(world.billing, 'grant_type=authorization_code&client_id=billing&code=x'), 400, 'unsupported_grant_type');
  assertOAuthError(await post(world.billing, 'client_id=billing'), 400, 'invalid_request');
});

test("an unknown client, a missing client_id and another client's client_id are invalid_client or invalid_request", async () => {
  const before = await issuedCount();
  assertOAuthError(await post(world.billing, 'grant_type=client_credentials&client_id=nobody'), 400, 'invalid_client');
  assertOAuthError(await post(world.billing, `grant_type=client_credentials&client_id=${'x'.repeat(5000)}`), 400, 'invalid_client');
  assertOAuthError(await post(world.billing, 'grant_type=client_credentials'), 400, 'invalid_request');
  // billing's certificate does not carry other's registered subject.
  assertOAuthError(await post(world.billing, 'grant_type=client_credentials&client_id=other'), 400, 'invalid_client');
  assert.equal(await issuedCount(), before, 'nothing was issued');
});

test('no client certificate is invalid_client', async () => {
  const answer = await post(world.anonymous, 'grant_type=client_credentials&client_id=billing');
  assertOAuthError(answer, 400, 'invalid_client');
  assert.match(String(answer.body['error_description']), /no TLS client certificate/);
});

test('a body over 16 KiB is refused 413 before it is read, announced or chunked', async () => {
  const huge = `grant_type=client_credentials&client_id=billing&scope=${'a'.repeat(64 * 1024)}`;
  assertOAuthError(await post(world.billing, huge), 413, 'invalid_request');
  // Chunked, so no Content-Length announces it.
  const response = await request(`${world.issuer}/oauth/token`, {
    method: 'POST',
    dispatcher: world.billing.agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Readable.from(
      (function* () {
        for (let i = 0; i < 64; i++) yield Buffer.alloc(1024, 'a');
      })(),
    ),
  });
  assert.equal(response.statusCode, 413);
  assert.equal(((await response.body.json()) as { error: string }).error, 'invalid_request');
});

test('another content type, another method and a repeated parameter are invalid_request', async () => {
  assertOAuthError(
    await post(world.billing, '{"grant_type":"client_credentials","client_id":"billing"}', 'application/json'),
    400,
    'invalid_request',
  );
  assertOAuthError(await post(world.billing, 'grant_type=client_credentials&client_id=billing', 'text/plain'), 400, 'invalid_request');
  const get = await post(world.billing, '', 'application/x-www-form-urlencoded', '/oauth/token', 'GET');
  assertOAuthError(get, 405, 'invalid_request');
  assert.equal(get.headers['allow'], 'POST');
  assertOAuthError(await post(world.billing, 'grant_type=client_credentials&client_id=billing&client_id=billing'), 400, 'invalid_request');
});

test('a scope or resource the client is not registered for is invalid_scope or invalid_target', async () => {
  assertOAuthError(await post(world.billing, 'grant_type=client_credentials&client_id=billing&scope=read%20admin'), 400, 'invalid_scope');
  assertOAuthError(await post(world.other, 'grant_type=client_credentials&client_id=other&scope=write'), 400, 'invalid_scope');
  assertOAuthError(
    await post(world.billing, 'grant_type=client_credentials&client_id=billing&resource=https%3A%2F%2Fother.example'),
    400,
    'invalid_target',
  );
});

test('an unknown path under /oauth is a 404 problem, and the metadata and JWKS take GET only', async () => {
  const missing = await request(`${world.issuer}/oauth/authorize`, { dispatcher: world.billing.agent });
  assert.equal(missing.statusCode, 404);
  assert.equal(((await missing.body.json()) as { code: string }).code, 'HTTP_NOT_FOUND');
  const posted = await request(`${world.issuer}/.well-known/jwks.json`, { method: 'POST', dispatcher: world.billing.agent, body: 'x' });
  assert.equal(posted.statusCode, 405);
  await posted.body.dump();
  const jwks = await request(`${world.issuer}/.well-known/jwks.json`, { dispatcher: world.anonymous.agent });
  assert.match(String(jwks.headers['cache-control']), /max-age=\d+/);
  const keys = ((await jwks.body.json()) as { keys: Record<string, unknown>[] }).keys;
  assert.equal(keys.length, 1);
  assert.equal(keys[0]!['d'], undefined, 'no private part is published');
  assert.equal(keys[0]!['alg'], 'ES256');
});

test('a self_signed_tls_client_auth client gets a token bound to its self-signed certificate; another key is invalid_client', async () => {
  const out = join(world.dir, '..');
  for (const name of ['device', 'stranger']) {
    const made = await runTool('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      join(out, `${name}.key`),
      '-out',
      join(out, `${name}.crt`),
    ]);
    assert.equal(made.code, 0, made.output);
  }
  const added = await runCli([
    'oauth',
    'client',
    'add',
    'device',
    '--dir',
    world.dir,
    '--certificate',
    join(out, 'device.crt'),
    '--scope',
    'read',
    '--audience',
    'https://api.example',
  ]);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /self_signed_tls_client_auth/);
  const ask = (name: string) =>
    runTool('curl', [
      '-sS',
      '--cacert',
      world.caFile,
      '--cert',
      join(out, `${name}.crt`),
      '--key',
      join(out, `${name}.key`),
      '-d',
      'grant_type=client_credentials',
      '-d',
      'client_id=device',
      `${world.issuer}/oauth/token`,
    ]);
  const issued = JSON.parse((await ask('device')).stdout) as { access_token: string };
  const device = parseCertificate(parsePemBlocks(readFileSync(join(out, 'device.crt'), 'utf8'))[0]!.der);
  assert.deepEqual(decodeJwt(issued.access_token)['cnf'], { 'x5t#S256': certificateThumbprint(device.der) });
  assert.equal((JSON.parse((await ask('stranger')).stdout) as { error: string }).error, 'invalid_client');
});

test('a client speaking no HTTP at all, or hanging up mid-body, leaves the endpoint serving', async () => {
  await new Promise<void>((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port: Number(new URL(world.issuer).port), ca: readFileSync(world.caFile), servername: 'localhost' },
      () => {
        socket.write(
          'POST /oauth/token HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 1000\r\n\r\ngrant_type=cl',
        );
        setTimeout(() => socket.destroy(), 100);
      },
    );
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  const token = await world.token(world.billing, 'read');
  assert.equal((await world.call(world.billing, '/bound/still', token)).status, 200);
});

test('oauth client add and remove refuse bad input with a code and nothing written', async () => {
  const dir = ['--dir', world.dir];
  assertFailure(await runCli(['oauth', 'client', 'add', 'x', ...dir, '--audience', 'a']), 2, 'USAGE');
  assertFailure(
    await runCli(['oauth', 'client', 'add', 'x', ...dir, '--subject-dn', 'CN=x', '--san-dns', 'x', '--audience', 'a']),
    2,
    'USAGE',
  );
  assertFailure(
    await runCli(['oauth', 'client', 'add', 'bad id', ...dir, '--subject-dn', 'CN=x', '--audience', 'a']),
    2,
    'OAUTH_CLIENT_INVALID',
  );
  assertFailure(
    await runCli(['oauth', 'client', 'add', 'x', ...dir, '--subject-dn', 'not a dn', '--audience', 'a']),
    2,
    'OAUTH_CLIENT_INVALID',
  );
  assertFailure(
    await runCli(['oauth', 'client', 'add', 'x', ...dir, '--san-ip', '300.1.1.1', '--audience', 'a']),
    2,
    'OAUTH_CLIENT_INVALID',
  );
  assertFailure(await runCli(['oauth', 'client', 'add', 'x', ...dir, '--subject-dn', 'CN=x']), 2, 'OAUTH_CLIENT_INVALID');
  assertFailure(
    await runCli(['oauth', 'client', 'add', 'x', ...dir, '--subject-dn', 'CN=x', '--scope', 'a"b', '--audience', 'a']),
    2,
    'OAUTH_CLIENT_INVALID',
  );
  const jwks = join(world.dir, '..', 'private.jwks');
  writeFileSync(jwks, JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }));
  assertFailure(await runCli(['oauth', 'client', 'add', 'x', ...dir, '--jwks', jwks, '--audience', 'a']), 2, 'OAUTH_CLIENT_INVALID');
  writeFileSync(jwks, '{ not json');
  assertFailure(await runCli(['oauth', 'client', 'add', 'x', ...dir, '--jwks', jwks, '--audience', 'a']), 2, 'OAUTH_CLIENT_INVALID');
  assertFailure(
    await runCli(['oauth', 'client', 'add', 'billing', ...dir, '--subject-dn', 'CN=billing', '--audience', 'a']),
    1,
    'STORE_OAUTH_CLIENT_EXISTS',
  );
  assertFailure(await runCli(['oauth', 'client', 'remove', 'nobody', ...dir]), 1, 'STORE_OAUTH_CLIENT_NOT_FOUND');
  const listed = await runCli(['oauth', 'client', 'list', '--json', ...dir]);
  assert.deepEqual(
    (JSON.parse(listed.stdout) as { id: string }[]).map((client) => client.id).filter((id) => id === 'x'),
    [],
    'nothing was registered',
  );
});

test('tls_client_auth by a subjectAltName (RFC 8705 2.1.2): DNS, IP and email match the certificate; another name is invalid_client', async () => {
  const out = join(world.dir, '..');
  const issued = await runCli([
    'ca',
    'issue',
    '--dir',
    world.dir,
    '--profile',
    'client',
    '--name',
    'svc',
    '--san',
    'dns:svc.example.com',
    '--san',
    'email:svc@example.com',
    '--san',
    'ip:10.1.2.3',
    '--out',
    join(out, 'svc'),
  ]);
  assert.equal(issued.code, 0, issued.stderr);
  const registrations: [string, string, string][] = [
    ['by-dns', '--san-dns', 'SVC.example.com'],
    ['by-ip', '--san-ip', '10.1.2.3'],
    ['by-email', '--san-email', 'svc@example.com'],
    ['by-other-dns', '--san-dns', 'other.example.com'],
    ['by-subject', '--subject-dn', 'CN=svc'],
  ];
  for (const [id, option, value] of registrations) {
    const added = await runCli(['oauth', 'client', 'add', id, '--dir', world.dir, option, value, '--audience', 'https://api.example']);
    assert.equal(added.code, 0, added.stderr);
  }
  const svc = {
    name: 'svc',
    certFile: join(out, 'svc.chain.pem'),
    keyFile: join(out, 'svc.key'),
    agent: new Agent({
      connect: { ca: readFileSync(world.caFile), cert: readFileSync(join(out, 'svc.chain.pem')), key: readFileSync(join(out, 'svc.key')) },
    }),
  };
  try {
    for (const id of ['by-dns', 'by-ip', 'by-email', 'by-subject']) {
      const answer = await post(svc, `grant_type=client_credentials&client_id=${id}`);
      assert.equal(answer.status, 200, `${id}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body['token_type'], 'Bearer');
    }
    assertOAuthError(await post(svc, 'grant_type=client_credentials&client_id=by-other-dns'), 400, 'invalid_client');
  } finally {
    await svc.agent.close();
  }
});
