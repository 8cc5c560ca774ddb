import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validateGatewayConfig } from '../../../src/gateway/gateway-config.js';
import { createSigner } from '../../../src/keys/index.js';
import { buildCrl, parseCertificate, parsePemBlocks } from '../../../src/x509/index.js';
import type { Certificate } from '../../../src/x509/index.js';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { opensslRoot } from './support/openssl-pki.js';
import type { OpensslCa } from './support/openssl-pki.js';
import { configInput, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl, freePort, metricValue, plainGet } from './support/tls-clients.js';

// Issue #5: trust bundles for CAs that are not Symbolon's, each with its revocation source and an
// explicit fail policy: a partner CA checked against its CRL file, and two vendor CAs whose OCSP
// responder is down, one soft-fail and one hard-fail.

let env: E2eEnv;
let upstream: EchoUpstream;
let gw: TestGateway;
let good: CertificateFiles;
let revoked: CertificateFiles;
let softClient: CertificateFiles;
let hardClient: CertificateFiles;
let legacyClient: CertificateFiles;
let strictNoEku: CertificateFiles;

function certificateOf(path: string): Certificate {
  return parseCertificate(parsePemBlocks(readFileSync(path, 'latin1'))[0]!.der);
}

async function writeCrl(ca: OpensslCa, file: string, revokedSerials: readonly string[]): Promise<void> {
  const caCertificate = certificateOf(ca.cert);
  const now = Date.now();
  const der = await buildCrl(
    {
      issuer: caCertificate.subjectDer,
      thisUpdate: new Date(now - 60_000),
      nextUpdate: new Date(now + 3_600_000),
      crlNumber: 1,
      authorityKeyIdentifier: caCertificate.subjectKeyIdentifier!,
      revokedCertificates: revokedSerials.map((serialNumber) => ({
        serialNumber,
        revocationDate: new Date(now - 30_000),
        reason: 'keyCompromise' as const,
      })),
    },
    createSigner(createPrivateKey(readFileSync(ca.key))),
  );
  writeFileSync(file, der);
}

before(async () => {
  env = await startE2eEnv('external-ca');
  upstream = await startEchoUpstream();
  const partner = opensslRoot(env.dir, 'partner-root');
  good = partner.issueClient('partner-good', 'DNS:good.partner.example');
  revoked = partner.issueClient('partner-revoked', 'DNS:revoked.partner.example');
  const crlFile = join(env.dir, 'partner.crl');
  await writeCrl(partner, crlFile, [certificateOf(revoked.cert).serialNumber]);
  const deadOcsp = `http://127.0.0.1:${await freePort()}/ocsp`;
  const soft = opensslRoot(env.dir, 'vendor-soft');
  softClient = soft.issueClient('vendor-soft-client', 'DNS:a.vendor.example');
  const hard = opensslRoot(env.dir, 'vendor-hard');
  hardClient = hard.issueClient('vendor-hard-client', 'DNS:b.vendor.example');
  // Leaves without extendedKeyUsage: the strict profile's TLS rules refuse them, rfc5280 does not.
  const noEku = ['keyUsage=critical,digitalSignature'];
  const legacy = opensslRoot(env.dir, 'legacy-root');
  legacyClient = legacy.issueClient('legacy-client', 'DNS:legacy.example', noEku);
  const strictPartner = opensslRoot(env.dir, 'strict-root');
  strictNoEku = strictPartner.issueClient('strict-no-eku', 'DNS:strict.example', noEku);
  const input = configInput(env, {
    routes: [
      {
        pathPrefix: '/',
        upstream: upstream.url,
        trustBundles: ['symbolon', 'partner', 'vendor-soft', 'vendor-hard', 'legacy', 'strict-partner'],
      },
    ],
  });
  gw = await startTestGateway(
    env,
    validateGatewayConfig({
      ...input,
      trustBundles: [
        ...(input.trustBundles as unknown[]),
        {
          name: 'partner',
          caFile: partner.cert,
          revocation: { kind: 'crl', file: crlFile, refreshSeconds: 60 },
          failurePolicy: 'hard-fail',
          staleCrl: { policy: 'reject' },
        },
        { name: 'vendor-soft', caFile: soft.cert, revocation: { kind: 'ocsp', url: deadOcsp, timeoutMs: 500 }, failurePolicy: 'soft-fail' },
        { name: 'vendor-hard', caFile: hard.cert, revocation: { kind: 'ocsp', url: deadOcsp, timeoutMs: 500 }, failurePolicy: 'hard-fail' },
        { name: 'legacy', caFile: legacy.cert, revocation: { kind: 'none' }, failurePolicy: 'hard-fail', profile: 'rfc5280' },
        { name: 'strict-partner', caFile: strictPartner.cert, revocation: { kind: 'none' }, failurePolicy: 'hard-fail' },
      ],
    }),
  );
});

after(async () => {
  await gw?.close();
  await upstream?.close();
  await env?.close();
});

test("a partner CA's CRL file: its listed certificate is refused as revoked, the others pass", async () => {
  assert.equal((await curl(env, gw.port, '/ok', { client: good })).status, 200);
  const refused = await curl(env, gw.port, '/no', { client: revoked });
  assert.equal(refused.status, 403);
  assert.equal((JSON.parse(refused.body) as { reason: unknown }).reason, 'revoked');
  assert.equal(upstream.seen('/no').length, 0);
});

test('OCSP unreachable: soft-fail lets the request through and counts it, hard-fail refuses it as revocation_unavailable', async () => {
  const before = metricValue((await plainGet(`${gw.adminUrl}/metrics`)).body, 'symbolon_gateway_revocation_soft_fail_total', {
    bundle: 'vendor-soft',
  });
  assert.equal((await curl(env, gw.port, '/soft', { client: softClient })).status, 200);
  const after = metricValue((await plainGet(`${gw.adminUrl}/metrics`)).body, 'symbolon_gateway_revocation_soft_fail_total', {
    bundle: 'vendor-soft',
  });
  assert.equal(after, before + 1);
  const refused = await curl(env, gw.port, '/hard', { client: hardClient });
  assert.equal(refused.status, 403);
  assert.equal((JSON.parse(refused.body) as { reason: unknown }).reason, 'revocation_unavailable');
  assert.equal(upstream.seen('/hard').length, 0);
});

test('a trust bundle with profile rfc5280 accepts a legacy leaf the strict default refuses', async () => {
  assert.equal((await curl(env, gw.port, '/legacy', { client: legacyClient })).status, 200);
  const refused = await curl(env, gw.port, '/strict', { client: strictNoEku });
  assert.equal(refused.status, 403);
  assert.equal((JSON.parse(refused.body) as { reason: unknown }).reason, 'wrong_usage');
  assert.equal(upstream.seen('/strict').length, 0);
});
