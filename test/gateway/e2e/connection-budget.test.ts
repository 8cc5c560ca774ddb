import assert from 'node:assert/strict';
import { connect as connectTcp, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { readText, startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl, curlFailure, metricValue, plainGet, waitFor } from './support/tls-clients.js';

// Issue 14, section 3: connections wait for the TLS layer in a pool that evicts its oldest when
// full, and a full connection budget (connections handed to the TLS layer) evicts the oldest
// unfinished handshake for a newcomer, so a good client is served through a flood; every drop is
// counted by reason.

const BUDGET = 4;

let env: E2eEnv;
let upstream: EchoUpstream;
let client: CertificateFiles;

before(async () => {
  env = await startE2eEnv('budget');
  upstream = await startEchoUpstream();
  client = await env.issue('budget-client');
});

after(async () => {
  await upstream?.close();
  await env?.close();
});

interface IdleConnection {
  readonly socket: Socket;
  readonly isClosed: () => boolean;
}

/** A TCP connection that never starts its handshake; `order` gets its index when the gateway closes it. */
function openIdle(port: number, index: number, order: number[]): Promise<IdleConnection> {
  return new Promise((resolve, reject) => {
    let closed = false;
    const socket = connectTcp({ host: '127.0.0.1', port }, () => resolve({ socket, isClosed: () => closed }));
    socket.once('error', reject);
    socket.once('close', () => {
      closed = true;
      order.push(index);
    });
  });
}

/** A real ClientHello (node:tls's), caught by a local TCP server. */
function captureClientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = createNetServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        resolve(chunk);
        socket.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const client = connectTls({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        servername: 'localhost',
        rejectUnauthorized: false,
      });
      client.on('error', () => undefined);
    });
    server.once('error', reject);
  });
}

/** A connection that sends a whole ClientHello and never answers the server's flight: half a handshake. */
async function openHalf(port: number, index: number, order: number[], hello: Buffer): Promise<IdleConnection> {
  const connection = await openIdle(port, index, order);
  connection.socket.on('data', () => undefined);
  connection.socket.write(hello);
  return connection;
}

async function metrics(gw: TestGateway): Promise<string> {
  return (await plainGet(`${gw.adminUrl}/metrics`)).body;
}

function drops(text: string, reason: string): number {
  return metricValue(text, 'symbolon_gateway_connection_drops_total', { reason });
}

test(`with a waiting pool of ${BUDGET} full of idle connections, a newcomer's mTLS handshake and request complete and the oldest idle connection is evicted`, async () => {
  const gw = await startTestGateway(
    env,
    makeConfig(env, { limits: { maxWaitingConnections: BUDGET }, routes: [{ upstream: upstream.url }] }),
  );
  const order: number[] = [];
  const idle: IdleConnection[] = [];
  try {
    for (let i = 0; i < BUDGET; i++) idle.push(await openIdle(gw.port, i, order));
    const isFull = await waitFor(async () => metricValue(await metrics(gw), 'symbolon_gateway_waiting_connections') === BUDGET, 3000, 10);
    assert.ok(isFull, 'the gateway holds the idle connections');
    const answer = await curl(env, gw.port, '/budget/newcomer', { client });
    assert.equal(answer.status, 200, answer.body);
    assert.ok(await waitFor(() => order.length > 0, 3000, 10), 'an idle connection was closed');
    assert.equal(order[0], 0, 'the oldest goes first');
    const text = await metrics(gw);
    assert.equal(drops(text, 'evicted_waiting'), 1);
    assert.equal(drops(text, 'evicted_handshake'), 0);
    assert.equal(drops(text, 'budget_full'), 0);
  } finally {
    for (const connection of idle) connection.socket.destroy();
    await gw.close();
  }
});

test(`idle connections do not count against maxConnections: ${BUDGET * 2} of them and a budget of ${BUDGET}, a newcomer is served and none is closed`, async () => {
  const gw = await startTestGateway(env, makeConfig(env, { limits: { maxConnections: BUDGET }, routes: [{ upstream: upstream.url }] }));
  const order: number[] = [];
  const idle: IdleConnection[] = [];
  try {
    for (let i = 0; i < BUDGET * 2; i++) idle.push(await openIdle(gw.port, i, order));
    assert.ok(await waitFor(async () => metricValue(await metrics(gw), 'symbolon_gateway_waiting_connections') === BUDGET * 2, 3000, 10));
    const answer = await curl(env, gw.port, '/budget/newcomer', { client });
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(order, []);
    assert.equal(drops(await metrics(gw), 'evicted_handshake'), 0);
  } finally {
    for (const connection of idle) connection.socket.destroy();
    await gw.close();
  }
});

test(`with a budget of ${BUDGET} full of half handshakes, a newcomer's mTLS handshake and request complete and the oldest half handshake is evicted`, async () => {
  const gw = await startTestGateway(env, makeConfig(env, { limits: { maxConnections: BUDGET }, routes: [{ upstream: upstream.url }] }));
  const hello = await captureClientHello();
  const order: number[] = [];
  const half: IdleConnection[] = [];
  try {
    for (let i = 0; i < BUDGET; i++) {
      half.push(await openHalf(gw.port, i, order, hello));
      // One at a time, so that their order in the budget is known.
      assert.ok(await waitFor(async () => metricValue(await metrics(gw), 'symbolon_gateway_handshaking_connections') === i + 1, 3000, 10));
    }
    const answer = await curl(env, gw.port, '/budget/newcomer', { client });
    assert.equal(answer.status, 200, answer.body);
    assert.ok(await waitFor(() => order.length > 0, 3000, 10), 'a half handshake was closed');
    assert.equal(order[0], 0, 'the oldest goes first');
    const text = await metrics(gw);
    assert.equal(drops(text, 'evicted_handshake'), 1);
    assert.equal(drops(text, 'budget_full'), 0);
  } finally {
    for (const connection of half) connection.socket.destroy();
    await gw.close();
  }
});

test('when every connection in the budget has finished its handshake, the newcomer is refused and counted as budget_full', async () => {
  const gw = await startTestGateway(env, makeConfig(env, { limits: { maxConnections: BUDGET }, routes: [{ upstream: upstream.url }] }));
  const held: TLSSocket[] = [];
  try {
    for (let i = 0; i < BUDGET; i++) {
      held.push(
        await new Promise<TLSSocket>((resolve, reject) => {
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
            () => resolve(socket),
          );
          socket.once('error', reject);
        }),
      );
    }
    assert.ok(await waitFor(async () => metricValue(await metrics(gw), 'symbolon_gateway_open_connections') === BUDGET, 3000, 10));
    const refused = await curlFailure(env, gw.port, client);
    assert.notEqual(refused.code, 0, refused.output);
    assert.equal(drops(await metrics(gw), 'budget_full'), 1);
    held.pop()!.destroy();
    assert.ok(await waitFor(async () => (await curlFailure(env, gw.port, client)).code === 0, 3000, 50), 'a closed connection makes room');
  } finally {
    for (const socket of held) socket.destroy();
    await gw.close();
  }
});

test('a full budget shortens the handshake deadline: its oldest unfinished handshake is closed long before handshakeTimeoutMs, and counted', async () => {
  const gw = await startTestGateway(
    env,
    makeConfig(env, { limits: { maxConnections: BUDGET, handshakeTimeoutMs: 120_000 }, routes: [{ upstream: upstream.url }] }),
  );
  const hello = await captureClientHello();
  const order: number[] = [];
  const half: IdleConnection[] = [];
  try {
    for (let i = 0; i < BUDGET; i++) half.push(await openHalf(gw.port, i, order, hello));
    // Full, the deadline is 1 s; with one gone, 3/4 full, it is 60 s: the others stay.
    assert.ok(await waitFor(() => order.length > 0, 30_000, 20), 'the oldest was closed under pressure');
    assert.equal(order.length, 1);
    assert.equal(half.filter((connection) => !connection.isClosed()).length, BUDGET - 1);
    const text = await metrics(gw);
    assert.equal(drops(text, 'handshake_deadline'), 1);
    assert.equal(metricValue(text, 'symbolon_gateway_handshaking_connections'), BUDGET - 1);
  } finally {
    for (const connection of half) connection.socket.destroy();
    await gw.close();
  }
});
