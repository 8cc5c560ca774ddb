import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSigner } from '../../../src/keys/index.js';
import type { Signer } from '../../../src/keys/index.js';
import { buildCertificate, buildSelfSignedCertificate } from '../../../src/x509/certificate-builder.js';
import { parseCertificate } from '../../../src/x509/certificate.js';
import type { Certificate } from '../../../src/x509/certificate.js';
import type { RevocationReason } from '../../../src/x509/index.js';
import { keyIdentifier } from '../../../src/x509/extensions/encoding-key-ids.js';
import { encodeName, parseName } from '../../../src/x509/name.js';
import { toPem } from '../../../src/asn1/pem.js';
import {
  buildOcspRequest,
  buildOcspResponse,
  certIdFor,
  issuerHashes,
  ocspErrorResponse,
  ocspResponderIdentity,
  parseOcspRequest,
  parseOcspResponse,
  verifyOcspResponseSignature,
} from '../../../src/x509/ocsp/index.js';
import type { CertStatus, OcspErrorStatus, OcspRequest, OcspResponderIdentity } from '../../../src/x509/ocsp/index.js';
import { hasCommand, makeTempDir, run } from '../openssl-interop-build-tools.js';

const hasOpenssl = hasCommand('openssl');
const skip = !hasOpenssl && 'openssl is not installed';
const dir = makeTempDir('symbolon-ocsp-');
after(() => dir.remove());

interface Party {
  readonly signer: Signer;
  readonly spki: Buffer;
  readonly keyId: Buffer;
  readonly name: Buffer;
}

function party(subject: string): Party {
  const signer = createSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  return { signer, spki, keyId: keyIdentifier(spki), name: encodeName(parseName(subject)) };
}

// OpenSSL checks certificates and responses against its own clock.
const NOW = new Date();
const DAY_MS = 86_400_000;
const NOT_BEFORE = new Date(NOW.getTime() - DAY_MS);
const NOT_AFTER = new Date(NOW.getTime() + 90 * DAY_MS);

const root = party('/CN=OCSP Test Root');
const intermediate = party('/CN=OCSP Test Intermediate');
const responder = party('/CN=OCSP Test Responder');
const goodLeaf = party('/CN=good.example.com');
const revokedLeaf = party('/CN=revoked.example.com');

const files = { root: '', intermediate: '', responder: '', good: '', revoked: '' };
const certs = {} as { intermediate: Certificate; responder: Certificate; good: Certificate; revoked: Certificate };
let identity: OcspResponderIdentity;
const REVOKED_AT = new Date('2025-02-03T04:05:06Z');

function write(name: string, content: string | Buffer): string {
  const path = join(dir.path, name);
  writeFileSync(path, content);
  return path;
}

before(async () => {
  const rootDer = await buildSelfSignedCertificate(
    {
      serialNumber: 1n,
      subject: root.name,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      basicConstraints: { isCa: true },
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    root.signer,
  );
  const issue = (issuer: Party, subject: Party, serialNumber: bigint, fields: object): Promise<Buffer> =>
    buildCertificate(
      {
        serialNumber,
        issuer: issuer.name,
        subject: subject.name,
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
        subjectPublicKey: subject.spki,
        authorityKeyIdentifier: issuer.keyId,
        ...fields,
      },
      issuer.signer,
    );
  const intermediateDer = await issue(root, intermediate, 2n, {
    basicConstraints: { isCa: true, pathLenConstraint: 0 },
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
  // RFC 6960 4.2.2.2: a delegated responder holds id-kp-OCSPSigning from the CA; 4.2.2.2.1 ocspNoCheck.
  const responderDer = await issue(intermediate, responder, 0x0c5fn, {
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['ocspSigning'],
    ocspNoCheck: true,
  });
  const goodDer = await issue(intermediate, goodLeaf, 0x600dn, { keyUsage: ['digitalSignature'], extKeyUsage: ['clientAuth'] });
  const revokedDer = await issue(intermediate, revokedLeaf, 0x7e40_0bedn, { keyUsage: ['digitalSignature'], extKeyUsage: ['clientAuth'] });
  files.root = write('root.pem', toPem('CERTIFICATE', rootDer));
  files.intermediate = write('intermediate.pem', toPem('CERTIFICATE', intermediateDer));
  files.responder = write('responder.pem', toPem('CERTIFICATE', responderDer));
  files.good = write('good.pem', toPem('CERTIFICATE', goodDer));
  files.revoked = write('revoked.pem', toPem('CERTIFICATE', revokedDer));
  certs.intermediate = parseCertificate(intermediateDer);
  certs.responder = parseCertificate(responderDer);
  certs.good = parseCertificate(goodDer);
  certs.revoked = parseCertificate(revokedDer);
  identity = ocspResponderIdentity(responder.signer, [responderDer]);
});

const REVOKED: ReadonlyMap<string, RevocationReason> = new Map([['7e400bed', 'keyCompromise']]);

interface AnswerOptions {
  /** Echo this nonce instead of the request's. */
  readonly nonce?: Buffer;
}

/** What a responder does: match each CertID to the issuer, look the serial up, sign. */
function answer(request: OcspRequest, options: AnswerOptions = {}): Promise<Buffer> {
  const responses = request.requests.map(({ certId }) => {
    const hashes = issuerHashes(certs.intermediate, certId.hashAlgorithm);
    const isOurs = hashes.issuerNameHash.equals(certId.issuerNameHash) && hashes.issuerKeyHash.equals(certId.issuerKeyHash);
    const reason = REVOKED.get(certId.serialNumber);
    const certStatus: CertStatus = !isOurs
      ? { status: 'unknown' }
      : reason === undefined
        ? { status: 'good' }
        : { status: 'revoked', revocationTime: REVOKED_AT, revocationReason: reason };
    return { certId, certStatus, thisUpdate: new Date(NOW.getTime() - 60_000), nextUpdate: new Date(NOW.getTime() + DAY_MS) };
  });
  const nonce = options.nonce ?? request.nonce;
  return buildOcspResponse(identity, { producedAt: NOW, responses, ...(nonce === undefined ? {} : { nonce }) });
}

let requestCount = 0;
/** An OCSP request made by `openssl ocsp`, parsed. */
function opensslRequest(certFiles: readonly string[], args: readonly string[] = []): OcspRequest {
  const out = join(dir.path, `req-${requestCount++}.der`);
  const result = run('openssl', [
    'ocsp',
    '-issuer',
    files.intermediate,
    ...args,
    ...certFiles.flatMap((file) => ['-cert', file]),
    '-reqout',
    out,
  ]);
  assert.equal(result.status, 0, result.stderr);
  return parseOcspRequest(readFileSync(out));
}

/** `openssl ocsp -respin` with our response; returns what it printed. */
function opensslCheck(response: Buffer, args: readonly string[]): { status: number | null; output: string } {
  const respin = write(`resp-${requestCount++}.der`, response);
  const result = run('openssl', ['ocsp', '-respin', respin, ...args]);
  return { status: result.status, output: result.stdout + result.stderr };
}

function statusArgs(certFile: string, extra: readonly string[] = []): string[] {
  return [
    '-issuer',
    files.intermediate,
    '-cert',
    certFile,
    '-CAfile',
    files.root,
    '-verify_other',
    files.intermediate,
    '-no_nonce',
    ...extra,
  ];
}

test('parses a SHA-1 request made by openssl ocsp, with its nonce', { skip }, () => {
  const request = opensslRequest([files.good]);
  assert.equal(request.requests.length, 1);
  const { certId } = request.requests[0]!;
  assert.equal(certId.hashAlgorithm, 'sha1');
  assert.equal(certId.serialNumber, '600d');
  assert.ok(certId.der.equals(certIdFor(certs.good, certs.intermediate).der));
  assert.equal(request.nonce?.length, 16);
  assert.equal(request.isSigned, false);
});

test('parses SHA-256, no-nonce and several-certificate requests made by openssl ocsp', { skip }, () => {
  const sha256 = opensslRequest([files.good], ['-sha256', '-no_nonce']);
  assert.equal(sha256.requests[0]!.certId.hashAlgorithm, 'sha256');
  assert.ok(sha256.requests[0]!.certId.der.equals(certIdFor(certs.good, certs.intermediate, 'sha256').der));
  assert.equal(sha256.nonce, undefined);
  const several = opensslRequest([files.good, files.revoked]);
  assert.deepEqual(
    several.requests.map((r) => r.certId.serialNumber),
    ['600d', '7e400bed'],
  );
  // Our own request builder writes the same bytes OpenSSL does, less the random nonce.
  const ours = buildOcspRequest({ certIds: [certIdFor(certs.good, certs.intermediate, 'sha256')] });
  assert.ok(ours.equals(sha256.der));
});

test('openssl verifies our response through the delegated responder and reports good', { skip }, async () => {
  const response = await answer(opensslRequest([files.good], ['-no_nonce']));
  const result = opensslCheck(response, statusArgs(files.good));
  assert.equal(result.status, 0, result.output);
  assert.match(result.output, /Response verify OK/);
  assert.match(result.output, /good\.pem: good/);
});

test('openssl reports a revoked certificate with its time and reason', { skip }, async () => {
  const response = await answer(opensslRequest([files.revoked], ['-no_nonce']));
  const result = opensslCheck(response, statusArgs(files.revoked));
  assert.equal(result.status, 0, result.output);
  assert.match(result.output, /Response verify OK/);
  assert.match(result.output, /revoked\.pem: revoked/);
  assert.match(result.output, /Reason: keyCompromise/);
  assert.match(result.output, /Revocation Time: Feb {2}3 04:05:06 2025 GMT/);
});

test('openssl accepts SHA-256 CertIDs and the responder trusted with -VAfile', { skip }, async () => {
  const response = await answer(opensslRequest([files.good], ['-sha256', '-no_nonce']));
  const result = opensslCheck(response, [
    '-issuer',
    files.intermediate,
    '-sha256',
    '-cert',
    files.good,
    '-VAfile',
    files.responder,
    '-no_nonce',
  ]);
  assert.equal(result.status, 0, result.output);
  assert.match(result.output, /Response verify OK/);
  assert.match(result.output, /good\.pem: good/);
});

test('openssl checks the echoed nonce, and catches a wrong one', { skip }, async () => {
  const request = opensslRequest([files.good]);
  const requestFile = write(`req-${requestCount++}.der`, request.der);
  const args = ['-reqin', requestFile, '-CAfile', files.root, '-verify_other', files.intermediate];
  const echoed = opensslCheck(await answer(request), args);
  assert.equal(echoed.status, 0, echoed.output);
  assert.match(echoed.output, /Response verify OK/);
  assert.doesNotMatch(echoed.output, /nonce/i);
  const wrong = opensslCheck(await answer(request, { nonce: randomBytes(16) }), args);
  assert.match(wrong.output, /Nonce Verify error/);
  const missing = await buildOcspResponse(identity, {
    producedAt: NOW,
    responses: [{ certId: request.requests[0]!.certId, certStatus: { status: 'good' }, thisUpdate: NOW }],
  });
  assert.match(opensslCheck(missing, args).output, /WARNING: no nonce in response/);
});

test('our parser reads back the response it built, and its signature verifies', async () => {
  const certId = certIdFor(certs.revoked, certs.intermediate);
  const nonce = randomBytes(32);
  const request = parseOcspRequest(buildOcspRequest({ certIds: [certId, certIdFor(certs.good, certs.intermediate, 'sha256')], nonce }));
  assert.ok(request.nonce?.equals(nonce));
  const parsed = parseOcspResponse(await answer(request));
  assert.equal(parsed.status, 'successful');
  const basic = parsed.basic!;
  assert.deepEqual(basic.responderId, { type: 'byKey', keyHash: keyIdentifier(responder.spki) });
  assert.equal(basic.producedAt.getTime(), Math.floor(NOW.getTime() / 1000) * 1000);
  assert.ok(basic.nonce?.equals(nonce));
  assert.equal(basic.responses.length, 2);
  assert.deepEqual(basic.responses[0]!.certStatus, { status: 'revoked', revocationTime: REVOKED_AT, revocationReason: 'keyCompromise' });
  assert.ok(basic.responses[0]!.certId.der.equals(certId.der));
  assert.deepEqual(basic.responses[1]!.certStatus, { status: 'good' });
  assert.equal(basic.responses[1]!.certId.hashAlgorithm, 'sha256');
  assert.equal(basic.certificates.length, 1);
  assert.ok(basic.certificates[0]!.equals(certs.responder.der));
  assert.equal(verifyOcspResponseSignature(basic, responder.signer.publicKey), true);
  assert.equal(verifyOcspResponseSignature(basic, intermediate.signer.publicKey), false);
});

test('the unsigned error responses are the five-octet forms openssl reads', { skip }, () => {
  const statuses: Record<OcspErrorStatus, number> = { malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 };
  for (const [status, code] of Object.entries(statuses) as [OcspErrorStatus, number][]) {
    const bytes = ocspErrorResponse(status);
    assert.equal(bytes.toString('hex'), `30030a010${code}`);
    assert.equal(parseOcspResponse(bytes).status, status);
    assert.equal(parseOcspResponse(bytes).basic, undefined);
    const result = opensslCheck(bytes, ['-resp_text', '-noverify']);
    assert.match(result.output, new RegExp(`Responder Error: ${status} \\(${code}\\)`, 'i'));
  }
});

test(
  'GnuTLS ocsptool reads our response and verifies it with the responder certificate',
  { skip: !hasCommand('ocsptool') && 'ocsptool is not installed' },
  async () => {
    const response = await answer(
      parseOcspRequest(buildOcspRequest({ certIds: [certIdFor(certs.revoked, certs.intermediate)], nonce: randomBytes(32) })),
    );
    const file = write(`resp-${requestCount++}.der`, response);
    const info = run('ocsptool', ['--response-info', '--infile', file]);
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /Certificate Status: revoked/);
    const verified = run('ocsptool', ['--verify-response', '--infile', file, '--load-signer', files.responder]);
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /Verifying OCSP Response: Success/);
  },
);
