import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { validateGatewayConfig } from '../../../src/gateway/gateway-config.js';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { opensslRoot } from './support/openssl-pki.js';
import { configInput, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl, curlFailure, metricValue, plainGet } from './support/tls-clients.js';

// A route names the trust bundles whose clients it accepts: a partner CA beside your own cannot
// satisfy a rule written for your clients by issuing a certificate with the same name.

let env: E2eEnv;
let upstream: EchoUpstream;
let gw: TestGateway;
let ours: CertificateFiles;
let partnerTwin: CertificateFiles;

before(async () => {
  env = await startE2eEnv('route-bundles');
  upstream = await startEchoUpstream();
  ours = await env.issue('acme-client');
  const partner = opensslRoot(env.dir, 'partner-root');
  // The partner CA issues a certificate with the very subject CN the /acme rule allows.
  partnerTwin = partner.issueClient('acme-client', 'DNS:acme-client.partner.example');
  const input = configInput(env, {
    routes: [
      { pathPrefix: '/acme', upstream: upstream.url, allow: [{ subjectCn: 'acme-client' }], trustBundles: ['symbolon'] },
      { pathPrefix: '/', upstream: upstream.url, trustBundles: ['symbolon', 'partner'] },
    ],
  });
  const partnerBundle = { name: 'partner', caFile: partner.cert, revocation: { kind: 'none' }, failurePolicy: 'hard-fail' };
  gw = await startTestGateway(
    env,
    validateGatewayConfig({ ...input, trustBundles: [...(input.trustBundles as unknown[]), partnerBundle] }),
  );
});

after(async () => {
  await gw?.close();
  await upstream?.close();
  await env?.close();
});

test("a partner CA's certificate with the allowed name is refused on a route that accepts only our bundle", async () => {
  const refused = await curl(env, gw.port, '/acme/partner', { client: partnerTwin });
  assert.equal(refused.status, 403, refused.body);
  assert.equal((JSON.parse(refused.body) as { reason: unknown }).reason, 'untrusted_issuer');
  assert.equal(upstream.seen('/acme/partner').length, 0);
  assert.equal((await curl(env, gw.port, '/acme/ours', { client: ours })).status, 200);
});

test('a route that names both bundles accepts clients of both', async () => {
  assert.equal((await curl(env, gw.port, '/shared/partner', { client: partnerTwin })).status, 200);
  assert.equal((await curl(env, gw.port, '/shared/ours', { client: ours })).status, 200);
});

test('a certificate whose root is in no bundle is refused in the handshake, even where a bundle holds its issuing intermediate', async () => {
  // The configuration cannot give a verified chain an anchor outside every bundle: OpenSSL and
  // the strict validator are both given the union of the bundles. The nearest is a bundle that
  // holds an intermediate and not its root: OpenSSL (no partial chains in node:tls) refuses the
  // chain in the handshake, so nothing maps it to that bundle.
  const input = configInput(env, { routes: [{ upstream: upstream.url }] });
  const intermediateOnly = await startTestGateway(
    env,
    validateGatewayConfig({
      ...input,
      trustBundles: [{ name: 'intermediate-only', caFile: env.intermediatePem, revocation: { kind: 'none' }, failurePolicy: 'hard-fail' }],
    }),
  );
  try {
    const before = metricValue((await plainGet(`${intermediateOnly.adminUrl}/metrics`)).body, 'symbolon_gateway_handshakes_total', {
      result: 'rejected',
      reason: 'untrusted_issuer',
    });
    const forwardedBefore = upstream.seen('/').length;
    const refused = await curlFailure(env, intermediateOnly.port, ours);
    assert.notEqual(refused.code, 0, refused.output);
    assert.ok(refused.output.startsWith('000'), `no HTTP status: ${refused.output}`);
    const after = metricValue((await plainGet(`${intermediateOnly.adminUrl}/metrics`)).body, 'symbolon_gateway_handshakes_total', {
      result: 'rejected',
      reason: 'untrusted_issuer',
    });
    assert.equal(after, before + 1);
    assert.equal(upstream.seen('/').length, forwardedBefore);
  } finally {
    await intermediateOnly.close();
  }
});
