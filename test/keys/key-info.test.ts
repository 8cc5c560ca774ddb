import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { describeKey, exportPublicKeyPem } from '../../src/keys/index.js';
import { assertCode, makeTempDir, opensslOk } from './support.js';

const dir = makeTempDir();
after(() => dir.remove());

const cases = [
  { pair: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), type: 'ec', curve: 'P-256', bits: 256, summary: 'EC P-256' },
  { pair: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }), type: 'ec', curve: 'P-384', bits: 384, summary: 'EC P-384' },
  { pair: generateKeyPairSync('ec', { namedCurve: 'secp521r1' }), type: 'ec', curve: 'P-521', bits: 521, summary: 'EC P-521' },
  { pair: generateKeyPairSync('ed25519'), type: 'ed25519', curve: null, bits: 256, summary: 'Ed25519' },
  { pair: generateKeyPairSync('rsa', { modulusLength: 2048 }), type: 'rsa', curve: null, bits: 2048, summary: 'RSA 2048' },
] as const;

test('describes type, curve and size of each supported key, the same for both halves', () => {
  for (const { pair, type, curve, bits, summary } of cases) {
    const info = describeKey(pair.privateKey);
    assert.deepEqual({ type: info.type, curve: info.curve, bits: info.bits, summary: info.summary }, { type, curve, bits, summary });
    assert.equal(info.isPrivate, true);
    const publicInfo = describeKey(pair.publicKey);
    assert.equal(publicInfo.isPrivate, false);
    assert.equal(publicInfo.spkiSha256, info.spkiSha256);
    assert.equal(publicInfo.summary, info.summary);
  }
});

test('gives the SPKI SHA-256 fingerprint openssl computes', () => {
  for (const [index, { pair }] of cases.entries()) {
    const path = join(dir.path, `${index}.pub.pem`);
    writeFileSync(path, exportPublicKeyPem(pair.publicKey));
    const spki = opensslOk(['pkey', '-pubin', '-in', path, '-outform', 'DER']);
    const digest = opensslOk(['dgst', '-sha256', '-r'], spki).toString().split(' ')[0];
    assert.equal(describeKey(pair.privateKey).spkiSha256, digest);
    assert.match(describeKey(pair.privateKey).spkiSha256, /^[0-9a-f]{64}$/);
  }
});

test('describes keys it does not support, so they can be shown before being refused', () => {
  const k1 = describeKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey);
  assert.deepEqual([k1.curve, k1.bits, k1.summary], ['secp256k1', 256, 'EC secp256k1']);
  const rsa = describeKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
  assert.deepEqual([rsa.type, rsa.bits, rsa.summary], ['rsa', 1024, 'RSA 1024']);
  const ed448 = describeKey(generateKeyPairSync('ed448').publicKey);
  assert.deepEqual([ed448.type, ed448.bits, ed448.summary], ['ed448', 456, 'Ed448']);
});

test('refuses to describe a secret key with KEY_UNSUPPORTED_TYPE', async () => {
  await assertCode(() => describeKey(createSecretKey(Buffer.alloc(32))), 'KEY_UNSUPPORTED_TYPE');
});
