import assert from 'node:assert/strict';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { readText, startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import { curl, curlFailure, metricValue, plainGet, waitFor } from './support/tls-clients.js';

let env: E2eEnv;
let upstream: EchoUpstream;
let client: CertificateFiles;

before(async () => {
  env = await startE2eEnv('limits');
  upstream = await startEchoUpstream();
  client = await env.issue('limits-client');
});

after(async () => {
  await upstream?.close();
  await env?.close();
});

// A TLS record header and the start of a ClientHello that announces more bytes than it sends.
const PARTIAL_CLIENT_HELLO = Buffer.from('16030100f4010000f00303', 'hex');

test('a slow-handshake flood does not stop good clients, and the gateway closes the flood after the handshake timeout', async (t) => {
  const HANDSHAKE_TIMEOUT_MS = 1000;
  const FLOOD = 300;
  const gw = await startTestGateway(
    env,
    makeConfig(env, { limits: { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS }, routes: [{ upstream: upstream.url }] }),
  );
  const flood: Socket[] = [];
  const closedAfterMs: number[] = [];
  try {
    const opened = performance.now();
    await Promise.all(
      Array.from(
        { length: FLOOD },
        (_, index) =>
          new Promise<void>((resolve, reject) => {
            const socket = connectTcp({ host: '127.0.0.1', port: gw.port }, () => {
              if (index % 2 === 0) socket.write(PARTIAL_CLIENT_HELLO);
              resolve();
            });
            socket.on('error', () => undefined);
            socket.once('close', () => closedAfterMs.push(performance.now() - opened));
            socket.once('error', reject);
            flood.push(socket);
          }),
      ),
    );
    const during = await curl(env, gw.port, '/during-flood', { client });
    assert.equal(during.status, 200, during.body);
    assert.ok(closedAfterMs.length < FLOOD, 'the flood was still open while the good client was served');
    const isClosed = await waitFor(() => closedAfterMs.length === FLOOD, HANDSHAKE_TIMEOUT_MS * 6, 50);
    assert.ok(isClosed, `${FLOOD - closedAfterMs.length} flood sockets still open ${HANDSHAKE_TIMEOUT_MS * 6} ms on`);
    const latest = Math.max(...closedAfterMs);
    const earliest = Math.min(...closedAfterMs);
    t.diagnostic(`flood closed by the gateway between ${earliest.toFixed(0)} and ${latest.toFixed(0)} ms`);
    assert.ok(
      earliest >= HANDSHAKE_TIMEOUT_MS * 0.8,
      `a flood socket was closed after ${earliest.toFixed(0)} ms, before the handshake timeout`,
    );
    // Alone the flood closes within ~1.25 s of the 1 s timeout; the slack is for a loaded CI machine.
    assert.ok(latest <= HANDSHAKE_TIMEOUT_MS * 5, `the last flood socket closed after ${latest.toFixed(0)} ms`);
    const metrics = (await plainGet(`${gw.adminUrl}/metrics`)).body;
    assert.ok(
      metricValue(metrics, 'symbolon_gateway_handshakes_total', { result: 'failed', reason: 'timeout' }) >= FLOOD * 0.9,
      'the timeouts are counted',
    );
    assert.equal((await curl(env, gw.port, '/after-flood', { client })).status, 200);
  } finally {
    for (const socket of flood) socket.destroy();
    await gw.close();
  }
});

test('a request header larger than maxHeaderBytes gets 431 over HTTP/1.1, and the gateway keeps serving', async () => {
  const gw = await startTestGateway(
    env,
    makeConfig(env, { isAdminless: true, limits: { maxHeaderBytes: 2048 }, routes: [{ upstream: upstream.url }] }),
  );
  try {
    const big = await curl(env, gw.port, '/big-header', { client, headers: [`x-big: ${'a'.repeat(4096)}`] });
    assert.equal(big.status, 431, big.body);
    assert.equal(upstream.seen('/big-header').length, 0);
    assert.equal((await curl(env, gw.port, '/small-header', { client, headers: ['x-small: a'] })).status, 200);
  } finally {
    await gw.close();
  }
});

test('maxConnections refuses the connection over the limit, and the gateway recovers once they close', async () => {
  const gw = await startTestGateway(
    env,
    makeConfig(env, { isAdminless: true, limits: { maxConnections: 3 }, routes: [{ upstream: upstream.url }] }),
  );
  const held: TLSSocket[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      held.push(
        await new Promise<TLSSocket>((resolve, reject) => {
          // A request answered: the gateway too has finished the handshake (a TLS 1.3 client finishes first).
          const socket = connectTls(
            {
              host: '127.0.0.1',
              port: gw.port,
              servername: 'localhost',
              ca: readText(env.rootPem),
              cert: readText(client.chain),
              key: readText(client.key),
              ALPNProtocols: ['http/1.1'],
            },
            () => socket.write('GET /open HTTP/1.1\r\nHost: localhost\r\n\r\n'),
          );
          socket.once('data', () => resolve(socket));
          socket.once('error', reject);
        }),
      );
    }
    const refused = await curlFailure(env, gw.port, client);
    assert.notEqual(refused.code, 0, `the fourth connection should be refused: ${refused.output}`);
    for (const socket of held) socket.destroy();
    const isBack = await waitFor(async () => (await curlFailure(env, gw.port, client)).code === 0, 3000, 50);
    assert.ok(isBack, 'the gateway serves again once the connections closed');
    assert.equal((await curl(env, gw.port, '/after-max-connections', { client })).status, 200);
  } finally {
    for (const socket of held) socket.destroy();
    await gw.close();
  }
});
