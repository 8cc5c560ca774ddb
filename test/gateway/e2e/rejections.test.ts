import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startE2eEnv } from './support/e2e-env.js';
import { REJECTION_REASONS } from '../../../src/gateway/index.js';
import type { RejectionReason } from '../../../src/gateway/index.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl, curlFailure, freePort, metricValue, plainGet, waitFor } from './support/tls-clients.js';
import type { CurlOptions, HttpAnswer } from './support/tls-clients.js';

const DAY_MS = 86_400_000;

let env: E2eEnv;
let upstream: EchoUpstream;
let gw: TestGateway;
let deadPort: number;
let payments: CertificateFiles;
let other: CertificateFiles;
let pinned: CertificateFiles;

before(async () => {
  env = await startE2eEnv('rejections');
  upstream = await startEchoUpstream();
  deadPort = await freePort();
  const svid = (path: string): Promise<CertificateFiles> =>
    env.issue('', { profile: 'spiffe', isSubjectEmpty: true, sans: [{ type: 'uri', value: `spiffe://test.example${path}` }] });
  payments = await svid('/ns/payments/sa/api');
  other = await svid('/ns/other/sa/api');
  pinned = await env.issue('pinned');
  const pin = pinned.fingerprint.toUpperCase().match(/../g)!.join(':');
  gw = await startTestGateway(
    env,
    makeConfig(env, {
      routes: [
        { pathPrefix: '/spiffe', upstream: upstream.url, allow: [{ spiffeId: 'spiffe://test.example/ns/payments/**' }] },
        { pathPrefix: '/dns', upstream: upstream.url, allow: [{ dns: '*.payments.test.example' }] },
        { pathPrefix: '/cn', upstream: upstream.url, deny: [{ subjectCn: 'blocked' }] },
        { pathPrefix: '/pin', upstream: upstream.url, allow: [{ fingerprint: pin }] },
        { pathPrefix: '/down', upstream: `http://127.0.0.1:${deadPort}` },
        { pathPrefix: '/hang', upstream: upstream.url, upstreamTimeoutMs: 400 },
        // With one optional route the listener completes certificate-less handshakes, and required routes answer 403.
        { pathPrefix: '/open', upstream: upstream.url, clientCertificate: 'optional' },
        { pathPrefix: '/', upstream: upstream.url },
      ],
    }),
  );
});

after(async () => {
  await gw?.close();
  await upstream?.close();
  await env?.close();
});

/** Asserts a problem+json refusal naming `reason`, and that the upstream saw nothing for `path`. */
function assertRefused(answer: HttpAnswer, status: number, reason: RejectionReason, path: string): void {
  assert.equal(answer.status, status, answer.body);
  assert.equal(answer.contentType, 'application/problem+json');
  const problem = JSON.parse(answer.body) as Record<string, unknown>;
  assert.equal(problem['reason'], reason);
  assert.equal(problem['status'], status);
  assert.equal(problem['type'], `urn:symbolon:error:${REJECTION_REASONS[reason].code}`);
  assert.equal(upstream.seen(path).length, 0, `the upstream must not see ${path}`);
}

async function assertRejected(path: string, reason: RejectionReason, options: CurlOptions = {}): Promise<void> {
  assertRefused(await curl(env, gw.port, path, options), 403, reason, path);
}

async function metrics(): Promise<string> {
  const answer = await plainGet(`${gw.adminUrl}/metrics`);
  assert.equal(answer.status, 200);
  return answer.body;
}

for (const http2 of [false, true]) {
  test(`a required route refuses a request without certificate over ${http2 ? 'HTTP/2' : 'HTTP/1.1'}: no_certificate`, async () => {
    await assertRejected(`/nocert-${http2 ? 'h2' : 'h1'}`, 'no_certificate', { http2 });
  });
}

/** A chain OpenSSL does not verify is refused in the handshake (handshake-refusal.test.ts), even with an optional route: counted with its reason. */
async function assertRefusedInHandshake(reason: string, client: CertificateFiles, isLeafOnly = false): Promise<void> {
  const before = metricValue(await metrics(), 'symbolon_gateway_handshakes_total', { result: 'rejected', reason });
  const failed = await curlFailure(env, gw.port, isLeafOnly ? { ...client, chain: client.cert } : client);
  assert.notEqual(failed.code, 0, failed.output);
  assert.equal(metricValue(await metrics(), 'symbolon_gateway_handshakes_total', { result: 'rejected', reason }), before + 1);
}

test('a certificate from a CA the gateway does not trust: untrusted_issuer', async () => {
  await assertRefusedInHandshake('untrusted_issuer', await env.foreign('stranger'));
});

test('a client that sends its leaf without the intermediate cannot be chained to the root: untrusted_issuer', async () => {
  await assertRefusedInHandshake('untrusted_issuer', await env.issue('leaf-only'), true);
});

test('an expired certificate: expired', async () => {
  const now = Date.now();
  await assertRefusedInHandshake(
    'expired',
    await env.forge('expired', { notBefore: new Date(now - 10 * DAY_MS), notAfter: new Date(now - DAY_MS) }),
  );
});

test('a certificate not valid yet: not_yet_valid', async () => {
  const now = Date.now();
  await assertRefusedInHandshake(
    'not_yet_valid',
    await env.forge('future', { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 10 * DAY_MS) }),
  );
});

test('a server-only certificate presented as a client certificate: wrong_usage', async () => {
  const server = await env.issue('server-only.test.example', {
    profile: 'server',
    sans: [{ type: 'dns', value: 'server-only.test.example' }],
  });
  await assertRefusedInHandshake('wrong_usage', server);
});

test('route rules: a SPIFFE ID glob allows its namespace and refuses another (route_denied)', async () => {
  assert.equal((await curl(env, gw.port, '/spiffe/ok', { client: payments })).status, 200);
  await assertRejected('/spiffe/denied', 'route_denied', { client: other });
});

test('route rules: a DNS SAN glob, a subject CN deny rule and a fingerprint pin (route_denied)', async () => {
  const dnsClient = await env.issue('dns-client', { sans: [{ type: 'dns', value: 'web.payments.test.example' }] });
  const blocked = await env.issue('blocked');
  assert.equal((await curl(env, gw.port, '/dns/ok', { client: dnsClient })).status, 200);
  await assertRejected('/dns/denied', 'route_denied', { client: blocked });
  assert.equal((await curl(env, gw.port, '/cn/ok', { client: dnsClient })).status, 200);
  await assertRejected('/cn/denied', 'route_denied', { client: blocked });
  assert.equal((await curl(env, gw.port, '/pin/ok', { client: pinned })).status, 200);
  await assertRejected('/pin/denied', 'route_denied', { client: dnsClient });
});

test('a revoked certificate is refused on a new connection: revoked', async () => {
  const client = await env.issue('to-revoke');
  assert.equal((await curl(env, gw.port, '/before-revocation', { client })).status, 200);
  await env.revoke(client);
  let last: HttpAnswer | undefined;
  let attempt = 0;
  const isRefused = await waitFor(
    async () => {
      last = await curl(env, gw.port, `/revoked-${++attempt}`, { client });
      return last.status === 403;
    },
    3000,
    50,
  );
  assert.ok(isRefused, `still ${last?.status} after revocation`);
  assertRefused(last!, 403, 'revoked', `/revoked-${attempt}`);
});

test('an upstream that is down: 502 upstream_unavailable', async () => {
  const answer = await curl(env, gw.port, '/down/x', { client: pinned });
  assert.equal(answer.status, 502, answer.body);
  assert.equal(answer.contentType, 'application/problem+json');
  assert.equal((JSON.parse(answer.body) as Record<string, unknown>)['reason'], 'upstream_unavailable');
});

test('an upstream that never answers within upstreamTimeoutMs: 504 upstream_timeout', async () => {
  // The upstream holds /hang for good: the answer can only be the gateway's own timeout.
  const answer = await curl(env, gw.port, '/hang/x', { client: pinned });
  assert.equal(answer.status, 504, answer.body);
  assert.equal(answer.contentType, 'application/problem+json');
  assert.equal((JSON.parse(answer.body) as Record<string, unknown>)['reason'], 'upstream_timeout');
  assert.equal(upstream.seen('/hang/x').length, 1, 'the request did reach the upstream, which held it');
});

test('metrics on the admin listener count handshakes, requests, rejections, upstream latency, revocation and server certificate expiry', async () => {
  const before = await metrics();
  for (const name of [
    'symbolon_gateway_handshakes_total',
    'symbolon_gateway_requests_total',
    'symbolon_gateway_rejections_total',
    'symbolon_gateway_upstream_latency_seconds_bucket',
    'symbolon_gateway_revocation_lag_seconds',
    'symbolon_gateway_revocation_entries',
    'symbolon_gateway_server_certificate_expiry_seconds',
  ]) {
    assert.ok(before.includes(`\n${name}`), `missing ${name}`);
  }
  // What the tests above did.
  assert.ok(metricValue(before, 'symbolon_gateway_rejections_total', { reason: 'no_certificate' }) >= 2);
  for (const reason of ['route_denied', 'revoked', 'upstream_unavailable', 'upstream_timeout']) {
    assert.ok(metricValue(before, 'symbolon_gateway_rejections_total', { reason }) >= 1, `no rejection counted for ${reason}`);
  }
  assert.ok(metricValue(before, 'symbolon_gateway_handshakes_total', { result: 'rejected', reason: 'untrusted_issuer' }) >= 1);
  assert.ok(metricValue(before, 'symbolon_gateway_handshakes_total', { result: 'rejected', reason: 'expired' }) >= 1);
  assert.ok(
    metricValue(before, 'symbolon_gateway_revocation_entries', { bundle: 'symbolon' }) >= 1,
    'the revoked certificate is in the set',
  );
  const lag = metricValue(before, 'symbolon_gateway_revocation_lag_seconds', { bundle: 'symbolon' });
  assert.ok(Number.isFinite(lag) && lag >= 0 && lag < 60, `revocation lag ${lag}`);
  const expiry = metricValue(before, 'symbolon_gateway_server_certificate_expiry_seconds', { listener: '0' });
  assert.ok(expiry > 29 * 86_400 && expiry <= 30 * 86_400 + 600, `server certificate expiry ${expiry}`);

  // And they move: one allowed request, one refusal.
  const okBefore = metricValue(before, 'symbolon_gateway_requests_total', { route: '*/', status: '200' });
  const latencyBefore = metricValue(before, 'symbolon_gateway_upstream_latency_seconds_count', { route: '*/' });
  const acceptedBefore = metricValue(before, 'symbolon_gateway_handshakes_total', { result: 'accepted', reason: 'none' });
  const anonymousBefore = metricValue(before, 'symbolon_gateway_handshakes_total', { result: 'accepted', reason: 'no_certificate' });
  const deniedBefore = metricValue(before, 'symbolon_gateway_rejections_total', { route: '*/', reason: 'no_certificate' });
  assert.equal((await curl(env, gw.port, '/metrics-moves', { client: pinned })).status, 200);
  assert.equal((await curl(env, gw.port, '/metrics-moves-refused')).status, 403);
  const afterText = await metrics();
  assert.equal(metricValue(afterText, 'symbolon_gateway_requests_total', { route: '*/', status: '200' }), okBefore + 1);
  assert.equal(metricValue(afterText, 'symbolon_gateway_upstream_latency_seconds_count', { route: '*/' }), latencyBefore + 1);
  assert.equal(metricValue(afterText, 'symbolon_gateway_handshakes_total', { result: 'accepted', reason: 'none' }), acceptedBefore + 1);
  assert.equal(
    metricValue(afterText, 'symbolon_gateway_handshakes_total', { result: 'accepted', reason: 'no_certificate' }),
    anonymousBefore + 1,
    'accepted without certificate: a route is optional',
  );
  assert.equal(metricValue(afterText, 'symbolon_gateway_rejections_total', { route: '*/', reason: 'no_certificate' }), deniedBefore + 1);
});
