import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeDer, der, readBitString } from '../../src/asn1/index.js';
import type { DerNode } from '../../src/asn1/index.js';
import { exportPrivateKeyPem } from '../../src/keys/index.js';
import { isKeyForAlgorithm, parseSignatureAlgorithm, signatureAlgorithm, verifySignature } from '../../src/signatures/index.js';
import type { SignatureAlgorithmName } from '../../src/signatures/index.js';
import { assertCode, makeTempDir, opensslOk } from '../keys/support.js';

const NAMES: readonly SignatureAlgorithmName[] = [
  'ecdsa-with-SHA256',
  'ecdsa-with-SHA384',
  'ecdsa-with-SHA512',
  'Ed25519',
  'sha256WithRSAEncryption',
  'sha384WithRSAEncryption',
  'sha512WithRSAEncryption',
  'RSASSA-PSS-SHA256',
  'RSASSA-PSS-SHA384',
  'RSASSA-PSS-SHA512',
];

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ed25519: '1.3.101.112',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  md5WithRsa: '1.2.840.113549.1.1.4',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
};

const parse = (identifier: Buffer): ReturnType<typeof parseSignatureAlgorithm> => parseSignatureAlgorithm(decodeDer(identifier));
const hashId = (oid: string): Buffer => der.sequence(der.oid(oid), der.nullValue());
/** RSASSA-PSS-params (RFC 4055 3.1) with the given fields; absent ones take their defaults. */
function pss(fields: { hash?: Buffer; mgf?: Buffer; salt?: number; trailer?: number }): Buffer {
  const parts: Buffer[] = [];
  if (fields.hash !== undefined) parts.push(der.explicit(0, fields.hash));
  if (fields.mgf !== undefined) parts.push(der.explicit(1, fields.mgf));
  if (fields.salt !== undefined) parts.push(der.explicit(2, der.integer(fields.salt)));
  if (fields.trailer !== undefined) parts.push(der.explicit(3, der.integer(fields.trailer)));
  return der.sequence(der.oid(OID.rsassaPss), der.sequence(...parts));
}
const mgf1 = (hashOid: string): Buffer => der.sequence(der.oid(OID.mgf1), hashId(hashOid));

test('parses each identifier it writes back to the same algorithm', () => {
  for (const name of NAMES) {
    const algorithm = signatureAlgorithm(name);
    assert.equal(algorithm.name, name);
    assert.equal(parse(algorithm.identifier), algorithm);
  }
});

test('refuses an algorithm name it does not know with SIG_UNSUPPORTED_ALGORITHM', async () => {
  await assertCode(() => signatureAlgorithm('sha1WithRSAEncryption' as SignatureAlgorithmName), 'SIG_UNSUPPORTED_ALGORITHM');
});

test('refuses ECDSA and Ed25519 identifiers with NULL parameters (RFC 5758 3.2, RFC 8410 3)', async () => {
  await assertCode(() => parse(der.sequence(der.oid(OID.ecdsaWithSha256), der.nullValue())), 'SIG_UNSUPPORTED_ALGORITHM');
  await assertCode(() => parse(der.sequence(der.oid(OID.ed25519), der.nullValue())), 'SIG_UNSUPPORTED_ALGORITHM');
});

test('accepts PKCS#1 v1.5 identifiers with absent parameters, as RFC 4055 5 requires of readers', () => {
  const absent = der.sequence(der.oid(OID.sha256WithRsa));
  const algorithm = parse(absent);
  assert.equal(algorithm.name, 'sha256WithRSAEncryption');
  assert.deepEqual(algorithm.identifier, absent);
});

test('refuses PKCS#1 v1.5 identifiers with parameters other than NULL', async () => {
  await assertCode(() => parse(der.sequence(der.oid(OID.sha256WithRsa), der.octetString(Buffer.alloc(0)))), 'SIG_UNSUPPORTED_ALGORITHM');
});

test('refuses RSASSA-PSS whose MGF1 hash differs from its hash', async () => {
  await assertCode(() => parse(pss({ hash: hashId(OID.sha256), mgf: mgf1(OID.sha384), salt: 32 })), 'SIG_UNSUPPORTED_ALGORITHM');
});

test('refuses RSASSA-PSS without parameters, with SHA-1 defaults, a SHA-1 hash, or trailer field 2', async () => {
  await assertCode(() => parse(der.sequence(der.oid(OID.rsassaPss))), 'SIG_UNSUPPORTED_ALGORITHM');
  await assertCode(() => parse(pss({})), 'SIG_UNSUPPORTED_ALGORITHM');
  await assertCode(() => parse(pss({ hash: hashId(OID.sha1), mgf: mgf1(OID.sha1), salt: 20 })), 'SIG_UNSUPPORTED_ALGORITHM');
  await assertCode(
    () => parse(pss({ hash: hashId(OID.sha256), mgf: mgf1(OID.sha256), salt: 32, trailer: 2 })),
    'SIG_UNSUPPORTED_ALGORITHM',
  );
});

test('refuses RSASSA-PSS with a mask generation function other than MGF1', async () => {
  const mgf = der.sequence(der.oid('1.2.3.4'), hashId(OID.sha256));
  await assertCode(() => parse(pss({ hash: hashId(OID.sha256), mgf, salt: 32 })), 'SIG_UNSUPPORTED_ALGORITHM');
});

test('refuses unknown and retired signature algorithm OIDs', async () => {
  for (const oid of ['1.2.3.4', OID.sha1WithRsa, OID.md5WithRsa]) {
    await assertCode(() => parse(der.sequence(der.oid(oid), der.nullValue())), 'SIG_UNSUPPORTED_ALGORITHM');
  }
});

test('refuses an AlgorithmIdentifier that is not a SEQUENCE of one or two elements', async () => {
  await assertCode(() => parse(der.sequence(der.oid(OID.sha256WithRsa), der.nullValue(), der.nullValue())), 'SIG_UNSUPPORTED_ALGORITHM');
  await assertCode(() => parse(der.set(der.oid(OID.ecdsaWithSha256))), 'SIG_UNSUPPORTED_ALGORITHM');
  await assertCode(() => parse(der.sequence()), 'SIG_UNSUPPORTED_ALGORITHM');
});

test('accepts RSASSA-PSS with another salt length and keeps it, with absent hash parameters too', () => {
  const identifier = pss({
    hash: der.sequence(der.oid(OID.sha256)),
    mgf: der.sequence(der.oid(OID.mgf1), der.sequence(der.oid(OID.sha256))),
    salt: 20,
  });
  const algorithm = parse(identifier);
  assert.equal(algorithm.name, 'RSASSA-PSS-SHA256');
  assert.equal(algorithm.saltLength, 20);
  assert.deepEqual(algorithm.identifier, identifier);
});

test('an RSASSA-PSS-only key fits PSS but not PKCS#1 v1.5 (RFC 4055 1.2); key types fit their algorithms', () => {
  const pssKey = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey;
  const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
  const edKey = generateKeyPairSync('ed25519').publicKey;
  assert.ok(isKeyForAlgorithm(signatureAlgorithm('RSASSA-PSS-SHA256'), pssKey));
  assert.ok(!isKeyForAlgorithm(signatureAlgorithm('sha256WithRSAEncryption'), pssKey));
  assert.ok(isKeyForAlgorithm(signatureAlgorithm('sha256WithRSAEncryption'), rsaKey));
  assert.ok(isKeyForAlgorithm(signatureAlgorithm('RSASSA-PSS-SHA512'), rsaKey));
  assert.ok(isKeyForAlgorithm(signatureAlgorithm('ecdsa-with-SHA512'), ecKey));
  assert.ok(!isKeyForAlgorithm(signatureAlgorithm('Ed25519'), ecKey));
  assert.ok(!isKeyForAlgorithm(signatureAlgorithm('ecdsa-with-SHA256'), edKey));
});

// ---------------------------------------------------------------------------------------------
// Vectors from OpenSSL: certificates it signs carry its AlgorithmIdentifiers; ours must be the
// same bytes, and verifySignature must accept its signatures.

const dir = makeTempDir();
after(() => dir.remove());
const keys = {
  p256: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  ed25519: generateKeyPairSync('ed25519'),
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
const keyPaths = new Map<string, string>();
before(async () => {
  for (const [name, pair] of Object.entries(keys)) {
    const path = join(dir.path, `${name}.pem`);
    writeFileSync(path, await exportPrivateKeyPem(pair.privateKey));
    keyPaths.set(name, path);
  }
});

/** The signatureAlgorithm, tbsCertificate and signature of a self-signed certificate openssl makes. */
function opensslCertificate(key: keyof typeof keys, signArgs: readonly string[]): { algorithm: DerNode; tbs: Buffer; signature: Buffer } {
  const certificate = opensslOk([
    'req',
    '-x509',
    '-new',
    '-key',
    keyPaths.get(key)!,
    '-subj',
    '/CN=vector',
    '-days',
    '1',
    '-outform',
    'DER',
    ...signArgs,
  ]);
  const [tbs, algorithm, signature] = decodeDer(certificate).children;
  return { algorithm: algorithm!, tbs: tbs!.bytes, signature: readBitString(signature!).bytes };
}

const VECTORS: ReadonlyArray<readonly [SignatureAlgorithmName, keyof typeof keys, readonly string[]]> = [
  ['ecdsa-with-SHA256', 'p256', ['-sha256']],
  ['ecdsa-with-SHA384', 'p256', ['-sha384']],
  ['ecdsa-with-SHA512', 'p256', ['-sha512']],
  ['Ed25519', 'ed25519', []],
  ['sha256WithRSAEncryption', 'rsa', ['-sha256']],
  ['sha384WithRSAEncryption', 'rsa', ['-sha384']],
  ['sha512WithRSAEncryption', 'rsa', ['-sha512']],
  ['RSASSA-PSS-SHA256', 'rsa', ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']],
  ['RSASSA-PSS-SHA384', 'rsa', ['-sha384', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:48']],
  ['RSASSA-PSS-SHA512', 'rsa', ['-sha512', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:64']],
];

for (const [name, key, signArgs] of VECTORS) {
  test(`writes the ${name} identifier as OpenSSL does, and verifies OpenSSL's ${name} certificate signature`, () => {
    const { algorithm, tbs, signature } = opensslCertificate(key, signArgs);
    assert.equal(algorithm.bytes.toString('hex'), signatureAlgorithm(name).identifier.toString('hex'));
    const parsed = parseSignatureAlgorithm(algorithm);
    assert.equal(parsed.name, name);
    const publicKey: KeyObject = keys[key].publicKey;
    assert.ok(verifySignature(parsed, publicKey, tbs, signature));
  });
}

test('verifies an OpenSSL RSASSA-PSS signature with a 20-byte salt under its own parameters', () => {
  const { algorithm, tbs, signature } = opensslCertificate('rsa', [
    '-sha256',
    '-sigopt',
    'rsa_padding_mode:pss',
    '-sigopt',
    'rsa_pss_saltlen:20',
  ]);
  const parsed = parseSignatureAlgorithm(algorithm);
  assert.equal(parsed.saltLength, 20);
  assert.ok(verifySignature(parsed, keys.rsa.publicKey, tbs, signature));
  assert.equal(verifySignature(signatureAlgorithm('RSASSA-PSS-SHA256'), keys.rsa.publicKey, tbs, signature), false);
});
