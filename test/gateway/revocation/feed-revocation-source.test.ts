import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { errorCodeOf } from '../../../src/errors.js';
import { closeServer, hostPort, listen } from '../../../src/http/index.js';
import { createFeedRevocationSource, createInProcessFeedSource } from '../../../src/gateway/revocation/index.js';
import type { FeedRevocationSourceOptions, RevocationAnswer, RevocationSource } from '../../../src/gateway/revocation/index.js';
import { makeTemplateCa, makeTempDir } from '../../ca/support.js';
import { startHarness } from '../../support/revocation-harness.js';
import type { Harness } from '../../support/revocation-harness.js';
import { selfSignedServer } from '../../support/self-signed-server.js';
import { eventually, gatewayIdentity, issueLeaf, revoke, startFeedServer } from './feed-support.js';
import type { Leaf } from './feed-support.js';

const temp = makeTempDir('symbolon-gw-feed-');
let h: Harness;
let identity: { cert: string; key: string };
let serverTls: { key: string; cert: string };
let rootPem: string;

before(async () => {
  h = await startHarness(await makeTemplateCa(temp.path), temp.path);
  identity = await gatewayIdentity(h);
  serverTls = await selfSignedServer(temp.path, 'feed-server');
  rootPem = readFileSync(h.rootPem, 'utf8');
});
after(async () => {
  await h?.close();
  temp.remove();
});

/** A started source and what it reported; closed by the test. */
async function feedSource(
  overrides: Partial<FeedRevocationSourceOptions> & { url: string },
): Promise<{ source: RevocationSource; errors: unknown[] }> {
  const errors: unknown[] = [];
  const source = createFeedRevocationSource({
    tls: { ...identity, ca: overrides.url === h.services.feedUrl ? rootPem : serverTls.cert },
    staleAfterSeconds: 5,
    onError: (error) => errors.push(error),
    clock: () => new Date(),
    reconnect: { initialMs: 20, maxMs: 200 },
    startTimeoutMs: 3000,
    ...overrides,
  });
  await source.start();
  return { source, errors };
}

function statusOf(source: RevocationSource, leaf: Leaf, now = new Date()): RevocationAnswer {
  const answer = source.check([leaf.leaf, leaf.issuer], now);
  assert.ok(!(answer instanceof Promise), 'a feed source answers synchronously');
  return answer;
}

function codes(errors: readonly unknown[]): string[] {
  return errors.map((error) => errorCodeOf(error) ?? String(error));
}

test('answers unavailable before the feed has delivered its snapshot, then loads it from the feed of symbolon up', async () => {
  const revoked = await issueLeaf(h, 'snap-revoked');
  const kept = await issueLeaf(h, 'snap-kept');
  await revoke(h, revoked, 'superseded');
  const errors: unknown[] = [];
  const source = createFeedRevocationSource({
    url: h.services.feedUrl!,
    tls: { ...identity, ca: rootPem },
    staleAfterSeconds: 5,
    onError: (error) => errors.push(error),
    clock: () => new Date(),
  });
  try {
    assert.equal(statusOf(source, kept).status, 'unavailable');
    assert.equal(source.stats(new Date()).lagSeconds, undefined);
    await source.start();
    assert.deepEqual(statusOf(source, revoked), { status: 'revoked', reason: 'superseded' });
    assert.deepEqual(statusOf(source, kept), { status: 'good' });
    assert.ok(source.stats(new Date()).entries >= 1);
    assert.deepEqual(errors, []);
  } finally {
    await source.close();
  }
});

test('a revocation recorded in the CA takes effect at the gateway over the open feed stream, with no reconnection', async () => {
  const { source, errors } = await feedSource({ url: h.services.feedUrl! });
  try {
    for (let round = 0; round < 3; round++) {
      const victim = await issueLeaf(h, `live-${round}`);
      assert.deepEqual(statusOf(source, victim), { status: 'good' });
      await revoke(h, victim);
      // The event is the stream's delivery; the bound only stops a hang.
      assert.ok(await eventually(() => statusOf(source, victim).status === 'revoked', 30_000, 1), 'the revocation arrives');
    }
    // A dropped stream is reported (GATEWAY_FEED_CONNECTION_FAILED) before the source reconnects and reloads its snapshot.
    assert.deepEqual(errors, []);
  } finally {
    await source.close();
  }
});

test('resumes after the feed server restarts and misses no revocation made while it was down', async () => {
  let server = await startFeedServer(h, serverTls);
  const { source, errors } = await feedSource({ url: server.url });
  try {
    const first = await issueLeaf(h, 'resume-1');
    await revoke(h, first);
    assert.ok(await eventually(() => statusOf(source, first).status === 'revoked', 2000));
    await server.feedServer.close();
    const missed = [await issueLeaf(h, 'resume-2'), await issueLeaf(h, 'resume-3'), await issueLeaf(h, 'resume-4')];
    for (const leaf of missed) await revoke(h, leaf);
    assert.ok(missed.every((leaf) => statusOf(source, leaf).status !== 'revoked'));
    server = await startFeedServer(h, serverTls, { port: server.port });
    assert.ok(
      await eventually(() => missed.every((leaf) => statusOf(source, leaf).status === 'revoked'), 5000),
      'every revocation made while the server was down arrives',
    );
    assert.ok(codes(errors).includes('GATEWAY_FEED_CONNECTION_FAILED'), 'the lost connection is reported');
    assert.deepEqual(statusOf(source, await issueLeaf(h, 'resume-good')), { status: 'good' });
  } finally {
    await source.close();
    await server.feedServer.close();
  }
});

test('answers unavailable once nothing was heard for staleAfterSeconds; revoked entries stay revoked', async () => {
  const server = await startFeedServer(h, serverTls, { heartbeatMs: 100 });
  const { source } = await feedSource({ url: server.url, staleAfterSeconds: 1 });
  try {
    const victim = await issueLeaf(h, 'stale-victim');
    const other = await issueLeaf(h, 'stale-other');
    await revoke(h, victim);
    assert.ok(await eventually(() => statusOf(source, victim).status === 'revoked', 2000));
    // Heartbeats every 100 ms keep it current well past the stale limit.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    assert.deepEqual(statusOf(source, other), { status: 'good' });
    const later = new Date(Date.now() + 1500);
    const stale = statusOf(source, other, later);
    assert.equal(stale.status, 'unavailable');
    assert.match((stale as { detail: string }).detail, /stale limit/);
    assert.equal(statusOf(source, victim, later).status, 'revoked');
    assert.ok(source.stats(new Date()).lagSeconds! < 1);
  } finally {
    await source.close();
    await server.feedServer.close();
  }
});

/** An HTTPS server that answers /feed with whatever `respond` writes, counting requests. */
async function startHostileServer(
  respond: (res: import('node:http').ServerResponse, count: number) => void,
): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer({ key: serverTls.key, cert: serverTls.cert }, (_req, res) => {
    requests++;
    respond(res, requests);
  });
  const bound = await listen(server, { host: '127.0.0.1', port: 0 });
  return { server, url: `https://${hostPort(bound)}/feed`, requests: () => requests };
}

test('frames that do not parse are reported and make the client reconnect, without a crash', async () => {
  const hostile = await startHostileServer((res, count) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const frames = [
      'event: revocation\ndata: {not json\n\n',
      'event: revocation\ndata: {"sequence":1,"issuerKeyId":"ab","serial":"NOT HEX","reason":"keyCompromise"}\n\n',
      'event: ready\ndata: []\n\n',
    ];
    res.write(frames[count % frames.length]);
  });
  const { source, errors } = await feedSource({ url: hostile.url, startTimeoutMs: 200 });
  try {
    assert.ok(await eventually(() => hostile.requests() >= 4, 3000), `reconnected ${hostile.requests()} times`);
    assert.ok(codes(errors).includes('GATEWAY_FEED_FRAME_INVALID'), codes(errors).join(' '));
    assert.equal(statusOf(source, await issueLeaf(h, 'hostile-1')).status, 'unavailable');
  } finally {
    await source.close();
    hostile.server.closeAllConnections();
    await closeServer(hostile.server);
  }
});

test('a line without end is cut off at the line cap: the client does not buffer it', async () => {
  const limitBytes = 64 * 1024 * 1024;
  const written: number[] = [];
  const hostile = await startHostileServer((res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < limitBytes && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.on('close', () => written.push(sent));
    pump();
  });
  const { source, errors } = await feedSource({ url: hostile.url, startTimeoutMs: 500, reconnect: { initialMs: 1000, maxMs: 1000 } });
  try {
    assert.ok(await eventually(() => written.length >= 1, 5000), 'the client hangs up');
    assert.ok(codes(errors).includes('GATEWAY_FEED_FRAME_TOO_LARGE'), codes(errors).join(' '));
    // The server got rid of far less than it meant to send: the client stopped reading at 64 KiB
    // (socket buffers hold the rest).
    assert.ok(written[0]! < 16 * 1024 * 1024, `the server wrote ${written[0]} bytes`);
    assert.equal(statusOf(source, await issueLeaf(h, 'hostile-2')).status, 'unavailable');
  } finally {
    await source.close();
    hostile.server.closeAllConnections();
    await closeServer(hostile.server);
  }
});

test('a stream that goes silent is cut after staleAfterSeconds and reconnected', async () => {
  const hostile = await startHostileServer((res, count) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`event: ready\ndata: {"sequence":0}\n\n`);
    void count;
  });
  const { source, errors } = await feedSource({ url: hostile.url, staleAfterSeconds: 1 });
  try {
    assert.equal(hostile.requests(), 1);
    assert.ok(await eventually(() => hostile.requests() >= 2, 4000), 'the silent stream is replaced');
    assert.ok(codes(errors).includes('GATEWAY_FEED_CONNECTION_FAILED'));
  } finally {
    await source.close();
    hostile.server.closeAllConnections();
    await closeServer(hostile.server);
  }
});

test("a server that still answers but whose feed is behind its database makes the gateway stale: heartbeats carry the feed's age", async () => {
  // The feed was last current with its store when this server started: every heartbeat says so.
  const currentAt = Date.now();
  const timers: NodeJS.Timeout[] = [];
  const hostile = await startHostileServer((res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`event: ready\ndata: {"sequence":0}\n\n`);
    const timer = setInterval(() => res.write(`: keep-alive\n\nevent: heartbeat\ndata: {"ageMs":${Date.now() - currentAt}}\n\n`), 50);
    timers.push(timer);
    res.on('close', () => clearInterval(timer));
  });
  const failing = await feedSource({ url: hostile.url, staleAfterSeconds: 1 });
  const fallingBack = await feedSource({ url: hostile.url, staleAfterSeconds: 1, whenStale: 'last-known' });
  try {
    const good = await issueLeaf(h, 'stale-db-good');
    assert.deepEqual(statusOf(failing.source, good), { status: 'good' });
    // Heartbeats keep arriving (the connection is alive) while the age they report passes the limit.
    assert.ok(await eventually(() => failing.source.stats(new Date()).isStale === true, 4000), 'the gateway goes stale');
    assert.equal(statusOf(failing.source, good).status, 'unavailable');
    assert.ok(failing.source.stats(new Date()).lagSeconds! >= 1);
    assert.equal(hostile.requests(), 2, 'no reconnection: the connection itself is healthy');
    // whenStale: last-known fails static: the last known set still answers, and says it is stale.
    assert.ok(await eventually(() => fallingBack.source.stats(new Date()).isStale === true, 4000), 'it is stale too');
    assert.deepEqual(statusOf(fallingBack.source, good), { status: 'good' });
  } finally {
    for (const timer of timers) clearInterval(timer);
    await failing.source.close();
    await fallingBack.source.close();
    hostile.server.closeAllConnections();
    await closeServer(hostile.server);
  }
});

test('a heartbeat whose age is not a whole number of milliseconds is a frame error', async () => {
  const hostile = await startHostileServer((res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`event: ready\ndata: {"sequence":0}\n\nevent: heartbeat\ndata: {"ageMs":-5}\n\n`);
  });
  const { source, errors } = await feedSource({ url: hostile.url, startTimeoutMs: 200 });
  try {
    assert.ok(await eventually(() => codes(errors).includes('GATEWAY_FEED_FRAME_INVALID'), 3000), codes(errors).join(' '));
  } finally {
    await source.close();
    hostile.server.closeAllConnections();
    await closeServer(hostile.server);
  }
});

test('start resolves, never rejects, when the feed cannot be reached; answers are then unavailable', async () => {
  const { source, errors } = await feedSource({ url: 'https://127.0.0.1:1/feed' });
  try {
    // One failed attempt, reported once: start resolved after it rather than waiting through retries.
    assert.deepEqual(codes(errors), ['GATEWAY_FEED_CONNECTION_FAILED']);
    const answer = statusOf(source, await issueLeaf(h, 'unreachable'));
    assert.equal(answer.status, 'unavailable');
    assert.match((answer as { detail: string }).detail, /has not delivered its snapshot/);
  } finally {
    await source.close();
  }
});

test('the snapshot file is written atomically with mode 0600 and a restarted gateway answers from it while the feed is away', async () => {
  const file = join(temp.path, 'snapshot.json');
  const server = await startFeedServer(h, serverTls);
  const victims = [await issueLeaf(h, 'file-1'), await issueLeaf(h, 'file-2')];
  const kept = await issueLeaf(h, 'file-kept');
  const first = await feedSource({ url: server.url, snapshotFile: file, snapshotDelayMs: 10 });
  try {
    for (const victim of victims) await revoke(h, victim);
    assert.ok(await eventually(() => victims.every((victim) => statusOf(first.source, victim).status === 'revoked'), 2000));
  } finally {
    await first.source.close();
    await server.feedServer.close();
  }
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const written = JSON.parse(readFileSync(file, 'utf8')) as { lastSequence: number; entries: [string, string][] };
  const keyId = h.ca.issuer.keyIdentifier.toString('hex');
  for (const victim of victims)
    assert.ok(written.entries.some(([key, reason]) => key === `${keyId}:${victim.serial}` && reason === 'keyCompromise'));

  // The feed is away now: a restarted gateway starts from the file.
  const restarted = await feedSource({ url: server.url, snapshotFile: file, staleAfterSeconds: 30 });
  try {
    // The feed's port may be anyone's by now (a refused connection, a TLS failure, an HTTP error): only the snapshot matters.
    assert.ok(!codes(restarted.errors).includes('GATEWAY_REVOCATION_SNAPSHOT_INVALID'), codes(restarted.errors).join(' '));
    for (const victim of victims) assert.deepEqual(statusOf(restarted.source, victim), { status: 'revoked', reason: 'keyCompromise' });
    // Within the stale window the snapshot is current; past it, its age is reported.
    assert.deepEqual(statusOf(restarted.source, kept), { status: 'good' });
    const late = statusOf(restarted.source, kept, new Date(Date.now() + 60_000));
    assert.equal(late.status, 'unavailable');
    assert.match((late as { detail: string }).detail, /last heard from \d+ s ago/);
    assert.ok(restarted.source.stats(new Date()).entries >= 2);
  } finally {
    await restarted.source.close();
  }
  // Failing static: with the feed away past the limit, the snapshot is still enforced and still answers.
  const failingStatic = await feedSource({ url: server.url, snapshotFile: file, staleAfterSeconds: 30, whenStale: 'last-known' });
  try {
    const later = new Date(Date.now() + 3_600_000);
    for (const victim of victims)
      assert.deepEqual(statusOf(failingStatic.source, victim, later), { status: 'revoked', reason: 'keyCompromise' });
    assert.deepEqual(statusOf(failingStatic.source, kept, later), { status: 'good' });
    assert.equal(failingStatic.source.stats(later).isStale, true);
  } finally {
    await failingStatic.source.close();
  }
});

test('a malformed snapshot file is reported and ignored', async () => {
  const file = join(temp.path, 'broken-snapshot.json');
  for (const body of [
    '{"format":',
    JSON.stringify({
      format: 'symbolon-revocation-snapshot/1',
      feedUrl: 'https://127.0.0.1:1/feed',
      lastSequence: 3,
      heardAt: new Date().toISOString(),
      entries: [['zz:01', 'keyCompromise']],
    }),
  ]) {
    writeFileSync(file, body);
    const { source, errors } = await feedSource({ url: 'https://127.0.0.1:1/feed', snapshotFile: file });
    try {
      assert.ok(codes(errors).includes('GATEWAY_REVOCATION_SNAPSHOT_INVALID'), codes(errors).join(' '));
      assert.equal(source.stats(new Date()).entries, 0);
      assert.equal(statusOf(source, await issueLeaf(h, 'broken')).status, 'unavailable');
    } finally {
      await source.close();
    }
  }
});

test('the in-process feed source loads stored revocations, then applies new ones before revoke returns', async () => {
  const before = await issueLeaf(h, 'in-process-before');
  await revoke(h, before);
  const errors: unknown[] = [];
  const source = createInProcessFeedSource(h.services.feed, {
    issuerKeyId: h.services.issuerKeyId,
    onError: (error) => errors.push(error),
  });
  try {
    assert.equal(statusOf(source, before).status, 'unavailable');
    await source.start();
    assert.deepEqual(statusOf(source, before), { status: 'revoked', reason: 'keyCompromise' });
    const later = await issueLeaf(h, 'in-process-later');
    assert.deepEqual(statusOf(source, later), { status: 'good' });
    await revoke(h, later, 'superseded');
    assert.deepEqual(statusOf(source, later), { status: 'revoked', reason: 'superseded' });
    assert.deepEqual(errors, []);
  } finally {
    await source.close();
  }
});
