import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import { decodeDer, readOctetString, readOid, readTime, Tag } from '../../src/asn1/index.js';
import { createSigner } from '../../src/keys/signer.js';
import { signatureAlgorithm } from '../../src/signatures/signature-algorithm.js';
import { buildCertificate, buildSelfSignedCertificate, encodeTbsCertificate } from '../../src/x509/certificate-builder.js';
import type { CertificateTemplate } from '../../src/x509/certificate-builder.js';
import { keyIdentifier } from '../../src/x509/extensions/encoding-key-ids.js';
import { encodeName, parseName } from '../../src/x509/name.js';
import { OID } from '../../src/x509/oids.js';
import { secureRandomSerialNumber } from '../../src/x509/serial/secure-serial-number.js';
import { encodeSerialNumber, randomSerialNumber } from '../../src/x509/serial/serial-number-encoding.js';
import { certificateExtensions } from './openssl-interop-build-tools.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const codeOf =
  (code: string) =>
  (error: unknown): boolean => {
    assert.equal((error as { code?: string }).code, code);
    return true;
  };

const ed25519 = signatureAlgorithm('Ed25519');
// An Ed25519 SubjectPublicKeyInfo made by hand around 32 bytes of 0x01.
const handSpki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.alloc(32, 1)]);
const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = createSigner(issuerKey.privateKey);
const subjectKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function template(overrides: Partial<CertificateTemplate> = {}): CertificateTemplate {
  return {
    serialNumber: Buffer.from([0x01]),
    issuer: parseName('CN=a'),
    subject: parseName('CN=a'),
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2026-01-01T00:00:00Z'),
    subjectPublicKey: handSpki,
    subjectKeyIdentifier: false,
    ...overrides,
  };
}

test('encodes a minimal TBSCertificate byte for byte (RFC 5280 4.1)', () => {
  const expected =
    'a003020102' + // version [0] EXPLICIT v3
    '020101' + // serialNumber 1
    '300506032b6570' + // signature: Ed25519, no parameters (RFC 8410 3)
    '300c310a3008' +
    '0603550403' +
    '0c0161' + // issuer CN=a, UTF8String
    '301e' +
    '170d' +
    ascii('250101000000Z') +
    '170d' +
    ascii('260101000000Z') +
    '300c310a3008' +
    '0603550403' +
    '0c0161' + // subject
    hex(handSpki);
  assert.equal(hex(encodeTbsCertificate(template(), ed25519)), '3077' + expected);
});

test('writes extensions under [3] EXPLICIT, with the subject key identifier by default', () => {
  const tbs = decodeDer(encodeTbsCertificate(template({ subjectKeyIdentifier: true, basicConstraints: { isCa: false } }), ed25519));
  const wrapper = tbs.children[7]!;
  assert.equal(wrapper.tag, 0xa3);
  const [basicConstraints, ski] = wrapper.children[0]!.children;
  assert.equal(readOid(basicConstraints!.children[0]!), OID.basicConstraints);
  assert.equal(readOid(ski!.children[0]!), OID.subjectKeyIdentifier);
  assert.equal(hex(readOctetString(ski!.children[1]!)), '0414' + hex(keyIdentifier(handSpki)));
});

test('a subject key identifier given as bytes is written as given', () => {
  const tbs = encodeTbsCertificate(template({ subjectKeyIdentifier: Buffer.from('0102', 'hex') }), ed25519);
  // [3] { Extensions { Extension { subjectKeyIdentifier, OCTET STRING { OCTET STRING 01 02 } } } }
  assert.ok(hex(tbs).endsWith('a30f' + '300d' + '300b' + '0603551d0e' + '0404' + '04020102'));
});

test('takes the subject key as a KeyObject, public or private, or as SPKI DER', () => {
  const spki = subjectKey.publicKey.export({ type: 'spki', format: 'der' });
  const fromBytes = encodeTbsCertificate(template({ subjectPublicKey: spki }), ed25519);
  assert.deepEqual(encodeTbsCertificate(template({ subjectPublicKey: subjectKey.publicKey }), ed25519), fromBytes);
  assert.deepEqual(encodeTbsCertificate(template({ subjectPublicKey: subjectKey.privateKey }), ed25519), fromBytes);
  assert.ok(fromBytes.includes(spki));
});

test('writes a pre-encoded issuer Name byte for byte', () => {
  const issuer = encodeName(parseName('/C=US/O=Acme/CN=Acme Issuing CA'));
  const tbs = decodeDer(encodeTbsCertificate(template({ issuer }), ed25519));
  assert.deepEqual(tbs.children[3]!.bytes, issuer);
});

test('picks UTCTime through 2049 and GeneralizedTime from 2050, dropping fractions of a second', () => {
  const tbs = decodeDer(
    encodeTbsCertificate(
      template({ notBefore: new Date('2049-12-31T23:59:59.999Z'), notAfter: new Date('2050-01-01T00:00:00Z') }),
      ed25519,
    ),
  );
  const [notBefore, notAfter] = tbs.children[4]!.children;
  assert.equal(notBefore!.tag, Tag.UTC_TIME);
  assert.equal(notBefore!.content.toString('latin1'), '491231235959Z');
  assert.equal(notAfter!.tag, Tag.GENERALIZED_TIME);
  assert.equal(readTime(notAfter!).toISOString(), '2050-01-01T00:00:00.000Z');
  // notAfter equal to notBefore is a validity of one second, and allowed.
  const same = new Date('2030-01-01T00:00:00Z');
  assert.ok(encodeTbsCertificate(template({ notBefore: same, notAfter: same }), ed25519).length > 0);
});

test('a built certificate is signed over its TBS and read by node:crypto', async () => {
  const spki = subjectKey.publicKey.export({ type: 'spki', format: 'der' });
  const der = await buildCertificate(
    template({
      serialNumber: 0x1234n,
      issuer: parseName('CN=Issuer'),
      subject: parseName('CN=leaf'),
      subjectPublicKey: spki,
      subjectAltName: [{ type: 'dns', value: 'leaf.example.com' }],
    }),
    signer,
  );
  const certificate = decodeDer(der);
  const [tbs, algorithm, signature] = certificate.children;
  assert.deepEqual(algorithm!.bytes, signer.algorithm.identifier);
  assert.deepEqual(tbs!.children[2]!.bytes, signer.algorithm.identifier);
  assert.equal(signature!.content[0], 0);
  assert.ok(verify('sha256', tbs!.bytes, issuerKey.publicKey, signature!.content.subarray(1)));
  const x509 = new X509Certificate(der);
  assert.equal(x509.serialNumber, '1234');
  assert.equal(x509.subjectAltName, 'DNS:leaf.example.com');
  assert.ok(x509.verify(issuerKey.publicKey));
});

test('a self-signed certificate names itself as issuer and its key as authority key', async () => {
  const der = await buildSelfSignedCertificate(
    {
      serialNumber: 7n,
      subject: parseName('CN=Root'),
      notBefore: new Date('2025-01-01Z'),
      notAfter: new Date('2035-01-01Z'),
      basicConstraints: { isCa: true },
      keyUsage: ['keyCertSign'],
    },
    signer,
  );
  const x509 = new X509Certificate(der);
  assert.equal(x509.issuer, x509.subject);
  assert.ok(x509.checkIssued(x509));
  assert.ok(x509.verify(issuerKey.publicKey));
  const extensions = certificateExtensions(der);
  const keyId = keyIdentifier(issuerKey.publicKey.export({ type: 'spki', format: 'der' }));
  assert.equal(hex(extensions.get(OID.subjectKeyIdentifier)!.value), '0414' + hex(keyId));
  assert.equal(hex(extensions.get(OID.authorityKeyIdentifier)!.value), '30168014' + hex(keyId));
  assert.equal(extensions.get(OID.basicConstraints)!.critical, true);

  const bare = await buildSelfSignedCertificate(
    {
      serialNumber: 8n,
      subject: parseName('CN=Root'),
      notBefore: new Date('2025-01-01Z'),
      notAfter: new Date('2035-01-01Z'),
      subjectKeyIdentifier: false,
    },
    signer,
  );
  assert.equal(certificateExtensions(bare).size, 0);
});

test('serial numbers: minimal positive INTEGERs of at most 20 octets', () => {
  assert.equal(hex(encodeSerialNumber(Buffer.from([0x00, 0x00, 0x01]))), '020101');
  assert.equal(hex(encodeSerialNumber(Buffer.from([0x80]))), '02020080');
  assert.equal(hex(encodeSerialNumber(1n)), '020101');
  assert.equal(hex(encodeSerialNumber(0x8000n)), '0203008000');
  const nineteenHigh = Buffer.alloc(19, 0xff);
  assert.equal(hex(encodeSerialNumber(nineteenHigh)), '021400' + 'ff'.repeat(19));
  const twenty = Buffer.concat([Buffer.from([0x7f]), Buffer.alloc(19, 0xff)]);
  assert.equal(hex(encodeSerialNumber(twenty)), '0214' + hex(twenty));
  assert.equal(hex(encodeSerialNumber(BigInt('0x' + hex(twenty)))), '0214' + hex(twenty));
});

test('refuses serial numbers that are zero, negative or longer than 20 octets', () => {
  const refused = [
    Buffer.from([0]),
    Buffer.alloc(0),
    Buffer.alloc(5),
    0n,
    -1n,
    -(2n ** 64n),
    Buffer.alloc(21, 1),
    Buffer.alloc(20, 0x80),
    2n ** 159n,
  ];
  for (const serialNumber of refused) {
    assert.throws(() => encodeSerialNumber(serialNumber), codeOf('CERT_BAD_SERIAL'), String(serialNumber));
    assert.throws(() => encodeTbsCertificate(template({ serialNumber }), ed25519), codeOf('CERT_BAD_SERIAL'));
  }
});

test('random serial numbers are 16 positive octets from the random source given', () => {
  assert.equal(hex(randomSerialNumber((n) => Buffer.alloc(n, 0xff))), '7f' + 'ff'.repeat(15));
  assert.equal(hex(randomSerialNumber((n) => Buffer.alloc(n, 0x00))), '40' + '00'.repeat(15));
  assert.throws(() => randomSerialNumber(() => Buffer.alloc(8)), codeOf('CERT_INVALID_INPUT'));
  const a = secureRandomSerialNumber();
  const b = secureRandomSerialNumber();
  assert.equal(a.length, 16);
  assert.notDeepEqual(a, b);
  assert.equal(hex(encodeSerialNumber(a)), '0210' + hex(a));
});

test('refuses an impossible validity period', async () => {
  const notBefore = new Date('2030-01-01T00:00:00Z');
  assert.throws(
    () => encodeTbsCertificate(template({ notBefore, notAfter: new Date(notBefore.getTime() - 1000) }), ed25519),
    codeOf('CERT_BAD_VALIDITY'),
  );
  await assert.rejects(
    buildCertificate(template({ notBefore, notAfter: new Date('2029-12-31T23:59:59Z') }), signer),
    codeOf('CERT_BAD_VALIDITY'),
  );
  assert.throws(() => encodeTbsCertificate(template({ notAfter: new Date(Number.NaN) }), ed25519), codeOf('CERT_INVALID_INPUT'));
  assert.throws(
    () => encodeTbsCertificate(template({ notAfter: new Date('+010000-01-01T00:00:00Z') }), ed25519),
    codeOf('CERT_INVALID_INPUT'),
  );
});

test('refuses names RFC 5280 does not allow', () => {
  const cases: Array<[Partial<CertificateTemplate>, string]> = [
    [{ issuer: [] }, 'CERT_BAD_NAME'],
    [{ issuer: Buffer.from('3000', 'hex') }, 'CERT_BAD_NAME'],
    [{ issuer: Buffer.from('0400', 'hex') }, 'CERT_BAD_NAME'],
    [{ subject: [] }, 'CERT_BAD_NAME'],
    [{ subject: [], subjectAltName: [{ type: 'dns', value: 'ca.example.com' }], basicConstraints: { isCa: true } }, 'CERT_BAD_NAME'],
    [{ subject: [[{ type: OID.countryName, value: 'USA' }]] }, 'CERT_BAD_NAME'],
    [{ subject: [[{ type: '1.2.x', value: 'a' }]] }, 'CERT_BAD_NAME'],
    [{ subjectAltName: [{ type: 'ip', value: '10.0.0.256' }] }, 'CERT_BAD_NAME'],
    [{ subjectAltName: [{ type: 'ip', value: 'fe80::1%eth0' }] }, 'CERT_BAD_NAME'],
    [{ subjectAltName: [{ type: 'dns', value: 'müller.example' }] }, 'CERT_BAD_NAME'],
    [{ subjectAltName: [{ type: 'dns', value: '例え.jp' }] }, 'CERT_BAD_NAME'],
  ];
  for (const [overrides, code] of cases)
    assert.throws(() => encodeTbsCertificate(template(overrides), ed25519), codeOf(code), JSON.stringify(overrides));
  // An empty subject is fine with a subjectAltName, which is then critical.
  const der = encodeTbsCertificate(template({ subject: [], subjectAltName: [{ type: 'uri', value: 'spiffe://example.org/a' }] }), ed25519);
  assert.ok(hex(der).includes('0603551d110101ff'));
});

test('refuses duplicate extensions and values that cannot be encoded', () => {
  const raw = { oid: OID.extKeyUsage, critical: false, value: Buffer.from('300a06082b06010505070301', 'hex') };
  const cases: Array<[Partial<CertificateTemplate>, string]> = [
    [{ extKeyUsage: ['serverAuth'], extensions: [raw] }, 'CERT_DUPLICATE_EXTENSION'],
    [{ extensions: [raw, raw] }, 'CERT_DUPLICATE_EXTENSION'],
    [
      { subjectKeyIdentifier: true, extensions: [{ oid: OID.subjectKeyIdentifier, critical: false, value: Buffer.from('0400', 'hex') }] },
      'CERT_DUPLICATE_EXTENSION',
    ],
    [{ subjectPublicKey: Buffer.from('3003020101', 'hex') }, 'CERT_INVALID_INPUT'],
    [{ subjectPublicKey: handSpki.subarray(0, 40) }, 'CERT_INVALID_INPUT'],
    [{ subjectPublicKey: createSecretKey(Buffer.alloc(16)) }, 'CERT_INVALID_INPUT'],
    [{ basicConstraints: { isCa: false, pathLenConstraint: 0 } }, 'CERT_INVALID_INPUT'],
    [{ keyUsage: ['keyCertSign'] }, 'CERT_INVALID_INPUT'],
    [{ keyUsage: [] }, 'CERT_INVALID_INPUT'],
    [{ extKeyUsage: ['1.2.3.-4'] }, 'CERT_INVALID_INPUT'],
    [{ nameConstraints: { permitted: [{ type: 'dns', value: 'example.com' }], excluded: [] } }, 'CERT_INVALID_INPUT'],
    [{ certificatePolicies: [{ policyId: '2.5.29.32.0' }, { policyId: '2.5.29.32.0' }] }, 'CERT_INVALID_INPUT'],
  ];
  for (const [overrides, code] of cases)
    assert.throws(() => encodeTbsCertificate(template(overrides), ed25519), codeOf(code), JSON.stringify(overrides));
  // The same OID is fine when the typed field is absent.
  assert.ok(encodeTbsCertificate(template({ extensions: [raw] }), ed25519).length > 0);
});
