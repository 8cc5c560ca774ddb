import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { der } from '../../src/asn1/index.js';
import { SymbolonError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { MAX_CSR_BYTES, parseCsr, verifyCsr } from '../../src/x509/csr/csr.js';
import { OID } from '../../src/x509/oids.js';
import { toPem } from '../../src/asn1/pem.js';
import { extension, makeCertificate, name, spkiOf } from './certificate-parser-fixtures.js';
import { attribute, defaultRequestedExtensions, extensionRequest, infoOf, makeCsr, requesterKeys } from './csr-parser-fixtures.js';

function codeOf(run: () => unknown): ErrorCode | 'no error' {
  try {
    run();
    return 'no error';
  } catch (error) {
    if (error instanceof SymbolonError) return error.code;
    throw error;
  }
}

function assertCode(run: () => unknown, code: ErrorCode): void {
  assert.equal(codeOf(run), code);
}

const valid = makeCsr();

test('parses a crafted CSR into typed, frozen fields and checks its signature', () => {
  const csr = parseCsr(valid);
  assert.equal(csr.version, 1);
  assert.deepEqual(csr.subject, [
    [{ type: OID.organizationName, value: 'Symbolon Test' }],
    [{ type: OID.commonName, value: 'csr.example.com' }],
  ]);
  assert.deepEqual(csr.subjectDer, name('/O=Symbolon Test/CN=csr.example.com'));
  assert.deepEqual(csr.spki, spkiOf(requesterKeys.publicKey));
  assert.deepEqual(csr.certificationRequestInfo, infoOf());
  assert.equal(csr.publicKey.curve, 'P-256');
  assert.equal(csr.signatureAlgorithm?.name, 'ecdsa-with-SHA256');
  assert.deepEqual(csr.dnsNames, ['csr.example.com']);
  assert.equal(csr.spiffeId, 'spiffe://example.org/csr');
  assert.deepEqual(csr.extKeyUsage, [OID.clientAuth]);
  assert.equal(csr.extensions.length, 2);
  assert.deepEqual(
    csr.attributes.map((a) => a.oid),
    [OID.extensionRequest],
  );
  assert.equal(csr.challengePassword, undefined);
  for (const value of [csr, csr.subject, csr.attributes, csr.attributes[0], csr.extensions, csr.subjectAltNames, csr.publicKey])
    assert.ok(Object.isFrozen(value));
  verifyCsr(csr);
});

test('reads PEM under both labels, with text and CRLF around', () => {
  const pem = toPem('CERTIFICATE REQUEST', valid);
  assert.deepEqual(parseCsr(pem).der, valid);
  assert.deepEqual(parseCsr(Buffer.from(`note\r\n${pem.replaceAll('\n', '\r\n')}more`)).der, valid);
  assert.deepEqual(parseCsr(toPem('NEW CERTIFICATE REQUEST', valid)).der, valid);
  assertCode(() => parseCsr(toPem('CERTIFICATE', valid)), 'PEM_NOT_FOUND');
  assertCode(() => parseCsr(pem + pem), 'CSR_MALFORMED');
  assertCode(() => parseCsr(pem.replace('-----END CERTIFICATE REQUEST-----\n', '')), 'PEM_UNTERMINATED');
  assertCode(() => parseCsr(pem.replace('MI', 'M!')), 'PEM_BAD_BASE64');
  assertCode(() => parseCsr('x'.repeat(4 * MAX_CSR_BYTES) + pem), 'INPUT_TOO_LARGE');
});

test('refuses a CSR not signed by the key it carries (RFC 2986 3)', () => {
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const forged = makeCsr({ signingKey: other.privateKey });
  assertCode(() => parseCsr(forged), 'CSR_SIGNATURE_INVALID');
  const unchecked = parseCsr(forged, { checkSignature: false });
  assertCode(() => verifyCsr(unchecked), 'CSR_SIGNATURE_INVALID');
  const flipped = Buffer.from(valid);
  flipped[flipped.length - 3]! ^= 0x10;
  assertCode(() => parseCsr(flipped), 'CSR_SIGNATURE_INVALID');
  const edKeys = generateKeyPairSync('ed25519');
  const edInfo = infoOf({ spki: spkiOf(edKeys.publicKey) });
  const ed = der.sequence(edInfo, der.sequence(der.oid(OID.ed25519)), der.bitString(sign(null, edInfo, edKeys.privateKey)));
  assert.equal(parseCsr(ed).publicKey.algorithm, 'ed25519');
  // An EC signature algorithm over an Ed25519 key does not verify.
  assertCode(
    () => parseCsr(der.sequence(edInfo, der.sequence(der.oid(OID.ecdsaWithSha256)), der.bitString(sign(null, edInfo, edKeys.privateKey)))),
    'CSR_SIGNATURE_INVALID',
  );
});

test('an unsupported signature algorithm parses but cannot be verified', () => {
  const sha1Rsa = der.sequence(der.oid(OID.sha1WithRsaEncryption), der.nullValue());
  const csr = parseCsr(makeCsr({ algorithm: sha1Rsa }), { checkSignature: false });
  assert.equal(csr.signatureAlgorithm, undefined);
  assertCode(() => verifyCsr(csr), 'SIG_UNSUPPORTED_ALGORITHM');
  assertCode(() => parseCsr(makeCsr({ algorithm: sha1Rsa })), 'SIG_UNSUPPORTED_ALGORITHM');
  const unknownKey = makeCsr({ spki: der.sequence(der.sequence(der.oid('1.2.3.4.5')), der.bitString(Buffer.from('opaque'))) });
  assertCode(() => parseCsr(unknownKey), 'KEY_UNSUPPORTED_TYPE');
});

test('refuses versions other than v1 (0)', () => {
  assertCode(() => parseCsr(makeCsr({ version: 1 })), 'CSR_UNSUPPORTED_VERSION');
  assertCode(() => parseCsr(makeCsr({ version: -1 })), 'CSR_UNSUPPORTED_VERSION');
});

test('reads attributes: challengePassword, unknown ones raw; refuses malformed ones', () => {
  const password = attribute(OID.challengePassword, der.printableString('s3cret'));
  const unknown = attribute('1.2.3.4', der.utf8String('a'), der.utf8String('b'));
  const csr = parseCsr(makeCsr({ attributes: [password, unknown, extensionRequest(...defaultRequestedExtensions)] }));
  assert.equal(csr.challengePassword, 's3cret');
  assert.deepEqual(
    csr.attributes.map((a) => [a.oid, a.values.length]),
    [
      [OID.challengePassword, 1],
      ['1.2.3.4', 2],
      [OID.extensionRequest, 1],
    ],
  );
  assert.deepEqual(csr.attributes[1]!.values[0], der.utf8String('a'));

  const noExtensions = parseCsr(makeCsr({ attributes: [] }));
  assert.deepEqual([noExtensions.extensions, noExtensions.subjectAltNames, noExtensions.keyUsage], [[], [], undefined]);

  const malformed: (readonly Buffer[] | null)[] = [
    null,
    [attribute(OID.challengePassword, der.printableString('a'), der.printableString('b'))],
    [attribute(OID.challengePassword, der.integer(1))],
    [extensionRequest(), extensionRequest()],
    [attribute(OID.extensionRequest, der.sequence(extension(OID.keyUsage, der.namedBitString([0]))), der.sequence())],
    [attribute(OID.extensionRequest, der.integer(1))],
    [der.sequence(der.oid('1.2.3'), der.set())],
    [der.sequence(der.oid('1.2.3'))],
    [der.sequence(der.oid('1.2.3'), der.sequence(der.nullValue()))],
    [der.integer(1)],
    [extensionRequest(der.sequence(der.oid(OID.keyUsage)))],
  ];
  for (const attributes of malformed) assertCode(() => parseCsr(makeCsr({ attributes })), 'CSR_MALFORMED');
});

test('refuses bad requested extensions with the certificate codes', () => {
  const keyUsage = extension(OID.keyUsage, der.namedBitString([0]));
  assertCode(() => parseCsr(makeCsr({ attributes: [extensionRequest(keyUsage, keyUsage)] })), 'CERT_DUPLICATE_EXTENSION');
  assertCode(
    () => parseCsr(makeCsr({ attributes: [extensionRequest(extension(OID.keyUsage, der.namedBitString([])))] })),
    'CERT_BAD_EXTENSION',
  );
  const csr = parseCsr(
    makeCsr({ attributes: [extensionRequest(keyUsage, extension(OID.basicConstraints, der.sequence(der.boolean(true)), true))] }),
  );
  assert.deepEqual([csr.keyUsage, csr.basicConstraints, csr.extensions[1]?.critical], [['digitalSignature'], { isCa: true }, true]);
});

test('refuses malformed structure as CSR_MALFORMED', () => {
  assertCode(() => parseCsr(makeCsr({ trailingFields: [der.nullValue()] })), 'CSR_MALFORMED');
  assertCode(() => parseCsr(makeCsr({ subject: der.sequence(der.set()) })), 'CERT_BAD_NAME');
  assertCode(
    () =>
      parseCsr(
        makeCsr({
          spki: der.sequence(der.sequence(der.oid(OID.ecPublicKey), der.oid(OID.secp256r1)), der.bitString(Buffer.from([4, 1, 2]))),
        }),
      ),
    'CSR_MALFORMED',
  );
  assertCode(() => parseCsr(makeCsr({ signature: der.bitString(Buffer.from([1, 2]), 1) })), 'CSR_MALFORMED');
  assertCode(() => parseCsr(makeCsr({ algorithm: der.sequence() })), 'CSR_MALFORMED');
  assertCode(() => parseCsr(der.sequence(infoOf(), der.sequence(der.oid(OID.ecdsaWithSha256)))), 'CSR_MALFORMED');
  assertCode(() => parseCsr(makeCsr({ version: 0, subject: der.utf8String('x') })), 'CERT_BAD_NAME');
});

test('refuses bad input of every kind', () => {
  assertCode(() => parseCsr(new Uint8Array(0)), 'ASN1_TRUNCATED');
  for (let length = 1; length < valid.length; length++) {
    const code = codeOf(() => parseCsr(valid.subarray(0, length)));
    assert.ok(code === 'ASN1_TRUNCATED' || code === 'ASN1_BAD_LENGTH', `prefix of ${length} bytes gave ${code}`);
  }
  assertCode(() => parseCsr(Buffer.concat([valid, Buffer.from([0])])), 'ASN1_TRAILING_DATA');
  assertCode(() => parseCsr(Buffer.concat([Buffer.from([0x30, 0x80]), valid.subarray(2), Buffer.from([0, 0])])), 'ASN1_INDEFINITE_LENGTH');
  assertCode(() => parseCsr(Buffer.concat([Buffer.from([0x30, 0x82, 0x00]), valid.subarray(1)])), 'ASN1_BAD_LENGTH');
  assertCode(() => parseCsr(new Uint8Array(MAX_CSR_BYTES + 1)), 'ASN1_TOO_LARGE');
  let nested = der.nullValue();
  for (let i = 0; i < 40; i++) nested = der.sequence(nested);
  assertCode(() => parseCsr(nested), 'ASN1_TOO_DEEP');
  assertCode(() => parseCsr(makeCertificate()), 'CSR_MALFORMED');
  assertCode(() => parseCsr(spkiOf(requesterKeys.publicKey)), 'CSR_MALFORMED');
  assertCode(() => parseCsr(requesterKeys.privateKey.export({ format: 'der', type: 'pkcs8' })), 'CSR_MALFORMED');
  for (let bit = 0; bit < valid.length * 8; bit++) {
    const flipped = Buffer.from(valid);
    flipped[bit >> 3]! ^= 0x80 >> (bit & 7);
    const code = codeOf(() => parseCsr(flipped));
    assert.notEqual(code, 'no error', `bit ${bit} still verified`);
  }
});
