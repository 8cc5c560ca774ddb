import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { der } from '../../src/asn1/index.js';
import { Asn1Error, SymbolonError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { MAX_CERTIFICATE_BYTES, parseCertificate, parseCertificates, verifyCertificateSignature } from '../../src/x509/certificate.js';
import { toPem } from '../../src/asn1/pem.js';
import { OID } from '../../src/x509/oids.js';
import {
  defaultExtensions,
  extension,
  issuerKeys,
  makeCertificate,
  name,
  spkiOf,
  subjectKeys,
  tbsOf,
} from './certificate-parser-fixtures.js';
import { makeCsr } from './csr-parser-fixtures.js';

function codeOf(run: () => unknown): ErrorCode | 'no error' {
  try {
    run();
    return 'no error';
  } catch (error) {
    if (error instanceof SymbolonError) return error.code;
    throw error;
  }
}

function assertCode(run: () => unknown, code: ErrorCode): SymbolonError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SymbolonError, `expected a SymbolonError, got ${String(error)}`);
    assert.equal(error.code, code);
    return error;
  }
  assert.fail(`expected ${code}, but nothing was thrown`);
}

const valid = makeCertificate();

test('parses a crafted v3 certificate into typed, frozen fields', () => {
  const cert = parseCertificate(valid);
  assert.equal(cert.version, 3);
  assert.equal(cert.serialNumber, '1234567890abcdef');
  assert.equal(cert.hasConformingSerialNumber, true);
  assert.equal(cert.signatureAlgorithm?.name, 'ecdsa-with-SHA256');
  assert.equal(cert.signatureAlgorithmOid, OID.ecdsaWithSha256);
  assert.deepEqual(cert.issuer, [
    [{ type: OID.countryName, value: 'US' }],
    [{ type: OID.organizationName, value: 'Symbolon Test' }],
    [{ type: OID.commonName, value: 'Test CA' }],
  ]);
  assert.deepEqual(cert.issuerDer, name('/C=US/O=Symbolon Test/CN=Test CA'));
  assert.deepEqual(cert.subjectDer, name('/O=Symbolon Test/CN=leaf.example.com'));
  assert.equal(cert.notBefore.toISOString(), '2025-01-01T00:00:00.000Z');
  assert.equal(cert.notAfter.toISOString(), '2035-01-01T00:00:00.000Z');
  assert.deepEqual(cert.spki, spkiOf(subjectKeys.publicKey));
  assert.equal(cert.publicKey.algorithm, 'ec');
  assert.equal(cert.publicKey.curve, 'P-256');
  assert.equal(cert.publicKey.bits, 256);
  assert.deepEqual(cert.tbs, tbsOf());
  assert.deepEqual(cert.basicConstraints, { isCa: false });
  assert.deepEqual(cert.keyUsage, ['digitalSignature']);
  assert.deepEqual(cert.dnsNames, ['leaf.example.com']);
  assert.deepEqual(cert.ipAddresses, ['192.0.2.1']);
  assert.equal(cert.spiffeId, undefined);
  assert.equal(cert.extensions.length, 3);
  assert.equal(cert.isSelfIssued, false);
  assert.match(cert.fingerprintSha256, /^[0-9a-f]{64}$/);
  assert.equal(cert.fingerprintSha256Colons.replaceAll(':', '').toLowerCase(), cert.fingerprintSha256);
  for (const value of [
    cert,
    cert.issuer,
    cert.issuer[0],
    cert.issuer[0]![0],
    cert.extensions,
    cert.extensions[0],
    cert.subjectAltNames,
    cert.subjectAltNames[0],
    cert.basicConstraints,
    cert.publicKey,
    cert.notBefore,
  ]) {
    assert.ok(Object.isFrozen(value));
  }
});

test('verifies the signature with the issuer key and not with another', () => {
  const cert = parseCertificate(valid);
  assert.equal(verifyCertificateSignature(cert, issuerKeys.publicKey), true);
  assert.equal(verifyCertificateSignature(cert, subjectKeys.publicKey), false);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.equal(verifyCertificateSignature(cert, rsa.publicKey), false);
  const forged = Buffer.from(valid);
  forged[forged.length - 5]! ^= 0x01;
  assert.equal(verifyCertificateSignature(parseCertificate(forged), issuerKeys.publicKey), false);
});

test('verifies against an issuer certificate', () => {
  const issuer = parseCertificate(
    makeCertificate({ subject: name('/C=US/O=Symbolon Test/CN=Test CA'), spki: spkiOf(issuerKeys.publicKey) }),
  );
  assert.equal(issuer.isSelfIssued, true);
  assert.equal(verifyCertificateSignature(parseCertificate(valid), issuer), true);
});

test('keeps its own copy of the input', () => {
  const input = Buffer.from(valid);
  const cert = parseCertificate(input);
  input.fill(0);
  assert.deepEqual(cert.der, valid);
  assert.equal(cert.serialNumber, '1234567890abcdef');
});

test('refuses empty input', () => {
  assertCode(() => parseCertificate(new Uint8Array(0)), 'ASN1_TRUNCATED');
});

test('refuses every proper prefix of a valid certificate', () => {
  for (let length = 1; length < valid.length; length++) {
    const code = codeOf(() => parseCertificate(valid.subarray(0, length)));
    assert.ok(code === 'ASN1_TRUNCATED' || code === 'ASN1_BAD_LENGTH', `prefix of ${length} bytes gave ${code}`);
  }
});

test('refuses trailing bytes', () => {
  assertCode(() => parseCertificate(Buffer.concat([valid, Buffer.from([0])])), 'ASN1_TRAILING_DATA');
  assertCode(() => parseCertificate(Buffer.concat([valid, valid])), 'ASN1_TRAILING_DATA');
});

test('refuses an indefinite length', () => {
  const body = valid.subarray(4);
  assertCode(() => parseCertificate(Buffer.concat([Buffer.from([0x30, 0x80]), body, Buffer.from([0, 0])])), 'ASN1_INDEFINITE_LENGTH');
});

test('refuses a length that is not minimal', () => {
  assert.equal(valid[1], 0x82);
  const padded = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), valid.subarray(2)]);
  assertCode(() => parseCertificate(padded), 'ASN1_BAD_LENGTH');
  const longForm = der.sequence(der.integer(1));
  assertCode(() => parseCertificate(Buffer.from([0x30, 0x81, 0x03, ...longForm.subarray(2)])), 'ASN1_BAD_LENGTH');
});

test('refuses deep nesting, also inside an extension', () => {
  let nested = der.nullValue();
  for (let i = 0; i < 40; i++) nested = der.sequence(nested);
  assertCode(() => parseCertificate(nested), 'ASN1_TOO_DEEP');
  const deepSan = makeCertificate({ extensions: [extension(OID.subjectAltName, nested)] });
  const error = assertCode(() => parseCertificate(deepSan), 'CERT_BAD_EXTENSION');
  assert.ok(error.cause instanceof Asn1Error);
  assert.equal(error.cause.code, 'ASN1_TOO_DEEP');
});

test('refuses oversize input before reading it', () => {
  assertCode(() => parseCertificate(new Uint8Array(MAX_CERTIFICATE_BYTES + 1)), 'ASN1_TOO_LARGE');
  const huge = makeCertificate({ extensions: [extension('1.2.3.4', Buffer.alloc(MAX_CERTIFICATE_BYTES))] });
  assertCode(() => parseCertificate(huge), 'ASN1_TOO_LARGE');
});

test('refuses things that are not certificates', () => {
  assertCode(() => parseCertificate(makeCsr()), 'CERT_MALFORMED');
  assertCode(() => parseCertificate(spkiOf(subjectKeys.publicKey)), 'CERT_MALFORMED');
  assertCode(() => parseCertificate(subjectKeys.privateKey.export({ format: 'der', type: 'pkcs8' })), 'CERT_MALFORMED');
  assertCode(() => parseCertificate(der.integer(5)), 'CERT_MALFORMED');
  assertCode(() => parseCertificate(der.sequence(der.integer(1), der.integer(2), der.integer(3))), 'CERT_MALFORMED');
  assert.ok(codeOf(() => parseCertificate(Buffer.from(toPem('CERTIFICATE', valid)))).startsWith('ASN1_'));
});

test('a flipped bit anywhere gives a certificate or a SymbolonError', () => {
  for (let bit = 0; bit < valid.length * 8; bit++) {
    const flipped = Buffer.from(valid);
    flipped[bit >> 3]! ^= 0x80 >> (bit & 7);
    try {
      const cert = parseCertificate(flipped);
      if (cert.signatureAlgorithm !== undefined) assert.equal(verifyCertificateSignature(cert, issuerKeys.publicKey), false, `bit ${bit}`);
    } catch (error) {
      assert.ok(error instanceof SymbolonError, `bit ${bit}: ${String(error)}`);
    }
  }
});

test('reads the version: v1 absent or explicit, v2, v3; refuses v4', () => {
  assert.equal(parseCertificate(makeCertificate({ version: null, extensions: null })).version, 1);
  // An explicitly encoded DEFAULT is not DER (X.690 11.5) but unambiguous: accepted.
  assert.equal(parseCertificate(makeCertificate({ version: 0, extensions: null })).version, 1);
  assert.equal(parseCertificate(makeCertificate({ version: 1, extensions: null })).version, 2);
  assertCode(() => parseCertificate(makeCertificate({ version: 3 })), 'CERT_UNSUPPORTED_VERSION');
  assertCode(() => parseCertificate(makeCertificate({ version: -1 })), 'CERT_UNSUPPORTED_VERSION');
});

test('allows extensions in v3 only and unique identifiers in v2 and v3 only', () => {
  assertCode(() => parseCertificate(makeCertificate({ version: null })), 'CERT_MALFORMED');
  assertCode(() => parseCertificate(makeCertificate({ version: 1 })), 'CERT_MALFORMED');
  const uniqueIds = [der.implicit(1, der.bitString(Buffer.from([1, 2]))), der.implicit(2, der.bitString(Buffer.from([3])))];
  assert.equal(parseCertificate(makeCertificate({ version: 1, uniqueIds, extensions: null })).version, 2);
  assert.equal(parseCertificate(makeCertificate({ uniqueIds })).version, 3);
  assertCode(() => parseCertificate(makeCertificate({ version: null, uniqueIds, extensions: null })), 'CERT_MALFORMED');
  assertCode(() => parseCertificate(makeCertificate({ uniqueIds: [...uniqueIds].reverse() })), 'CERT_MALFORMED');
});

test('refuses unknown or misplaced tbsCertificate fields', () => {
  assertCode(() => parseCertificate(makeCertificate({ trailingFields: [der.integer(1)] })), 'CERT_MALFORMED');
  assertCode(
    () => parseCertificate(makeCertificate({ trailingFields: [der.explicit(3, der.sequence(defaultExtensions[0]!))] })),
    'CERT_MALFORMED',
  );
  assertCode(
    () => parseCertificate(makeCertificate({ extensionsField: der.explicit(3, der.sequence(), der.sequence()) })),
    'CERT_MALFORMED',
  );
});

test('refuses a signature algorithm inside tbsCertificate that differs from the outer one', () => {
  const sha384 = der.sequence(der.oid(OID.ecdsaWithSha384));
  assertCode(() => parseCertificate(makeCertificate({ innerAlgorithm: sha384 })), 'CERT_MALFORMED');
  // The same algorithm with other bytes (NULL parameters added) is still a mismatch.
  assertCode(
    () => parseCertificate(makeCertificate({ innerAlgorithm: der.sequence(der.oid(OID.ecdsaWithSha256), der.nullValue()) })),
    'CERT_MALFORMED',
  );
});

test('keeps a certificate signed with an algorithm Symbolon does not run', () => {
  const sha1Rsa = der.sequence(der.oid(OID.sha1WithRsaEncryption), der.nullValue());
  const cert = parseCertificate(makeCertificate({ innerAlgorithm: sha1Rsa, outerAlgorithm: sha1Rsa }));
  assert.equal(cert.signatureAlgorithm, undefined);
  assert.equal(cert.signatureAlgorithmOid, OID.sha1WithRsaEncryption);
  assertCode(() => verifyCertificateSignature(cert, issuerKeys.publicKey), 'SIG_UNSUPPORTED_ALGORITHM');
  const malformedAlgorithm = der.sequence(der.integer(1));
  assertCode(
    () => parseCertificate(makeCertificate({ innerAlgorithm: malformedAlgorithm, outerAlgorithm: malformedAlgorithm })),
    'CERT_MALFORMED',
  );
});

test('keeps non-conforming serial numbers and says so (RFC 5280 4.1.2.2)', () => {
  const cases: [Buffer, string, boolean][] = [
    [der.integer(-1), '-01', false],
    [der.integer(-129), '-81', false],
    [der.integer(0), '00', false],
    [der.integer(1), '01', true],
    [der.unsignedInteger(Buffer.alloc(20, 0xff)), 'ff'.repeat(20), true],
    [der.unsignedInteger(Buffer.alloc(21, 0x11)), '11'.repeat(21), false],
    [der.integer(0x80n), '80', true],
  ];
  for (const [serial, text, isConforming] of cases) {
    const cert = parseCertificate(makeCertificate({ serial }));
    assert.equal(cert.serialNumber, text);
    assert.equal(cert.hasConformingSerialNumber, isConforming, text);
    assert.deepEqual(cert.serialNumberBytes, serial.subarray(2));
  }
  assertCode(() => parseCertificate(makeCertificate({ serial: Buffer.from([0x02, 0x02, 0x00, 0x01]) })), 'CERT_MALFORMED');
  assertCode(() => parseCertificate(makeCertificate({ serial: der.utf8String('1') })), 'CERT_MALFORMED');
});

test('refuses malformed names as CERT_BAD_NAME', () => {
  assertCode(() => parseCertificate(makeCertificate({ subject: der.sequence(der.set()) })), 'CERT_BAD_NAME');
  assertCode(() => parseCertificate(makeCertificate({ issuer: der.set() })), 'CERT_BAD_NAME');
  const badOid = der.sequence(der.set(der.sequence(Buffer.from([0x06, 0x02, 0x80, 0x01]), der.utf8String('x'))));
  assertCode(() => parseCertificate(makeCertificate({ subject: badOid })), 'CERT_BAD_NAME');
});

test('refuses a malformed validity', () => {
  const time = der.utcTime(new Date('2030-01-01T00:00:00Z'));
  assertCode(() => parseCertificate(makeCertificate({ validity: der.sequence(time) })), 'CERT_MALFORMED');
  assertCode(
    () => parseCertificate(makeCertificate({ validity: der.sequence(time, Buffer.from([0x17, 0x0b, ...Buffer.from('3001010000Z')])) })),
    'CERT_MALFORMED',
  );
  assertCode(
    () => parseCertificate(makeCertificate({ validity: der.sequence(time, Buffer.from([0x17, 0x0d, ...Buffer.from('301301000000Z')])) })),
    'CERT_MALFORMED',
  );
  const generalized = parseCertificate(
    makeCertificate({ validity: der.sequence(time, der.generalizedTime(new Date('2051-06-01T00:00:00Z'))) }),
  );
  assert.equal(generalized.notAfter.toISOString(), '2051-06-01T00:00:00.000Z');
});

test('refuses a signature with unused bits or of the wrong type', () => {
  assertCode(() => parseCertificate(makeCertificate({ signature: der.bitString(Buffer.from([1, 2, 4]), 2) })), 'CERT_MALFORMED');
  assertCode(() => parseCertificate(makeCertificate({ signature: der.octetString(Buffer.from([1, 2])) })), 'CERT_MALFORMED');
});

test('reads public keys strictly', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaCert = parseCertificate(makeCertificate({ spki: spkiOf(rsa.publicKey) }));
  assert.deepEqual([rsaCert.publicKey.algorithm, rsaCert.publicKey.bits, rsaCert.publicKey.curve], ['rsa', 2048, undefined]);
  const ed = parseCertificate(makeCertificate({ spki: spkiOf(generateKeyPairSync('ed25519').publicKey) }));
  assert.deepEqual([ed.publicKey.algorithm, ed.publicKey.bits], ['ed25519', undefined]);
  const p384 = parseCertificate(makeCertificate({ spki: spkiOf(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey) }));
  assert.deepEqual([p384.publicKey.curve, p384.publicKey.bits], ['P-384', 384]);
  const k1 = parseCertificate(makeCertificate({ spki: spkiOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey) }));
  assert.equal(k1.publicKey.curve, 'secp256k1');

  // A point that is not on P-256.
  const offCurve = Buffer.from(spkiOf(subjectKeys.publicKey));
  offCurve[offCurve.length - 1]! ^= 0x01;
  assertCode(() => parseCertificate(makeCertificate({ spki: offCurve })), 'CERT_MALFORMED');
  // rsaEncryption without its NULL parameters (RFC 3279 2.3.1).
  const rsaSpki = spkiOf(rsa.publicKey);
  const key = der.bitString(rsaSpki.subarray(rsaSpki.length - 270));
  assertCode(
    () => parseCertificate(makeCertificate({ spki: der.sequence(der.sequence(der.oid(OID.rsaEncryption)), key) })),
    'CERT_MALFORMED',
  );
  // Ed25519 with parameters (RFC 8410 3).
  assertCode(
    () =>
      parseCertificate(
        makeCertificate({ spki: der.sequence(der.sequence(der.oid(OID.ed25519), der.nullValue()), der.bitString(Buffer.alloc(32, 7))) }),
      ),
    'CERT_MALFORMED',
  );
  // EC with explicit curve parameters (RFC 5480 2.1.1).
  assertCode(
    () =>
      parseCertificate(
        makeCertificate({
          spki: der.sequence(der.sequence(der.oid(OID.ecPublicKey), der.sequence(der.integer(1))), der.bitString(Buffer.from([4, 1, 2]))),
        }),
      ),
    'CERT_MALFORMED',
  );
  assertCode(() => parseCertificate(makeCertificate({ spki: der.sequence(der.sequence(der.oid(OID.ecPublicKey))) })), 'CERT_MALFORMED');
  // An algorithm Symbolon does not know is kept, without a key object.
  const unknown = parseCertificate(
    makeCertificate({ spki: der.sequence(der.sequence(der.oid('1.2.3.4.5')), der.bitString(Buffer.from('opaque'))) }),
  );
  assert.deepEqual([unknown.publicKey.algorithm, unknown.publicKey.keyObject], ['1.2.3.4.5', undefined]);
  assertCode(() => verifyCertificateSignature(parseCertificate(valid), unknown), 'KEY_UNSUPPORTED_TYPE');
});

test('refuses a repeated extension and an empty extension list', () => {
  assertCode(
    () => parseCertificate(makeCertificate({ extensions: [...defaultExtensions, defaultExtensions[1]!] })),
    'CERT_DUPLICATE_EXTENSION',
  );
  assertCode(() => parseCertificate(makeCertificate({ extensions: [] })), 'CERT_MALFORMED');
});

test('refuses a malformed Extension frame as CERT_MALFORMED', () => {
  const cases = [
    der.sequence(der.oid(OID.keyUsage)),
    der.sequence(der.oid(OID.keyUsage), der.integer(1), der.octetString(der.nullValue())),
    der.sequence(der.oid(OID.keyUsage), der.nullValue()),
    der.sequence(der.integer(1), der.octetString(der.nullValue())),
    der.sequence(der.oid(OID.keyUsage), der.boolean(true), der.octetString(der.nullValue()), der.nullValue()),
    der.octetString(Buffer.from([1])),
  ];
  for (const bad of cases) assertCode(() => parseCertificate(makeCertificate({ extensions: [bad] })), 'CERT_MALFORMED');
});

test('keeps unknown extensions raw, critical or not, and reads criticality', () => {
  const cert = parseCertificate(
    makeCertificate({
      extensions: [
        extension('1.2.3.4', der.utf8String('x'), true),
        extension('1.2.3.5', Buffer.from('not DER at all')),
        extension(OID.keyUsage, der.namedBitString([0, 5]), false),
      ],
    }),
  );
  assert.deepEqual(
    cert.extensions.map((e) => [e.oid, e.critical, e.value.toString('hex')]),
    [
      ['1.2.3.4', true, der.utf8String('x').toString('hex')],
      ['1.2.3.5', false, Buffer.from('not DER at all').toString('hex')],
      [OID.keyUsage, false, der.namedBitString([0, 5]).toString('hex')],
    ],
  );
  assert.deepEqual(cert.keyUsage, ['digitalSignature', 'keyCertSign']);
});

test('reports a bad known extension as CERT_BAD_EXTENSION with the offset inside the certificate', () => {
  const badSan = der.sequence(der.contextPrimitive(7, Buffer.from([1, 2, 3])));
  const cert = makeCertificate({ extensions: [extension(OID.subjectAltName, badSan)] });
  const error = assertCode(() => parseCertificate(cert), 'CERT_BAD_EXTENSION');
  assert.equal(error.cause instanceof SymbolonError && error.cause.code, 'CERT_BAD_NAME');
  const truncated = Buffer.from([0x30, 0x05, 0x82, 0x01]);
  const certWithTruncated = makeCertificate({ extensions: [extension(OID.subjectAltName, truncated)] });
  const truncatedError = assertCode(() => parseCertificate(certWithTruncated), 'CERT_BAD_EXTENSION');
  assert.ok(truncatedError.cause instanceof Asn1Error);
  // The SEQUENCE announces 5 bytes where 2 remain: the fault is its length octet, byte 1 of the value.
  assert.equal(truncatedError.cause.offset, certWithTruncated.indexOf(truncated) + 1);
});

test('reads PEM chains and trust bundles', () => {
  const other = makeCertificate({ serial: der.integer(7) });
  const text = `Subject: leaf\r\n${toPem('CERTIFICATE', valid).replaceAll('\n', '\r\n')}junk between\n${toPem('PRIVATE KEY', Buffer.from([1, 2, 3]))}${toPem('CERTIFICATE', other)}trailing text`;
  const chain = parseCertificates(text);
  assert.deepEqual(
    chain.map((c) => c.serialNumber),
    ['1234567890abcdef', '07'],
  );
  assert.deepEqual(
    parseCertificates(Buffer.from(text)).map((c) => c.serialNumber),
    ['1234567890abcdef', '07'],
  );
  assert.deepEqual(
    parseCertificates(valid).map((c) => c.serialNumber),
    ['1234567890abcdef'],
  );
  assertCode(() => parseCertificates(toPem('CERTIFICATE REQUEST', makeCsr())), 'PEM_NOT_FOUND');
  assertCode(() => parseCertificates('-----BEGIN CERTIFICATE-----\nMII*\n-----END CERTIFICATE-----\n'), 'PEM_BAD_BASE64');
  assertCode(() => parseCertificates(toPem('CERTIFICATE', makeCsr())), 'CERT_MALFORMED');
  assertCode(() => parseCertificates('x'.repeat(16 * 1024 * 1024 + 1)), 'INPUT_TOO_LARGE');
});
