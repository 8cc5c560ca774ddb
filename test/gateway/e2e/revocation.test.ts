import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { after, before, test } from 'node:test';
import { readText, startE2eEnv } from './support/e2e-env.js';
import type { E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { keepAliveClient, metricValue, plainGet, waitFor } from './support/tls-clients.js';

/** Only stops a hang: the tests wait for the gateway to hold the revocation, not for a time. */
const HANG_GUARD_MS = 60_000;

/** Revoked entries the gateway's revocation source holds: one more once the feed delivered a revocation. */
async function revokedEntries(gw: TestGateway): Promise<number> {
  return metricValue((await plainGet(`${gw.adminUrl}/metrics`)).body, 'symbolon_gateway_revocation_entries', { bundle: 'symbolon' });
}

/** Revokes `client` in the CA and resolves once the gateway's source holds it; returns the milliseconds that took. */
async function revokeAndWait(gw: TestGateway, client: Parameters<E2eEnv['revoke']>[0]): Promise<number> {
  const before = await revokedEntries(gw);
  await env.revoke(client);
  const revokedAt = performance.now();
  assert.ok(await waitFor(async () => (await revokedEntries(gw)) > before, HANG_GUARD_MS, 5), 'the gateway never heard of the revocation');
  return performance.now() - revokedAt;
}

let env: E2eEnv;
let upstream: EchoUpstream;

before(async () => {
  env = await startE2eEnv('revocation');
  upstream = await startEchoUpstream();
});

after(async () => {
  await upstream?.close();
  await env?.close();
});

/**
 * One keep-alive HTTP/1.1 connection: 200, then the CA revokes the certificate; once the gateway
 * holds the revocation, the next request on the same connection is refused (403 revoked). Returns
 * the delay from revocation to the gateway holding it.
 */
async function revokedWhileConnected(gw: TestGateway, name: string): Promise<number> {
  const client = await env.issue(name);
  const http = keepAliveClient(env, gw.port, client, 1);
  try {
    const first = await http.get(`/${name}/first`);
    assert.equal(first.status, 200, first.body);
    const socket = first.socket;
    const delayMs = await revokeAndWait(gw, client);
    const refusal = await http.get(`/${name}/after`);
    assert.equal(refusal.socket, socket, 'the keep-alive connection must be reused');
    assert.equal(refusal.status, 403);
    assert.equal(refusal.headers['content-type'], 'application/problem+json');
    assert.equal((JSON.parse(refusal.body) as Record<string, unknown>)['reason'], 'revoked');
    assert.equal(upstream.seen(`/${name}/after`).length, 0, 'the refused request never reached the upstream');
    return delayMs;
  } finally {
    http.close();
  }
}

test('a certificate revoked while its keep-alive connection is open is refused on that connection (in-process feed)', async (t) => {
  const gw = await startTestGateway(env, makeConfig(env, { routes: [{ upstream: upstream.url }] }));
  try {
    const delayMs = await revokedWhileConnected(gw, 'in-process');
    t.diagnostic(`revocation to the gateway holding it: ${delayMs.toFixed(0)} ms (in-process feed)`);
  } finally {
    await gw.close();
  }
});

test('a certificate revoked while its keep-alive connection is open is refused on that connection (feed over mTLS)', async (t) => {
  assert.ok(env.h.services.feedUrl !== undefined, 'the harness runs the feed');
  const gw = await startTestGateway(
    env,
    makeConfig(env, {
      revocation: { kind: 'feed', url: env.h.services.feedUrl, staleAfterSeconds: 60 },
      routes: [{ upstream: upstream.url }],
    }),
    { inProcessFeed: undefined },
  );
  try {
    const delayMs = await revokedWhileConnected(gw, 'feed-url');
    t.diagnostic(`revocation to the gateway holding it: ${delayMs.toFixed(0)} ms (feed over mTLS)`);
  } finally {
    await gw.close();
  }
});

test('a certificate revoked while its HTTP/2 session is open is refused on the next stream of that session', async (t) => {
  const gw = await startTestGateway(env, makeConfig(env, { routes: [{ upstream: upstream.url }] }));
  const client = await env.issue('h2-session');
  const session = connect(`https://localhost:${gw.port}`, {
    ca: readText(env.rootPem),
    cert: readText(client.chain),
    key: readText(client.key),
    host: '127.0.0.1',
    servername: 'localhost',
  });
  session.on('error', () => undefined);
  const get = (path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ':path': path, ':authority': 'localhost' });
      let status = 0;
      let body = '';
      stream.setEncoding('utf8');
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
      stream.setTimeout(5000, () => stream.close());
    });
  try {
    assert.equal((await get('/h2/first')).status, 200);
    const delayMs = await revokeAndWait(gw, client);
    const last = await get('/h2/after');
    t.diagnostic(`revocation to the gateway holding it: ${delayMs.toFixed(0)} ms (HTTP/2 session)`);
    assert.equal(last.status, 403, 'refused on the same session');
    assert.equal((JSON.parse(last.body) as Record<string, unknown>)['reason'], 'revoked');
    assert.ok(!session.closed && !session.destroyed, 'one session throughout');
  } finally {
    session.close();
    await gw.close();
  }
});
