import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  KEY_TYPES,
  exportPrivateKeyDer,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateKeyPair,
  importPrivateKey,
  isKeyType,
} from '../../src/keys/index.js';
import type { KeyPair, KeyType } from '../../src/keys/index.js';
import { toPem } from '../../src/asn1/pem.js';
import { assertCode, makeTempDir, openssl, opensslOk } from './support.js';

const EXPECTED: Record<KeyType, { type: string; namedCurve?: string; modulusLength?: number }> = {
  p256: { type: 'ec', namedCurve: 'prime256v1' },
  p384: { type: 'ec', namedCurve: 'secp384r1' },
  ed25519: { type: 'ed25519' },
  rsa2048: { type: 'rsa', modulusLength: 2048 },
  rsa3072: { type: 'rsa', modulusLength: 3072 },
  rsa4096: { type: 'rsa', modulusLength: 4096 },
};
const PASSPHRASE = 'a passphrase for tests';

// Every type is generated once for the whole file: RSA 4096 alone takes about a second.
const pairs = new Map<KeyType, KeyPair>();
const encryptedPems = new Map<KeyType, string>();
const dir = makeTempDir();

before(async () => {
  const generated = await Promise.all(KEY_TYPES.map(async (type) => [type, await generateKeyPair(type)] as const));
  for (const [type, pair] of generated) pairs.set(type, pair);
});
after(() => dir.remove());

function pairOf(type: KeyType): KeyPair {
  const pair = pairs.get(type);
  assert.ok(pair !== undefined);
  return pair;
}

test('KEY_TYPES lists the six generated key types', () => {
  assert.deepEqual([...KEY_TYPES].sort(), ['ed25519', 'p256', 'p384', 'rsa2048', 'rsa3072', 'rsa4096']);
  assert.ok(isKeyType('p256'));
  assert.ok(!isKeyType('p521'));
  assert.ok(!isKeyType('rsa1024'));
});

test('refuses to generate a key type it does not know', async () => {
  await assertCode(() => generateKeyPair('rsa1024' as KeyType), 'KEY_UNSUPPORTED_TYPE');
});

for (const type of KEY_TYPES) {
  test(`generates a ${type} key pair of the right type and size`, () => {
    const { privateKey, publicKey } = pairOf(type);
    const expected = EXPECTED[type];
    assert.equal(privateKey.type, 'private');
    assert.equal(publicKey.type, 'public');
    assert.equal(privateKey.asymmetricKeyType, expected.type);
    assert.equal(privateKey.asymmetricKeyDetails?.namedCurve, expected.namedCurve);
    assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, expected.modulusLength);
    if (expected.type === 'rsa') assert.equal(privateKey.asymmetricKeyDetails?.publicExponent, 65537n);
  });

  test(`round-trips a ${type} key through PKCS#8 PEM, DER and encrypted PKCS#8`, async () => {
    const { privateKey } = pairOf(type);
    const reference = await exportPrivateKeyDer(privateKey);

    const pem = await exportPrivateKeyPem(privateKey);
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.deepEqual(await exportPrivateKeyDer(await importPrivateKey(pem)), reference);
    assert.deepEqual(await exportPrivateKeyDer(await importPrivateKey(reference)), reference);

    // One encryption serves both forms: PBKDF2 at 600,000 iterations is the slow part.
    const encryptedDer = await exportPrivateKeyDer(privateKey, { passphrase: PASSPHRASE });
    const encryptedPem = toPem('ENCRYPTED PRIVATE KEY', encryptedDer);
    assert.deepEqual(await exportPrivateKeyDer(await importPrivateKey(encryptedDer, { passphrase: PASSPHRASE })), reference);
    assert.deepEqual(await exportPrivateKeyDer(await importPrivateKey(encryptedPem, { passphrase: PASSPHRASE })), reference);
    encryptedPems.set(type, encryptedPem);
  });

  test(`openssl reads the ${type} key as PKCS#8 PEM, DER and encrypted PEM`, async () => {
    const { privateKey } = pairOf(type);
    const plainPem = join(dir.path, `${type}.pem`);
    const plainDer = join(dir.path, `${type}.der`);
    const encrypted = join(dir.path, `${type}.enc.pem`);
    const encryptedPem = encryptedPems.get(type);
    assert.ok(encryptedPem !== undefined);
    writeFileSync(plainPem, await exportPrivateKeyPem(privateKey));
    writeFileSync(plainDer, await exportPrivateKeyDer(privateKey));
    writeFileSync(encrypted, encryptedPem);
    const publicPem = exportPublicKeyPem(privateKey);

    assert.equal(opensslOk(['pkey', '-in', plainPem, '-pubout']).toString(), publicPem);
    assert.equal(opensslOk(['pkey', '-inform', 'DER', '-in', plainDer, '-pubout']).toString(), publicPem);
    assert.equal(opensslOk(['pkey', '-in', encrypted, '-passin', `pass:${PASSPHRASE}`, '-pubout']).toString(), publicPem);
  });
}

test('openssl cannot read an exported encrypted key without its passphrase', () => {
  const encrypted = join(dir.path, 'p256.enc.pem');
  writeFileSync(encrypted, encryptedPems.get('p256') ?? '');
  assert.notEqual(openssl(['pkey', '-in', encrypted, '-passin', 'pass:', '-pubout']).status, 0);
  assert.notEqual(openssl(['pkey', '-in', encrypted, '-passin', 'pass:not the passphrase', '-pubout']).status, 0);
});
