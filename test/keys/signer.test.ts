import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Tag, decodeDer } from '../../src/asn1/index.js';
import { algorithmForKey, createSigner, exportPrivateKeyPem, exportPublicKeyDer, exportPublicKeyPem } from '../../src/keys/index.js';
import type { SignerOptions } from '../../src/keys/index.js';
import { signatureAlgorithm, verifySignature } from '../../src/x509/index.js';
import type { SignatureAlgorithmName } from '../../src/x509/index.js';
import { assertCode, makeTempDir, openssl, opensslOk } from './support.js';

const dir = makeTempDir();
after(() => dir.remove());

const keys = {
  p256: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  p384: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
  p521: generateKeyPairSync('ec', { namedCurve: 'secp521r1' }),
  ed25519: generateKeyPairSync('ed25519'),
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
/** A second key of each kind, to check that a signature does not verify under a key that did not make it. */
const others = {
  p256: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  p384: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
  p521: generateKeyPairSync('ec', { namedCurve: 'secp521r1' }),
  ed25519: generateKeyPairSync('ed25519'),
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

// A Record over the union: the compiler fails this file when an algorithm is added without a case.
const CASES: Record<SignatureAlgorithmName, { readonly key: keyof typeof keys; readonly options: SignerOptions }> = {
  'ecdsa-with-SHA256': { key: 'p256', options: {} },
  'ecdsa-with-SHA384': { key: 'p384', options: {} },
  'ecdsa-with-SHA512': { key: 'p521', options: {} },
  Ed25519: { key: 'ed25519', options: {} },
  sha256WithRSAEncryption: { key: 'rsa', options: {} },
  sha384WithRSAEncryption: { key: 'rsa', options: { hash: 'sha384' } },
  sha512WithRSAEncryption: { key: 'rsa', options: { hash: 'sha512', rsaPadding: 'pkcs1' } },
  'RSASSA-PSS-SHA256': { key: 'rsa', options: { rsaPadding: 'pss' } },
  'RSASSA-PSS-SHA384': { key: 'rsa', options: { hash: 'sha384', rsaPadding: 'pss' } },
  'RSASSA-PSS-SHA512': { key: 'rsa', options: { hash: 'sha512', rsaPadding: 'pss' } },
};
const data = Buffer.from('the to-be-signed bytes of a certificate');

function flipBit(bytes: Uint8Array, bit: number): Buffer {
  const out = Buffer.from(bytes);
  out[bit >> 3]! ^= 0x80 >> (bit & 7);
  return out;
}

for (const [name, { key, options }] of Object.entries(CASES) as [SignatureAlgorithmName, (typeof CASES)[SignatureAlgorithmName]][]) {
  test(`signs with ${name}, and verifySignature accepts the signature`, async () => {
    const signer = createSigner(keys[key].privateKey, options);
    assert.equal(signer.algorithm, signatureAlgorithm(name));
    assert.ok(signer.publicKey.equals(keys[key].publicKey));
    const signature = await signer.sign(data);
    assert.ok(verifySignature(signer.algorithm, keys[key].publicKey, data, signature));
    assert.ok(verifySignature(signer.algorithm, exportPublicKeyDer(keys[key].publicKey), data, signature));
  });

  test(`rejects a ${name} signature with a flipped bit, over changed data, or under another key`, async () => {
    const signer = createSigner(keys[key].privateKey, options);
    const signature = await signer.sign(data);
    for (const bit of [0, 7, 8 * Math.floor(signature.length / 2) + 3, signature.length * 8 - 1]) {
      assert.equal(verifySignature(signer.algorithm, keys[key].publicKey, data, flipBit(signature, bit)), false, `bit ${bit}`);
    }
    assert.equal(verifySignature(signer.algorithm, keys[key].publicKey, flipBit(data, 5), signature), false);
    assert.equal(verifySignature(signer.algorithm, others[key].publicKey, data, signature), false);
  });
}

test('verifySignature rejects a key of the wrong type for the algorithm, and undecodable key bytes', async () => {
  const signature = await createSigner(keys.p256.privateKey).sign(data);
  const ecdsa = signatureAlgorithm('ecdsa-with-SHA256');
  assert.equal(verifySignature(ecdsa, keys.ed25519.publicKey, data, signature), false);
  assert.equal(verifySignature(ecdsa, keys.rsa.publicKey, data, signature), false);
  assert.equal(verifySignature(signatureAlgorithm('Ed25519'), keys.p256.publicKey, data, signature), false);
  assert.equal(verifySignature(ecdsa, Buffer.from('not a key'), data, signature), false);
  const rsaSignature = await createSigner(keys.rsa.privateKey).sign(data);
  assert.equal(verifySignature(signatureAlgorithm('sha256WithRSAEncryption'), keys.p256.publicKey, data, rsaSignature), false);
});

test('an ECDSA signature is DER: a SEQUENCE of two INTEGERs (RFC 5758 3.2)', async () => {
  const signature = await createSigner(keys.p384.privateKey).sign(data);
  const node = decodeDer(signature);
  assert.equal(node.tag, Tag.SEQUENCE);
  assert.deepEqual(
    node.children.map((child) => child.tag),
    [Tag.INTEGER, Tag.INTEGER],
  );
});

test('chooses the hash of the curve by default, and the one asked for', () => {
  assert.equal(algorithmForKey(keys.p256.privateKey).name, 'ecdsa-with-SHA256');
  assert.equal(algorithmForKey(keys.p384.privateKey).name, 'ecdsa-with-SHA384');
  assert.equal(algorithmForKey(keys.p521.publicKey).name, 'ecdsa-with-SHA512');
  assert.equal(algorithmForKey(keys.p256.privateKey, { hash: 'sha384' }).name, 'ecdsa-with-SHA384');
  assert.equal(algorithmForKey(keys.rsa.privateKey).name, 'sha256WithRSAEncryption');
});

test('refuses options that do not fit the key with KEY_ALGORITHM_MISMATCH', async () => {
  await assertCode(() => createSigner(keys.ed25519.privateKey, { hash: 'sha256' }), 'KEY_ALGORITHM_MISMATCH');
  await assertCode(() => createSigner(keys.ed25519.privateKey, { rsaPadding: 'pss' }), 'KEY_ALGORITHM_MISMATCH');
  await assertCode(() => createSigner(keys.p256.privateKey, { rsaPadding: 'pkcs1' }), 'KEY_ALGORITHM_MISMATCH');
});

test('refuses an unknown hash with SIG_UNSUPPORTED_ALGORITHM', async () => {
  await assertCode(() => createSigner(keys.rsa.privateKey, { hash: 'md5' as 'sha256' }), 'SIG_UNSUPPORTED_ALGORITHM');
});

test('refuses to sign with weak or unsupported keys: KEY_UNSUPPORTED_TYPE', async () => {
  await assertCode(() => createSigner(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey), 'KEY_UNSUPPORTED_TYPE');
  await assertCode(
    () => createSigner(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, { hash: 'sha256' }),
    'KEY_UNSUPPORTED_TYPE',
  );
  await assertCode(() => createSigner(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey), 'KEY_UNSUPPORTED_TYPE');
  await assertCode(() => createSigner(generateKeyPairSync('ed448').privateKey), 'KEY_UNSUPPORTED_TYPE');
});

test('refuses a public key as a signer with KEY_MALFORMED', async () => {
  await assertCode(() => createSigner(keys.p256.publicKey), 'KEY_MALFORMED');
});

test('signs concurrently on the thread pool, every signature valid', async () => {
  const signer = createSigner(keys.p256.privateKey);
  const messages = Array.from({ length: 200 }, (_, index) => Buffer.from(`message ${index}`));
  const signatures = await Promise.all(messages.map((message) => signer.sign(message)));
  signatures.forEach((signature, index) => assert.ok(verifySignature(signer.algorithm, signer.publicKey, messages[index]!, signature)));
});

// ---------------------------------------------------------------------------------------------
// OpenSSL checks our signatures, and we check OpenSSL's.

interface OpensslFiles {
  readonly dataPath: string;
  readonly signaturePath: string;
  readonly publicPath: string;
  readonly privatePath: string;
}

async function writeFiles(
  name: string,
  key: { privateKey: KeyObject; publicKey: KeyObject },
  signature: Uint8Array,
): Promise<OpensslFiles> {
  const files = {
    dataPath: join(dir.path, `${name}.data`),
    signaturePath: join(dir.path, `${name}.sig`),
    publicPath: join(dir.path, `${name}.pub.pem`),
    privatePath: join(dir.path, `${name}.pem`),
  };
  writeFileSync(files.dataPath, data);
  writeFileSync(files.signaturePath, signature);
  writeFileSync(files.publicPath, exportPublicKeyPem(key.publicKey));
  writeFileSync(files.privatePath, await exportPrivateKeyPem(key.privateKey));
  return files;
}

const OPENSSL_CASES: ReadonlyArray<{ readonly name: SignatureAlgorithmName; readonly verifyArgs: (files: OpensslFiles) => string[] }> = [
  { name: 'ecdsa-with-SHA256', verifyArgs: (f) => ['dgst', '-sha256', '-verify', f.publicPath, '-signature', f.signaturePath, f.dataPath] },
  { name: 'ecdsa-with-SHA384', verifyArgs: (f) => ['dgst', '-sha384', '-verify', f.publicPath, '-signature', f.signaturePath, f.dataPath] },
  { name: 'ecdsa-with-SHA512', verifyArgs: (f) => ['dgst', '-sha512', '-verify', f.publicPath, '-signature', f.signaturePath, f.dataPath] },
  // RFC 8032 PureEdDSA signs the message itself: pkeyutl with -rawin.
  {
    name: 'Ed25519',
    verifyArgs: (f) => ['pkeyutl', '-verify', '-pubin', '-inkey', f.publicPath, '-rawin', '-in', f.dataPath, '-sigfile', f.signaturePath],
  },
  {
    name: 'sha256WithRSAEncryption',
    verifyArgs: (f) => ['dgst', '-sha256', '-verify', f.publicPath, '-signature', f.signaturePath, f.dataPath],
  },
  {
    name: 'sha512WithRSAEncryption',
    verifyArgs: (f) => ['dgst', '-sha512', '-verify', f.publicPath, '-signature', f.signaturePath, f.dataPath],
  },
  {
    name: 'RSASSA-PSS-SHA256',
    verifyArgs: (f) => [
      'dgst',
      '-sha256',
      '-sigopt',
      'rsa_padding_mode:pss',
      '-sigopt',
      'rsa_pss_saltlen:32',
      '-verify',
      f.publicPath,
      '-signature',
      f.signaturePath,
      f.dataPath,
    ],
  },
  {
    name: 'RSASSA-PSS-SHA384',
    verifyArgs: (f) => [
      'dgst',
      '-sha384',
      '-sigopt',
      'rsa_padding_mode:pss',
      '-sigopt',
      'rsa_pss_saltlen:48',
      '-verify',
      f.publicPath,
      '-signature',
      f.signaturePath,
      f.dataPath,
    ],
  },
];

for (const { name, verifyArgs } of OPENSSL_CASES) {
  test(`openssl verifies our ${name} signature and rejects it with a flipped bit`, async () => {
    const { key, options } = CASES[name];
    const signature = await createSigner(keys[key].privateKey, options).sign(data);
    const files = await writeFiles(`ours-${name}`, keys[key], signature);
    opensslOk(verifyArgs(files));
    writeFileSync(files.signaturePath, flipBit(signature, signature.length * 4 + 1));
    assert.notEqual(openssl(verifyArgs(files)).status, 0);
  });
}

test('verifySignature accepts signatures made by openssl: ECDSA, Ed25519, PKCS#1 v1.5 and PSS', async () => {
  const made: Array<[SignatureAlgorithmName, keyof typeof keys, (f: OpensslFiles) => string[]]> = [
    ['ecdsa-with-SHA256', 'p256', (f) => ['dgst', '-sha256', '-sign', f.privatePath, f.dataPath]],
    ['Ed25519', 'ed25519', (f) => ['pkeyutl', '-sign', '-inkey', f.privatePath, '-rawin', '-in', f.dataPath]],
    ['sha384WithRSAEncryption', 'rsa', (f) => ['dgst', '-sha384', '-sign', f.privatePath, f.dataPath]],
    [
      'RSASSA-PSS-SHA256',
      'rsa',
      (f) => ['dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-sign', f.privatePath, f.dataPath],
    ],
  ];
  for (const [name, key, signArgs] of made) {
    const files = await writeFiles(`theirs-${name}`, keys[key], Buffer.alloc(0));
    const signature = opensslOk(signArgs(files));
    assert.ok(verifySignature(signatureAlgorithm(name), keys[key].publicKey, data, signature), name);
  }
});
