import assert from 'node:assert/strict';
import { createPublicKey, createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { assertKeySupported } from '../../src/keys/index.js';
import { assertCode } from './support.js';

test('accepts P-256, P-384, P-521, Ed25519 and RSA 2048 keys, private and public', () => {
  const pairs = [
    generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
    generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
    generateKeyPairSync('ec', { namedCurve: 'secp521r1' }),
    generateKeyPairSync('ed25519'),
    generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ];
  for (const { privateKey, publicKey } of pairs) {
    assert.doesNotThrow(() => assertKeySupported(privateKey));
    assert.doesNotThrow(() => assertKeySupported(publicKey));
  }
});

const refused: ReadonlyArray<readonly [string, () => ReturnType<typeof generateKeyPairSync>]> = [
  ['P-192', () => generateKeyPairSync('ec', { namedCurve: 'prime192v1' })],
  ['secp256k1', () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' })],
  ['brainpoolP256r1', () => generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' })],
  ['RSA 1024', () => generateKeyPairSync('rsa', { modulusLength: 1024 })],
  ['RSA 2048 with public exponent 3', () => generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 })],
  ['RSASSA-PSS-only RSA', () => generateKeyPairSync('rsa-pss', { modulusLength: 2048 })],
  ['DSA', () => generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })],
  ['Ed448', () => generateKeyPairSync('ed448')],
  ['X25519', () => generateKeyPairSync('x25519')],
];

for (const [name, generate] of refused) {
  test(`refuses a ${name} key with KEY_UNSUPPORTED_TYPE`, async () => {
    const { privateKey, publicKey } = generate();
    await assertCode(() => assertKeySupported(privateKey), 'KEY_UNSUPPORTED_TYPE');
    await assertCode(() => assertKeySupported(publicKey), 'KEY_UNSUPPORTED_TYPE');
  });
}

test('refuses an RSA public key larger than 8192 bits', async () => {
  // Generating such a key takes half a minute; a public key needs only an odd modulus of the size.
  const modulus = randomBytes(8200 / 8);
  modulus[0]! |= 0x80;
  modulus[modulus.length - 1]! |= 1;
  const publicKey = createPublicKey({ key: { kty: 'RSA', n: modulus.toString('base64url'), e: 'AQAB' }, format: 'jwk' });
  assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 8200);
  await assertCode(() => assertKeySupported(publicKey), 'KEY_UNSUPPORTED_TYPE');
});

test('refuses a secret key', async () => {
  await assertCode(() => assertKeySupported(createSecretKey(Buffer.alloc(32, 1))), 'KEY_UNSUPPORTED_TYPE');
});
