import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { buildOcspRequest, certIdFor, parseCertificate, parseCrl, parseOcspResponse, toPem } from '../../src/x509/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { runTool, startHarness } from '../support/revocation-harness.js';
import type { Harness } from '../support/revocation-harness.js';

const temp = makeTempDir('symbolon-ocsp-crl-');
let template: string;
let h: Harness;

before(async () => {
  template = await makeTemplateCa(temp.path);
  h = await startHarness(template, temp.path);
});
after(async () => {
  await h?.close();
  temp.remove();
});

function opensslOcsp(certPem: string, extra: string[] = []) {
  return runTool('openssl', [
    'ocsp',
    '-issuer',
    h.intermediatePem,
    '-cert',
    certPem,
    '-url',
    h.services.ocspUrl,
    '-CAfile',
    h.rootPem,
    ...extra,
  ]);
}

async function fetchCrlPem(): Promise<{ pem: string; der: Buffer }> {
  const response = await fetch(h.services.crlUrls['intermediate-1']!);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/pkix-crl');
  const der = Buffer.from(await response.arrayBuffer());
  const pem = join(h.dir, `crl-${Date.now()}-${Math.random()}.pem`);
  writeFileSync(pem, toPem('X509 CRL', der));
  return { pem, der };
}

function verifyWithCrl(certPem: string, crlPem: string) {
  return runTool('openssl', ['verify', '-crl_check', '-CAfile', h.rootPem, '-untrusted', h.intermediatePem, '-CRLfile', crlPem, certPem]);
}

async function ocspPost(der: Buffer): Promise<Response> {
  return fetch(h.services.ocspUrl, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: der });
}

test('openssl ocsp says good, then revoked with the reason, and verifies the delegated responder each time', async () => {
  const leaf = await h.issue('alice');
  const good = await opensslOcsp(leaf.certPem);
  assert.equal(good.code, 0, good.output);
  assert.match(good.output, /Response verify OK/);
  assert.match(good.output, /: good/);
  await revokeCertificate(h.services.store, { issuerId: leaf.issued.record.issuerId, serial: leaf.issued.record.serial }, 'keyCompromise', {
    actor: 'test',
    now: new Date(),
  });
  const revoked = await opensslOcsp(leaf.certPem);
  assert.equal(revoked.code, 0, revoked.output);
  assert.match(revoked.output, /Response verify OK/);
  assert.match(revoked.output, /: revoked/);
  assert.match(revoked.output, /Reason: keyCompromise/);
  // The responder certificate is the CA's delegated one (id-kp-OCSPSigning, ocsp-nocheck).
  const responder = h.services.responderCertificate('intermediate-1')!;
  assert.ok(
    responder.extensions.some((extension) => extension.oid === '1.3.6.1.5.5.7.48.1.5'),
    'ocsp-nocheck',
  );
});

test('openssl verify -crl_check accepts with the served CRL, then rejects after revocation', async () => {
  const leaf = await h.issue('bob');
  const before = await fetchCrlPem();
  const ok = await verifyWithCrl(leaf.certPem, before.pem);
  assert.equal(ok.code, 0, ok.output);
  assert.match(ok.output, /: OK/);
  await revokeCertificate(h.services.store, { issuerId: leaf.issued.record.issuerId, serial: leaf.issued.record.serial }, 'superseded', {
    actor: 'test',
    now: new Date(),
  });
  const afterRevocation = await fetchCrlPem();
  const refused = await verifyWithCrl(leaf.certPem, afterRevocation.pem);
  assert.notEqual(refused.code, 0, refused.output);
  assert.match(refused.output, /certificate revoked/);
  const crl = parseCrl(afterRevocation.der);
  assert.equal(crl.version, 2);
  assert.ok(crl.crlNumber! > parseCrl(before.der).crlNumber!, 'the CRL number increases');
  assert.deepEqual(
    crl.authorityKeyIdentifier?.keyIdentifier,
    parseCertificate(h.dataDir.issuers.find((i) => i.id === 'intermediate-1')!.certificate).subjectKeyIdentifier,
  );
  assert.equal(crl.revokedCertificates.find((entry) => entry.serialNumber === leaf.issued.record.serial)?.reason, 'superseded');
  assert.ok(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime() === 24 * 3600 * 1000);
});

test('once revoke returns, the next OCSP answer says revoked and the next CRL lists it', async () => {
  const leaf = await h.issue('carol');
  const intermediate = parseCertificate(h.dataDir.issuers.find((i) => i.id === 'intermediate-1')!.certificate);
  const request = buildOcspRequest({ certIds: [certIdFor(parseCertificate(leaf.issued.der), intermediate)] });
  // Warm the cache with the good answer first: the revocation must replace it.
  const warm = parseOcspResponse(Buffer.from(await (await ocspPost(request)).arrayBuffer()));
  assert.equal(warm.basic?.responses[0]?.certStatus.status, 'good');
  await revokeCertificate(h.services.store, { issuerId: 'intermediate-1', serial: leaf.issued.record.serial }, 'cessationOfOperation', {
    actor: 'test',
    now: new Date(),
  });
  // No wait and no retry: revoking through the services' store delivers the revocation to the
  // responder and the CRL publisher before it resolves.
  const [ocsp, crl] = await Promise.all([
    ocspPost(request).then(async (r) => parseOcspResponse(Buffer.from(await r.arrayBuffer()))),
    fetchCrlPem(),
  ]);
  const status = ocsp.basic?.responses[0]?.certStatus;
  assert.equal(status?.status, 'revoked');
  assert.equal(status?.status === 'revoked' ? status.revocationReason : undefined, 'cessationOfOperation');
  assert.ok(parseCrl(crl.der).revokedCertificates.some((entry) => entry.serialNumber === leaf.issued.record.serial));
});

test('the CRL is served with ETag and Last-Modified, and curl gets 304 for If-None-Match', async () => {
  const url = h.services.crlUrls['intermediate-1']!;
  const head = await runTool('curl', ['-s', '-D', '-', '-o', '/dev/null', url]);
  assert.equal(head.code, 0, head.output);
  const etag = /^etag: (.+)\r?$/im.exec(head.stdout)?.[1]?.trim();
  assert.ok(etag !== undefined, head.stdout);
  assert.match(head.stdout, /^last-modified: .+GMT/im);
  assert.match(head.stdout, /^content-type: application\/pkix-crl/im);
  const conditional = await runTool('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `If-None-Match: ${etag}`, url]);
  assert.equal(conditional.stdout, '304');
  const stale = await runTool('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'If-None-Match: "other"', url]);
  assert.equal(stale.stdout, '200');
});

test('RFC 5019 GET answers from the cache with max-age, ETag and Last-Modified, and 304 on If-None-Match', async () => {
  const leaf = await h.issue('dave');
  const intermediate = parseCertificate(h.dataDir.issuers.find((i) => i.id === 'intermediate-1')!.certificate);
  const request = buildOcspRequest({ certIds: [certIdFor(parseCertificate(leaf.issued.der), intermediate)] });
  const url = `${h.services.ocspUrl}/${encodeURIComponent(request.toString('base64'))}`;
  const first = await fetch(url);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('content-type'), 'application/ocsp-response');
  assert.match(first.headers.get('cache-control') ?? '', /max-age=\d+/);
  const etag = first.headers.get('etag')!;
  assert.ok(first.headers.get('last-modified'));
  const body = Buffer.from(await first.arrayBuffer());
  assert.equal(parseOcspResponse(body).basic?.responses[0]?.certStatus.status, 'good');
  const second = await fetch(url);
  assert.deepEqual(Buffer.from(await second.arrayBuffer()), body, 'the same precomputed answer');
  const notModified = await fetch(url, { headers: { 'if-none-match': etag } });
  assert.equal(notModified.status, 304);
});

test('a foreign issuer is unauthorized, a serial never issued is unknown, and the nonce is echoed', async () => {
  const leaf = await h.issue('erin');
  const cert = parseCertificate(leaf.issued.der);
  const intermediate = parseCertificate(h.dataDir.issuers.find((i) => i.id === 'intermediate-1')!.certificate);
  const foreign = buildOcspRequest({ certIds: [certIdFor(cert, { subjectDer: intermediate.subjectDer, spki: h.dataDir.root.spki })] });
  assert.equal(parseOcspResponse(Buffer.from(await (await ocspPost(foreign)).arrayBuffer())).status, 'unauthorized');
  const unknown = buildOcspRequest({
    certIds: [certIdFor({ issuerDer: cert.issuerDer, serialNumberBytes: Buffer.from('0badc0de', 'hex') }, intermediate)],
  });
  assert.equal(
    parseOcspResponse(Buffer.from(await (await ocspPost(unknown)).arrayBuffer())).basic?.responses[0]?.certStatus.status,
    'unknown',
  );
  const nonce = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const withNonce = buildOcspRequest({ certIds: [certIdFor(cert, intermediate, 'sha256')], nonce });
  const answered = await ocspPost(withNonce);
  assert.equal(answered.headers.get('cache-control'), 'no-store');
  const parsed = parseOcspResponse(Buffer.from(await answered.arrayBuffer()));
  assert.deepEqual(parsed.basic?.nonce, nonce);
  assert.equal(parsed.basic?.responses[0]?.certStatus.status, 'good');
});

test('a rotated responder certificate signs new answers, and openssl still verifies them', async () => {
  const leaf = await h.issue('frank');
  const before = h.services.responderCertificate('intermediate-1')!;
  await h.services.rotateResponders();
  const rotated = h.services.responderCertificate('intermediate-1')!;
  assert.notEqual(rotated.serialNumber, before.serialNumber);
  const result = await opensslOcsp(leaf.certPem);
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /Response verify OK/);
  const intermediate = parseCertificate(h.dataDir.issuers.find((i) => i.id === 'intermediate-1')!.certificate);
  const answer = parseOcspResponse(
    Buffer.from(
      await (await ocspPost(buildOcspRequest({ certIds: [certIdFor(parseCertificate(leaf.issued.der), intermediate)] }))).arrayBuffer(),
    ),
  );
  assert.deepEqual(answer.basic?.certificates[0], rotated.der, 'the new responder certificate is in the response');
});

const hasGnutls = existsSync('/usr/bin/certtool') && existsSync('/usr/bin/ocsptool');

test(
  'GnuTLS certtool reads and verifies the served CRL as OpenSSL does',
  { skip: !hasGnutls && 'GnuTLS certtool/ocsptool are not installed' },
  async () => {
    const leaf = await h.issue('gnutls-crl');
    await revokeCertificate(
      h.services.store,
      { issuerId: leaf.issued.record.issuerId, serial: leaf.issued.record.serial },
      'affiliationChanged',
      { actor: 'test', now: new Date() },
    );
    const served = await fetchCrlPem();
    const derFile = served.pem.replace(/\.pem$/, '.der');
    writeFileSync(derFile, served.der);
    const crl = parseCrl(served.der);
    const info = await runTool('certtool', ['--crl-info', '--inder', '--infile', derFile]);
    assert.equal(info.code, 0, info.output);
    assert.match(info.output, new RegExp(`Revoked certificates \\(${crl.revokedCertificates.length}\\)`));
    assert.match(info.output, new RegExp(`Serial Number \\(hex\\): ${leaf.issued.record.serial}`, 'i'));
    assert.match(info.output, new RegExp(`CRL Number \\(not critical\\): (00)?0?${crl.crlNumber!.toString(16)}\\n`, 'i'));
    // OpenSSL reads the same number of entries and the same serial.
    const openssl = await runTool('openssl', ['crl', '-inform', 'DER', '-in', derFile, '-noout', '-text']);
    assert.equal(openssl.code, 0, openssl.output);
    assert.equal(openssl.output.match(/Serial Number:/g)?.length ?? 0, crl.revokedCertificates.length);
    assert.match(openssl.output, new RegExp(`Serial Number: ${leaf.issued.record.serial}`, 'i'));
    // --verify-crl checks the CRL's signature against the issuing CA; another CA's certificate fails.
    const verified = await runTool('certtool', ['--verify-crl', '--load-ca-certificate', h.intermediatePem, '--infile', served.pem]);
    assert.equal(verified.code, 0, verified.output);
    assert.match(verified.output, /Verification output: Verified/);
    const wrong = await runTool('certtool', ['--verify-crl', '--load-ca-certificate', h.rootPem, '--infile', served.pem]);
    assert.notEqual(wrong.code, 0, wrong.output);
  },
);

test(
  'GnuTLS ocsptool --ask gets good, then revoked, from the running responder, as openssl ocsp does',
  { skip: !hasGnutls && 'GnuTLS certtool/ocsptool are not installed' },
  async () => {
    const leaf = await h.issue('gnutls-ocsp');
    const ask = () =>
      runTool('ocsptool', [
        '--ask=' + h.services.ocspUrl,
        '--load-cert',
        leaf.certPem,
        '--load-issuer',
        h.intermediatePem,
        '--load-trust',
        h.intermediatePem,
        '--nonce',
      ]);
    const good = await ask();
    assert.equal(good.code, 0, good.output);
    assert.match(good.output, /Certificate Status: good/);
    assert.match(good.output, /Verifying OCSP Response: Success/);
    assert.match((await opensslOcsp(leaf.certPem)).output, /: good/);
    await revokeCertificate(
      h.services.store,
      { issuerId: leaf.issued.record.issuerId, serial: leaf.issued.record.serial },
      'keyCompromise',
      { actor: 'test', now: new Date() },
    );
    const revoked = await ask();
    assert.match(revoked.output, /Certificate Status: revoked/);
    assert.match(revoked.output, /Verifying OCSP Response: Success/);
    assert.match((await opensslOcsp(leaf.certPem)).output, /: revoked/);
  },
);
