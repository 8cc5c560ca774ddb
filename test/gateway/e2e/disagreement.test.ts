import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validateGatewayConfig } from '../../../src/gateway/gateway-config.js';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
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

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

function partnerPki(dir: string): { root: string; wildcard: CertificateFiles; inside: CertificateFiles } {
  const ext = (name: string, lines: string[]): string => {
    writeFileSync(join(dir, `${name}.ext`), lines.join('\n') + '\n');
    return `${name}.ext`;
  };
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'proot.key']);
  openssl(dir, ['req', '-x509', '-new', '-key', 'proot.key', '-subj', '/CN=Partner Root', '-days', '30', '-out', 'proot.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const sign = (name: string, subject: string, issuer: string, extFile: string): void => {
    openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.sec1`]);
    openssl(dir, ['pkcs8', '-topk8', '-nocrypt', '-in', `${name}.sec1`, '-out', `${name}.key`]);
    openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '10', '-extfile', extFile, '-out', `${name}.pem`]);
  };
  sign('pca', '/CN=Partner Issuing CA', 'proot', ext('pca', ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign', 'nameConstraints=critical,permitted;DNS:partner.example,excluded;DNS:forbidden.partner.example']));
  const leaf = (name: string, san: string): CertificateFiles => {
    sign(name, `/CN=${name}`, 'pca', ext(name, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth', `subjectAltName=${san}`]));
    const chain = join(dir, `${name}.chain.pem`);
    writeFileSync(chain, execFileSync('cat', [join(dir, `${name}.pem`), join(dir, 'pca.pem')]));
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`), chain, serial: '', fingerprint: '' };
  };
  return { root: join(dir, 'proot.pem'), wildcard: leaf('wild', 'DNS:*.partner.example'), inside: leaf('inside', 'DNS:api.partner.example') };
}

before(async () => {
  env = await startE2eEnv('disagreement');
  upstream = await startEchoUpstream();
  const partner = partnerPki(env.dir);
  wildcard = partner.wildcard;
  inside = partner.inside;
  const input = configInput(env, { routes: [{ pathPrefix: '/', upstream: upstream.url }] });
  const bundles = input.trustBundles as Record<string, unknown>[];
  const config = validateGatewayConfig({ ...input, trustBundles: [...bundles, { name: 'partner', caFile: partner.root, revocation: { kind: 'none' }, failurePolicy: 'hard-fail' }] });
  gw = await startTestGateway(env, config);
});

after(async () => {
  await gw?.close();
  await upstream?.close();
  await env?.close();
});

test('OpenSSL itself accepts the wildcard chain: the disagreement is real', () => {
  const output = execFileSync('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', join(env.dir, 'proot.pem'), '-untrusted', join(env.dir, 'pca.pem'), wildcard.cert], { encoding: 'utf8', timeout: 20_000 });
  assert.match(output, /: OK/);
});

test('a chain OpenSSL accepted and the strict validator refuses is rejected, logged and counted', async () => {
  const before = metricValue((await plainGet(`${gw.adminUrl}/metrics`)).body, 'symbolon_gateway_validator_disagreements_total', { code: 'PATH_NAME_CONSTRAINT_VIOLATED' });
  const requestsBefore = upstream.requests.length;
  const answer = await curl(env, gw.port, '/x', { client: wildcard });
  assert.equal(answer.status, 403);
  assert.equal(JSON.parse(answer.body).reason, 'chain_invalid');
  assert.equal(upstream.requests.length, requestsBefore, 'the upstream saw nothing');
  const metrics = (await plainGet(`${gw.adminUrl}/metrics`)).body;
  assert.equal(metricValue(metrics, 'symbolon_gateway_validator_disagreements_total', { code: 'PATH_NAME_CONSTRAINT_VIOLATED' }), before + 1);
  assert.ok(gw.errors.some((error) => String(error).includes('strict validator refused it: PATH_NAME_CONSTRAINT_VIOLATED')), 'the disagreement is logged');
});

test('a certificate of the same partner CA inside its subtree is let through', async () => {
  const answer = await curl(env, gw.port, '/x', { client: inside });
  assert.equal(answer.status, 200);
});
