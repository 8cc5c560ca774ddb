import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isSymbolonError } from '../../../src/errors.js';
import { validateGatewayConfig } from '../../../src/gateway/gateway-config.js';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { configInput, makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl, keepAliveClient, waitFor } from './support/tls-clients.js';

let env: E2eEnv;
let upstream: EchoUpstream;
let gw: TestGateway;
let alice: CertificateFiles;
let bob: CertificateFiles;

const allowOnly = (cn: string): ReturnType<typeof makeConfig> =>
  makeConfig(env, { routes: [{ upstream: upstream.url, allow: [{ subjectCn: cn }] }] });

before(async () => {
  env = await startE2eEnv('reload');
  upstream = await startEchoUpstream();
  alice = await env.issue('alice');
  bob = await env.issue('bob');
  gw = await startTestGateway(env, allowOnly('alice'));
});

after(async () => {
  await gw?.close();
  await upstream?.close();
  await env?.close();
});

test('a reload with a changed route rule applies to new requests, on new and on open connections', async () => {
  await gw.gateway.reload(allowOnly('alice'));
  const kept = keepAliveClient(env, gw.port, bob);
  try {
    assert.equal((await curl(env, gw.port, '/rule/bob-before', { client: bob })).status, 403);
    const before = await kept.get('/rule/bob-kept-before');
    assert.equal(before.status, 403);
    assert.equal((JSON.parse(before.body) as Record<string, unknown>)['reason'], 'route_denied');
    await gw.gateway.reload(allowOnly('bob'));
    assert.equal((await curl(env, gw.port, '/rule/bob-after', { client: bob })).status, 200);
    const after = await kept.get('/rule/bob-kept-after');
    assert.equal(after.status, 200, 'the open connection is judged by the new rules');
    assert.equal(after.socket, before.socket);
    assert.equal((await curl(env, gw.port, '/rule/alice-after', { client: alice })).status, 403);
  } finally {
    kept.close();
    await gw.gateway.reload(allowOnly('alice'));
  }
});

test('a request in flight during a reload completes with 200', async () => {
  const kept = keepAliveClient(env, gw.port, alice);
  try {
    const inFlight = kept.get('/held/in-flight');
    // In flight: the upstream has the request and holds its answer until the reload is done.
    assert.ok(await waitFor(() => upstream.seen('/held/in-flight').length === 1, 30_000), 'the request reaches the upstream');
    await gw.gateway.reload(allowOnly('bob'));
    upstream.release();
    const answer = await inFlight;
    assert.equal(answer.status, 200, answer.body);
    assert.equal(upstream.seen('/held/in-flight').length, 1);
  } finally {
    kept.close();
    await gw.gateway.reload(allowOnly('alice'));
  }
});

test('a reload with a broken configuration is refused and the old one keeps serving', async () => {
  const missing = validateGatewayConfig({
    ...configInput(env, { routes: [{ upstream: upstream.url }] }),
    trustBundles: [{ name: 'symbolon', caFile: 'no-such-ca.pem', revocation: { kind: 'feed' }, failurePolicy: 'hard-fail' }],
  });
  await assert.rejects(gw.gateway.reload(missing), (error: unknown) => isSymbolonError(error) && error.code === 'GATEWAY_FILE_UNREADABLE');
  const moved = makeConfig(env, { routes: [{ upstream: upstream.url }], listener: { port: 1 } });
  await assert.rejects(gw.gateway.reload(moved), (error: unknown) => isSymbolonError(error) && error.code === 'GATEWAY_RELOAD_REFUSED');
  assert.equal((await curl(env, gw.port, '/broken/alice', { client: alice })).status, 200);
  assert.equal((await curl(env, gw.port, '/broken/bob', { client: bob })).status, 403, 'the old rules are still in force');
});

test('a reload that fails at its second revocation source is refused whole, and the old configuration keeps serving', async () => {
  const input = configInput(env, {
    routes: [{ upstream: upstream.url, allow: [{ subjectCn: 'bob' }], trustBundles: ['symbolon', 'second'] }],
  });
  const bundles = input.trustBundles as Record<string, unknown>[];
  // The first bundle's source is a new one (its revocation changed); the second's cannot be built.
  const partWay = validateGatewayConfig({
    ...input,
    trustBundles: [
      { ...bundles[0], revocation: { kind: 'none' } },
      {
        name: 'second',
        caFile: env.rootPem,
        revocation: { kind: 'feed', url: 'https://127.0.0.1:1/feed', certFile: alice.cert },
        failurePolicy: 'hard-fail',
      },
    ],
  });
  await assert.rejects(gw.gateway.reload(partWay), (error: unknown) => isSymbolonError(error, 'GATEWAY_REVOCATION_NO_CLIENT_CERTIFICATE'));
  assert.equal((await curl(env, gw.port, '/part-way/alice', { client: alice })).status, 200);
  assert.equal((await curl(env, gw.port, '/part-way/bob', { client: bob })).status, 403, 'the old rules are still in force');
  const sources = (await gw.gateway.metrics.registry.getSingleMetric('symbolon_gateway_revocation_lag_seconds')!.get()).values.map(
    (value) => value.labels,
  );
  assert.deepEqual(sources, [{ bundle: 'symbolon', source: 'feed' }], 'and the old revocation sources');
});

test('closing the gateway right after a reload also closes the revocation source the reload replaced, without waiting for its retirement', async () => {
  // The in-process feed, its live subscriptions counted: a started feed source holds one until it is closed.
  let subscriptions = 0;
  const feed = env.inProcessFeed.feed;
  const counted = {
    ...env.inProcessFeed,
    feed: {
      ...feed,
      subscribe: (listener: Parameters<typeof feed.subscribe>[0]) => {
        subscriptions++;
        const unsubscribe = feed.subscribe(listener);
        return () => {
          subscriptions--;
          unsubscribe();
        };
      },
    },
  };
  const own = await startTestGateway(env, allowOnly('alice'), { inProcessFeed: counted });
  try {
    assert.equal(subscriptions, 1);
    // Changed revocation settings: a new source; the old one is retired once requests in flight are done.
    await own.gateway.reload(
      makeConfig(env, {
        routes: [{ upstream: upstream.url, allow: [{ subjectCn: 'alice' }] }],
        revocation: { kind: 'feed', staleAfterSeconds: 120 },
      }),
    );
    assert.equal(subscriptions, 2);
    assert.equal((await curl(env, own.port, '/retiring/alice', { client: alice })).status, 200);
  } finally {
    await own.close();
  }
  assert.equal(subscriptions, 0, 'no source outlives the gateway');
});

test('reload under load: 200 requests over 4 keep-alive connections while reloading 3 times, none fails', async (t) => {
  const both = makeConfig(env, { routes: [{ upstream: upstream.url, allow: [{ subjectCn: 'alice' }, { subjectCn: 'bob' }] }] });
  const aliceOnly = allowOnly('alice');
  const load = keepAliveClient(env, gw.port, alice, 4);
  const statuses: number[] = [];
  const failures: string[] = [];
  const sockets = new Set<unknown>();
  let next = 0;
  const TOTAL = 200;
  const worker = async (): Promise<void> => {
    while (next < TOTAL) {
      const index = next++;
      try {
        const answer = await load.get(`/load/${index}`);
        statuses.push(answer.status);
        sockets.add(answer.socket);
        if (answer.status !== 200) failures.push(`${index}: ${answer.status} ${answer.body}`);
      } catch (error) {
        failures.push(`${index}: ${String(error)}`);
      }
    }
  };
  // Each reload waits for another quarter of the requests to be answered: all three fall within the load.
  const reloads = (async () => {
    for (const [i, config] of [both, aliceOnly, both].entries()) {
      assert.ok(await waitFor(() => statuses.length + failures.length >= ((i + 1) * TOTAL) / 4, 60_000), 'the load goes on');
      await gw.gateway.reload(config);
    }
  })();
  try {
    await Promise.all([worker(), worker(), worker(), worker(), worker(), worker(), worker(), worker(), reloads]);
  } finally {
    load.close();
    await gw.gateway.reload(aliceOnly);
  }
  t.diagnostic(`${statuses.length} requests over ${sockets.size} connections`);
  assert.deepEqual(failures, []);
  assert.equal(statuses.length, TOTAL);
  assert.ok(sockets.size <= 4);
  assert.ok(next >= TOTAL);
});
