import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validateGatewayConfig } from '../../../src/gateway/gateway-config.js';
import { createSigner } from '../../../src/keys/index.js';
import { buildCrl, parseCertificate, parsePemBlocks, toPem } from '../../../src/x509/index.js';
import type { Certificate, CrlTemplate } from '../../../src/x509/index.js';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { opensslRoot } from './support/openssl-pki.js';
import type { OpensslCa } from './support/openssl-pki.js';
import { configInput, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl } from './support/tls-clients.js';

// Issue #13: the gateway checks revocation for every certificate of the path below the trust
// anchor, over real TLS connections. A partner root (the bundle's only CA) with two issuing CAs;
// one of them is revoked on the root's CRL, so every leaf under it is refused as revoked, while
// leaves under the other pass (and its own revoked leaf is refused). The CRL file holds the CRLs
// of the root and of both issuing CAs, signed by each: the issuing CAs are not bundle CAs, their
// CRLs are checked with the keys of the client's own path.

let env: E2eEnv;
let upstream: EchoUpstream;
let gw: TestGateway;
let underRevokedCa: CertificateFiles;
let underGoodCa: CertificateFiles;
let revokedLeaf: CertificateFiles;

function certificateOf(path: string): Certificate {
  return parseCertificate(parsePemBlocks(readFileSync(path, 'latin1'))[0]!.der);
}

async function crlOf(ca: OpensslCa, revoked: readonly string[], extra: Partial<CrlTemplate> = {}): Promise<string> {
  const certificate = certificateOf(ca.cert);
  const now = Date.now();
  const der = await buildCrl(
    {
      issuer: certificate.subjectDer,
      thisUpdate: new Date(now - 60_000),
      nextUpdate: new Date(now + 3_600_000),
      crlNumber: 1,
      authorityKeyIdentifier: certificate.subjectKeyIdentifier!,
      revokedCertificates: revoked.map((serialNumber) => ({
        serialNumber,
        revocationDate: new Date(now - 30_000),
        reason: 'keyCompromise' as const,
      })),
      ...extra,
    },
    createSigner(createPrivateKey(readFileSync(ca.key))),
  );
  return toPem('X509 CRL', der);
}

before(async () => {
  env = await startE2eEnv('revocation-chain');
  upstream = await startEchoUpstream();
  const root = opensslRoot(env.dir, 'chain-root');
  const keyIds = ['subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'];
  const revokedCa = root.subordinate('chain-revoked-ca', keyIds);
  const goodCa = root.subordinate('chain-good-ca', keyIds);
  underRevokedCa = revokedCa.issueClient('under-revoked-ca', 'DNS:a.chain.example');
  underGoodCa = goodCa.issueClient('under-good-ca', 'DNS:b.chain.example');
  revokedLeaf = goodCa.issueClient('revoked-leaf', 'DNS:c.chain.example');
  const crlFile = join(env.dir, 'chain.crl.pem');
  // The root's CRL covers CA certificates only (onlyContainsCACerts); each issuing CA's CRL its leaves.
  writeFileSync(
    crlFile,
    [
      await crlOf(root, [certificateOf(revokedCa.cert).serialNumber], { issuingDistributionPoint: { onlyContainsCaCerts: true } }),
      await crlOf(revokedCa, []),
      await crlOf(goodCa, [certificateOf(revokedLeaf.cert).serialNumber]),
    ].join(''),
  );
  const input = configInput(env, { routes: [{ pathPrefix: '/', upstream: upstream.url, trustBundles: ['symbolon', 'partner'] }] });
  gw = await startTestGateway(
    env,
    validateGatewayConfig({
      ...input,
      trustBundles: [
        ...(input.trustBundles as unknown[]),
        {
          name: 'partner',
          caFile: root.cert,
          revocation: { kind: 'crl', file: crlFile, refreshSeconds: 60 },
          failurePolicy: 'hard-fail',
          staleCrl: { policy: 'reject' },
        },
      ],
    }),
  );
});

after(async () => {
  await gw?.close();
  await upstream?.close();
  await env?.close();
});

test('a leaf under an issuing CA that the root revoked is refused as revoked, and never reaches the upstream', async () => {
  const refused = await curl(env, gw.port, '/under-revoked-ca', { client: underRevokedCa });
  assert.equal(refused.status, 403);
  assert.equal((JSON.parse(refused.body) as { reason: unknown }).reason, 'revoked');
  assert.equal(upstream.seen('/under-revoked-ca').length, 0);
});

test('a leaf under the other issuing CA passes; its revoked sibling is refused as revoked', async () => {
  assert.equal((await curl(env, gw.port, '/under-good-ca', { client: underGoodCa })).status, 200);
  const refused = await curl(env, gw.port, '/revoked-leaf', { client: revokedLeaf });
  assert.equal(refused.status, 403);
  assert.equal((JSON.parse(refused.body) as { reason: unknown }).reason, 'revoked');
});
