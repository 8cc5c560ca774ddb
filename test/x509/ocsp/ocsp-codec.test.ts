import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { der } from '../../../src/asn1/index.js';
import { SymbolonError } from '../../../src/errors.js';
import { createSigner } from '../../../src/keys/signer.js';
import { buildSelfSignedCertificate } from '../../../src/x509/certificate-builder.js';
import { parseCertificate } from '../../../src/x509/certificate.js';
import { encodeName, parseName } from '../../../src/x509/name.js';
import { OID } from '../../../src/x509/oids.js';
import {
  MAX_OCSP_REQUEST_BYTES,
  OCSP_OID,
  buildOcspRequest,
  buildOcspResponse,
  certIdFor,
  encodeCertId,
  encodeSingleResponse,
  issuerHashes,
  ocspErrorResponse,
  ocspResponderIdentity,
  parseOcspRequest,
  parseOcspResponse,
  verifyOcspResponseSignature,
} from '../../../src/x509/ocsp/index.js';
import type { CertStatus } from '../../../src/x509/ocsp/index.js';

const NAME_HASH = createHash('sha1').update('issuer name').digest();
const KEY_HASH = createHash('sha1').update('issuer key').digest();

function certIdDer(options: { hashOid?: string; params?: boolean; nameHash?: Buffer; keyHash?: Buffer; serial?: Buffer } = {}): Buffer {
  const algorithm =
    options.params === false
      ? der.sequence(der.oid(options.hashOid ?? OID.sha1))
      : der.sequence(der.oid(options.hashOid ?? OID.sha1), der.nullValue());
  return der.sequence(
    algorithm,
    der.octetString(options.nameHash ?? NAME_HASH),
    der.octetString(options.keyHash ?? KEY_HASH),
    options.serial ?? der.integer(0x1234),
  );
}

function nonceExtension(content: Buffer): Buffer {
  return der.sequence(der.oid(OCSP_OID.nonce), der.octetString(content));
}

interface RequestParts {
  readonly version?: Buffer;
  readonly requestorName?: Buffer;
  readonly requests?: readonly Buffer[];
  readonly extensions?: readonly Buffer[];
  readonly signature?: Buffer;
}

function request(parts: RequestParts = {}): Buffer {
  const tbs: Buffer[] = [];
  if (parts.version !== undefined) tbs.push(der.explicit(0, parts.version));
  if (parts.requestorName !== undefined) tbs.push(der.explicit(1, parts.requestorName));
  tbs.push(der.sequenceOf((parts.requests ?? [certIdDer()]).map((id) => der.sequence(id))));
  if (parts.extensions !== undefined) tbs.push(der.explicit(2, der.sequenceOf(parts.extensions)));
  const outer: Buffer[] = [der.sequenceOf(tbs)];
  if (parts.signature !== undefined) outer.push(der.explicit(0, parts.signature));
  return der.sequenceOf(outer);
}

function expectCode(code: string, action: () => unknown): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof SymbolonError, `not a SymbolonError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

test('parses a minimal request: CertID fields, serial as hex, no nonce', () => {
  const parsed = parseOcspRequest(request());
  assert.equal(parsed.requests.length, 1);
  const { certId } = parsed.requests[0]!;
  assert.equal(certId.hashAlgorithm, 'sha1');
  assert.ok(certId.issuerNameHash.equals(NAME_HASH));
  assert.ok(certId.issuerKeyHash.equals(KEY_HASH));
  assert.equal(certId.serialNumber, '1234');
  assert.ok(certId.der.equals(certIdDer()));
  assert.equal(parsed.nonce, undefined);
  assert.equal(parsed.isSigned, false);
  assert.ok(Object.isFrozen(parsed));
});

test('reads several requests, an explicit v1, a requestor name, a nonce and a signature', () => {
  const sha256 = certIdDer({
    hashOid: OID.sha256,
    params: false,
    nameHash: Buffer.alloc(32, 1),
    keyHash: Buffer.alloc(32, 2),
    serial: der.integer(0x80n),
  });
  const signature = der.sequence(
    der.sequence(der.oid(OID.ecdsaWithSha256)),
    der.bitString(Buffer.alloc(8, 9)),
    der.explicit(0, der.sequence(der.sequence(der.integer(1)))),
  );
  const parsed = parseOcspRequest(
    request({
      version: der.integer(0),
      requestorName: der.contextPrimitive(1, Buffer.from('ops@example.com')),
      requests: [certIdDer(), sha256],
      extensions: [nonceExtension(der.octetString(Buffer.alloc(32, 7)))],
      signature,
    }),
  );
  assert.equal(parsed.requests.length, 2);
  assert.equal(parsed.requests[1]!.certId.hashAlgorithm, 'sha256');
  assert.equal(parsed.requests[1]!.certId.serialNumber, '80');
  assert.deepEqual(parsed.requestorName, { type: 'email', value: 'ops@example.com' });
  assert.ok(parsed.nonce?.equals(Buffer.alloc(32, 7)));
  assert.equal(parsed.isSigned, true);
  assert.equal(parsed.signatureAlgorithmOid, OID.ecdsaWithSha256);
});

test('refuses each class of bad request with its typed code', () => {
  const good = request({ extensions: [nonceExtension(der.octetString(Buffer.alloc(16, 1)))] });
  const cases: [string, string, Uint8Array][] = [
    ['truncated', 'OCSP_MALFORMED_REQUEST', good.subarray(0, good.length - 3)],
    ['empty', 'OCSP_MALFORMED_REQUEST', Buffer.alloc(0)],
    ['garbage', 'OCSP_MALFORMED_REQUEST', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['trailing bytes', 'OCSP_MALFORMED_REQUEST', Buffer.concat([good, Buffer.from([0])])],
    ['oversize', 'OCSP_REQUEST_TOO_LARGE', Buffer.alloc(MAX_OCSP_REQUEST_BYTES + 1, 0x30)],
    ['version 2', 'OCSP_UNSUPPORTED_VERSION', request({ version: der.integer(1) })],
    [
      'SHA-384 CertID',
      'OCSP_UNSUPPORTED_HASH',
      request({ requests: [certIdDer({ hashOid: OID.sha384, nameHash: Buffer.alloc(48), keyHash: Buffer.alloc(48) })] }),
    ],
    [
      'MD5 CertID',
      'OCSP_UNSUPPORTED_HASH',
      request({ requests: [certIdDer({ hashOid: '1.2.840.113549.2.5', nameHash: Buffer.alloc(16), keyHash: Buffer.alloc(16) })] }),
    ],
    ['empty nonce', 'OCSP_BAD_NONCE', request({ extensions: [nonceExtension(der.octetString(Buffer.alloc(0)))] })],
    ['33-octet nonce', 'OCSP_BAD_NONCE', request({ extensions: [nonceExtension(der.octetString(Buffer.alloc(33, 1)))] })],
    ['raw nonce without its OCTET STRING', 'OCSP_BAD_NONCE', request({ extensions: [nonceExtension(Buffer.alloc(16, 0x41))] })],
    ['hash of the wrong length', 'OCSP_MALFORMED_REQUEST', request({ requests: [certIdDer({ nameHash: Buffer.alloc(32) })] })],
    [
      'hash parameters not NULL',
      'OCSP_MALFORMED_REQUEST',
      request({
        requests: [
          der.sequence(
            der.sequence(der.oid(OID.sha1), der.integer(0)),
            der.octetString(NAME_HASH),
            der.octetString(KEY_HASH),
            der.integer(1),
          ),
        ],
      }),
    ],
    ['no requests', 'OCSP_MALFORMED_REQUEST', request({ requests: [] })],
    ['non-minimal serial', 'OCSP_MALFORMED_REQUEST', request({ requests: [certIdDer({ serial: Buffer.from([2, 2, 0, 1]) })] })],
    [
      'duplicate extension',
      'OCSP_MALFORMED_REQUEST',
      request({ extensions: [nonceExtension(der.octetString(Buffer.alloc(8))), nonceExtension(der.octetString(Buffer.alloc(8)))] }),
    ],
    ['empty extensions', 'OCSP_MALFORMED_REQUEST', request({ extensions: [] })],
    ['bad requestor name', 'OCSP_MALFORMED_REQUEST', request({ requestorName: der.contextPrimitive(7, Buffer.from([1, 2, 3])) })],
    [
      'signature without its BIT STRING',
      'OCSP_MALFORMED_REQUEST',
      request({ signature: der.sequence(der.sequence(der.oid(OID.ecdsaWithSha256))) }),
    ],
    ['indefinite length', 'OCSP_MALFORMED_REQUEST', Buffer.from([0x30, 0x80, 0x30, 0x00, 0x00, 0x00])],
    [
      'a v1 certificate instead',
      'OCSP_MALFORMED_REQUEST',
      der.sequence(
        der.sequence(der.integer(5), der.sequence(der.oid(OID.ecdsaWithSha256))),
        der.sequence(der.oid(OID.ecdsaWithSha256)),
        der.bitString(Buffer.alloc(4)),
      ),
    ],
  ];
  for (const [name, code, input] of cases) {
    try {
      parseOcspRequest(input);
      assert.fail(`${name}: parsed`);
    } catch (error) {
      assert.ok(error instanceof SymbolonError, `${name}: ${String(error)}`);
      assert.equal(error.code, code, `${name}: ${error.message}`);
    }
  }
});

test('builds a request with a nonce that parses back, and refuses bad nonces', () => {
  const certId = encodeCertId({ hashAlgorithm: 'sha1', issuerNameHash: NAME_HASH, issuerKeyHash: KEY_HASH }, Buffer.from([0x12, 0x34]));
  assert.ok(certId.der.equals(certIdDer()));
  const parsed = parseOcspRequest(buildOcspRequest({ certIds: [certId], nonce: Buffer.alloc(1, 5) }));
  assert.ok(parsed.nonce?.equals(Buffer.alloc(1, 5)));
  expectCode('OCSP_BAD_NONCE', () => buildOcspRequest({ certIds: [certId], nonce: Buffer.alloc(33) }));
  expectCode('OCSP_BAD_NONCE', () => buildOcspRequest({ certIds: [certId], nonce: Buffer.alloc(0) }));
  expectCode('OCSP_INVALID_INPUT', () => buildOcspRequest({ certIds: [] }));
  expectCode('OCSP_INVALID_INPUT', () =>
    encodeCertId({ hashAlgorithm: 'sha256', issuerNameHash: NAME_HASH, issuerKeyHash: KEY_HASH }, Buffer.from([1])),
  );
});

async function responderFixture() {
  const signer = createSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const other = createSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const notBefore = new Date('2025-01-01T00:00:00Z');
  const notAfter = new Date('2026-01-01T00:00:00Z');
  const certificate = await buildSelfSignedCertificate(
    {
      serialNumber: 7n,
      subject: encodeName(parseName('/CN=Responder')),
      notBefore,
      notAfter,
      basicConstraints: { isCa: true },
      keyUsage: ['keyCertSign', 'digitalSignature'],
    },
    signer,
  );
  return { signer, other, certificate, parsed: parseCertificate(certificate) };
}

test('certIdFor hashes the issuer name and key bits, and refuses a certificate of another issuer', async () => {
  const { certificate, parsed } = await responderFixture();
  const certId = certIdFor(parsed, parsed, 'sha256');
  assert.ok(certId.issuerNameHash.equals(createHash('sha256').update(parsed.subjectDer).digest()));
  assert.ok(certId.issuerKeyHash.equals(issuerHashes(parsed, 'sha256').issuerKeyHash));
  assert.equal(certId.serialNumber, '07');
  // RFC 6960 4.1.1: the key hash covers the BIT STRING value without the unused-bits octet.
  const keyBits = parsed.spki.subarray(parsed.spki.length - 65);
  assert.ok(certIdFor(parsed, parsed).issuerKeyHash.equals(createHash('sha1').update(keyBits).digest()));
  const other = await responderFixture();
  expectCode('OCSP_INVALID_INPUT', () =>
    certIdFor(parsed, { ...other.parsed, subjectDer: Buffer.from(encodeName(parseName('/CN=Someone else'))) }),
  );
  assert.ok(certificate.length > 0);
});

test('builds responses from templates or cached SingleResponses, byte for byte the same', async () => {
  const { signer, certificate } = await responderFixture();
  const identity = ocspResponderIdentity(signer, [certificate]);
  const single = {
    certId: { der: certIdDer() },
    certStatus: { status: 'unknown' } as CertStatus,
    thisUpdate: new Date('2025-06-01T00:00:00Z'),
    nextUpdate: new Date('2025-06-02T00:00:00Z'),
  };
  const cached = encodeSingleResponse(single);
  const producedAt = new Date('2025-06-01T00:00:01Z');
  const fromTemplate = parseOcspResponse(await buildOcspResponse(identity, { producedAt, responses: [single] })).basic!;
  const fromCache = parseOcspResponse(await buildOcspResponse(identity, { producedAt, responses: [cached] })).basic!;
  assert.ok(fromTemplate.tbsResponseData.equals(fromCache.tbsResponseData));
  assert.deepEqual(fromCache.responses[0]!.certStatus, { status: 'unknown' });
  assert.equal(fromCache.responses[0]!.nextUpdate?.toISOString(), '2025-06-02T00:00:00.000Z');
  assert.equal(fromCache.nonce, undefined);
  assert.equal(verifyOcspResponseSignature(fromCache, signer.publicKey), true);
  // A CA signing its own responses sends no certs.
  assert.equal(
    parseOcspResponse(await buildOcspResponse(ocspResponderIdentity(signer), { producedAt, responses: [cached] })).basic!.certificates
      .length,
    0,
  );
});

test('refuses response templates that cannot be encoded, with typed codes', async () => {
  const { signer, other, certificate } = await responderFixture();
  expectCode('OCSP_INVALID_INPUT', () => ocspResponderIdentity(other, [certificate]));
  expectCode('OCSP_INVALID_INPUT', () => ocspResponderIdentity(signer, [Buffer.from([0x30, 0x00])]));
  const identity = ocspResponderIdentity(signer, [certificate]);
  const at = new Date('2025-06-01T00:00:00Z');
  const base = { certId: { der: certIdDer() }, certStatus: { status: 'good' } as CertStatus, thisUpdate: at };
  const reject = (code: string, template: Parameters<typeof buildOcspResponse>[1]) =>
    assert.rejects(buildOcspResponse(identity, template), (error: unknown) => error instanceof SymbolonError && error.code === code);
  await reject('OCSP_INVALID_INPUT', { producedAt: at, responses: [] });
  await reject('OCSP_INVALID_INPUT', { producedAt: at, responses: [{ ...base, nextUpdate: new Date(at.getTime() - 1000) }] });
  await reject('OCSP_INVALID_INPUT', { producedAt: at, responses: [{ ...base, certStatus: { status: 'lost' } as unknown as CertStatus }] });
  await reject('OCSP_INVALID_INPUT', {
    producedAt: at,
    responses: [{ ...base, certStatus: { status: 'revoked', revocationTime: at, revocationReason: 'stolen' } as unknown as CertStatus }],
  });
  await reject('OCSP_INVALID_INPUT', { producedAt: new Date(Number.NaN), responses: [base] });
  await reject('OCSP_INVALID_INPUT', { producedAt: at, responses: [{ ...base, certId: Buffer.from([1, 2, 3]) }] });
  await reject('OCSP_BAD_NONCE', { producedAt: at, responses: [base], nonce: Buffer.alloc(40) });
  expectCode('OCSP_INVALID_INPUT', () => ocspErrorResponse('successful' as 'tryLater'));
});

test('the response parser refuses malformed responses with OCSP_MALFORMED_RESPONSE', () => {
  const cases: [string, Uint8Array][] = [
    ['garbage', Buffer.from('not ocsp')],
    ['empty', Buffer.alloc(0)],
    ['unknown status', der.sequence(der.enumerated(4))],
    [
      'error with responseBytes',
      der.sequence(der.enumerated(1), der.explicit(0, der.sequence(der.oid(OCSP_OID.basicResponse), der.octetString(Buffer.alloc(0))))),
    ],
    ['successful without responseBytes', der.sequence(der.enumerated(0))],
    [
      'another response type',
      der.sequence(der.enumerated(0), der.explicit(0, der.sequence(der.oid('1.2.3.4'), der.octetString(der.sequence())))),
    ],
    [
      'basic response garbage',
      der.sequence(der.enumerated(0), der.explicit(0, der.sequence(der.oid(OCSP_OID.basicResponse), der.octetString(Buffer.from([1, 2]))))),
    ],
  ];
  for (const [name, input] of cases) {
    try {
      parseOcspResponse(input);
      assert.fail(`${name}: parsed`);
    } catch (error) {
      assert.ok(error instanceof SymbolonError, `${name}: ${String(error)}`);
      assert.equal(error.code, 'OCSP_MALFORMED_RESPONSE', `${name}: ${error.message}`);
    }
  }
});
