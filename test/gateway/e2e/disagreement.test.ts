import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validateGatewayConfig } from '../../../src/gateway/gateway-config.js';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import { opensslRoot } from './support/openssl-pki.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { configInput, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl, metricValue, plainGet } from './support/tls-clients.js';

// A partner CA constrained to .partner.example with forbidden.partner.example excluded issues a
// client certificate for *.partner.example. OpenSSL 3.0 compares the wildcard with the excluded
// subtree as plain text and accepts the chain; the wildcard stands for forbidden.partner.example
// too (RFC 6125 6.4.3), so Symbolon's validator refuses it (RFC 5280 4.2.1.10). Issue #7: what
// OpenSSL accepted and the strict validator refuses is rejected, logged and counted.

let env: E2eEnv;
let upstream: EchoUpstream;
let gw: TestGateway;
let wildcard: CertificateFiles;
let inside: CertificateFiles;

before(async () => {
  env = await startE2eEnv('disagreement');
  upstream = await startEchoUpstream();
  const root = opensslRoot(env.dir, 'proot');
  const partnerCa = root.subordinate('pca', [
    'nameConstraints=critical,permitted;DNS:partner.example,excluded;DNS:forbidden.partner.example',
  ]);
  wildcard = partnerCa.issueClient('wild', 'DNS:*.partner.example');
  inside = partnerCa.issueClient('inside', 'DNS:api.partner.example');
  const input = configInput(env, { routes: [{ pathPrefix: '/', upstream: upstream.url, trustBundles: ['symbolon', 'partner'] }] });
  const bundles = input.trustBundles as Record<string, unknown>[];
  const config = validateGatewayConfig({
    ...input,
    trustBundles: [...bundles, { name: 'partner', caFile: root.cert, revocation: { kind: 'none' }, failurePolicy: 'hard-fail' }],
  });
  gw = await startTestGateway(env, config);
});

after(async () => {
  await gw?.close();
  await upstream?.close();
  await env?.close();
});

test('OpenSSL itself accepts the wildcard chain: the disagreement is real', () => {
  const output = execFileSync(
    'openssl',
    ['verify', '-purpose', 'sslclient', '-CAfile', join(env.dir, 'proot.pem'), '-untrusted', join(env.dir, 'pca.pem'), wildcard.cert],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.match(output, /: OK/);
});

test('a chain OpenSSL accepted and the strict validator refuses is rejected, logged and counted', async () => {
  const before = metricValue((await plainGet(`${gw.adminUrl}/metrics`)).body, 'symbolon_gateway_validator_disagreements_total', {
    code: 'PATH_NAME_CONSTRAINT_VIOLATED',
  });
  const requestsBefore = upstream.requests.length;
  const answer = await curl(env, gw.port, '/x', { client: wildcard });
  assert.equal(answer.status, 403);
  assert.equal((JSON.parse(answer.body) as { reason: unknown }).reason, 'chain_invalid');
  assert.equal(upstream.requests.length, requestsBefore, 'the upstream saw nothing');
  const metrics = (await plainGet(`${gw.adminUrl}/metrics`)).body;
  assert.equal(
    metricValue(metrics, 'symbolon_gateway_validator_disagreements_total', { code: 'PATH_NAME_CONSTRAINT_VIOLATED' }),
    before + 1,
  );
  assert.ok(
    gw.errors.some((error) => String(error).includes('strict validator refused it: PATH_NAME_CONSTRAINT_VIOLATED')),
    'the disagreement is logged',
  );
});

test('a certificate of the same partner CA inside its subtree is let through', async () => {
  const answer = await curl(env, gw.port, '/x', { client: inside });
  assert.equal(answer.status, 200);
});
