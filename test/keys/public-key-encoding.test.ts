import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { MAX_KEY_INPUT_BYTES, exportPrivateKeyPem, exportPublicKeyDer, exportPublicKeyPem, importPublicKey } from '../../src/keys/index.js';
import { toPem } from '../../src/asn1/pem.js';
import { P256_INFINITY_SPKI } from '../support/hostile-keys.js';
import { describeFailures, runIsolated } from '../support/isolated-inputs.js';
import { assertCode, makeTempDir, opensslOk } from './support.js';

const dir = makeTempDir();
after(() => dir.remove());

const keys = {
  p256: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  p384: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
  ed25519: generateKeyPairSync('ed25519'),
  rsa2048: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

test('round-trips public keys through SPKI PEM and DER', () => {
  for (const [name, { publicKey }] of Object.entries(keys)) {
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    assert.deepEqual(exportPublicKeyDer(publicKey), spki, name);
    assert.deepEqual(exportPublicKeyDer(importPublicKey(spki)), spki, name);
    const pem = exportPublicKeyPem(publicKey);
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.deepEqual(exportPublicKeyDer(importPublicKey(pem)), spki, name);
  }
});

test('exports the same public key from the private half', () => {
  for (const { privateKey, publicKey } of Object.values(keys)) {
    assert.equal(exportPublicKeyPem(privateKey), exportPublicKeyPem(publicKey));
  }
});

test('openssl reads our public keys, and we read the public keys openssl writes', async () => {
  for (const [name, { privateKey, publicKey }] of Object.entries(keys)) {
    const privatePath = join(dir.path, `${name}.pem`);
    const publicPath = join(dir.path, `${name}.pub.pem`);
    writeFileSync(privatePath, await exportPrivateKeyPem(privateKey));
    writeFileSync(publicPath, exportPublicKeyPem(publicKey));
    assert.equal(opensslOk(['pkey', '-pubin', '-in', publicPath]).toString(), exportPublicKeyPem(publicKey));
    const fromOpenssl = importPublicKey(opensslOk(['pkey', '-in', privatePath, '-pubout', '-outform', 'DER']));
    assert.ok(fromOpenssl.equals(publicKey), name);
  }
});

test('refuses a private key PEM with PEM_BAD_LABEL', async () => {
  await assertCode(async () => importPublicKey(await exportPrivateKeyPem(keys.p256.privateKey)), 'PEM_BAD_LABEL');
  await assertCode(() => importPublicKey(toPem('CERTIFICATE', exportPublicKeyDer(keys.p256.publicKey))), 'PEM_BAD_LABEL');
});

test('refuses a certificate given as DER with KEY_MALFORMED', async () => {
  const keyPath = join(dir.path, 'cert-key.pem');
  writeFileSync(keyPath, await exportPrivateKeyPem(keys.p256.privateKey));
  const certificate = opensslOk(['req', '-x509', '-new', '-key', keyPath, '-subj', '/CN=test', '-days', '1', '-outform', 'DER']);
  await assertCode(() => importPublicKey(certificate), 'KEY_MALFORMED');
});

test('refuses empty, oversize and truncated input with its code', async () => {
  await assertCode(() => importPublicKey(''), 'KEY_MALFORMED');
  await assertCode(() => importPublicKey(Buffer.alloc(MAX_KEY_INPUT_BYTES + 1)), 'INPUT_TOO_LARGE');
  const spki = exportPublicKeyDer(keys.rsa2048.publicKey);
  for (let length = 1; length < spki.length; length++) await assertCode(() => importPublicKey(spki.subarray(0, length)), 'KEY_MALFORMED');
});

test('refuses an EC point that is not on the curve with KEY_MALFORMED', async () => {
  const spki = Buffer.from(exportPublicKeyDer(keys.p256.publicKey));
  spki[spki.length - 1]! ^= 0x01;
  await assertCode(() => importPublicKey(spki), 'KEY_MALFORMED');
});

test('refuses public keys of unsupported types with KEY_UNSUPPORTED_TYPE', async () => {
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  await assertCode(() => importPublicKey(weak.export({ format: 'der', type: 'spki' })), 'KEY_UNSUPPORTED_TYPE');
  await assertCode(() => exportPublicKeyPem(weak), 'KEY_UNSUPPORTED_TYPE');
  await assertCode(() => exportPublicKeyDer(createSecretKey(Buffer.alloc(32))), 'KEY_UNSUPPORTED_TYPE');
});

// The inputs below can reach node:crypto's key loaders, whose native asserts abort the process:
// each runs in a child process (test/support/isolated-inputs.ts), so an abort is a failure that
// names its input.
const CHECKS = new URL('../support/hostile-key-checks.ts', import.meta.url);

test('every single-bit flip of an SPKI gives a key or a typed error (exhaustive)', async () => {
  const inputs: Buffer[] = [];
  for (const key of [keys.ed25519.publicKey, keys.p256.publicKey]) {
    const spki = exportPublicKeyDer(key);
    for (let bit = 0; bit < spki.length * 8; bit++) {
      const flipped = Buffer.from(spki);
      flipped[bit >> 3]! ^= 0x80 >> (bit & 7);
      inputs.push(flipped);
    }
  }
  const run = await runIsolated(CHECKS, 'publicKey', inputs);
  assert.deepEqual(run.failures, [], describeFailures(run.failures));
  run.results.forEach((outcome, i) =>
    assert.ok(['accepted', 'KEY_MALFORMED', 'KEY_UNSUPPORTED_TYPE'].includes(outcome!), `flip ${i}: ${outcome}`),
  );
});

test('random bytes, and the point at infinity of issue 13, are refused with KEY_MALFORMED (seeded property)', async () => {
  const inputs = [
    P256_INFINITY_SPKI,
    ...fc.sample(fc.uint8Array({ minLength: 1, maxLength: 512 }), { seed: 0x5eed, numRuns: 500 }).map((bytes) => Buffer.from(bytes)),
  ];
  const run = await runIsolated(CHECKS, 'publicKey', inputs);
  assert.deepEqual(run.failures, [], describeFailures(run.failures));
  assert.deepEqual([...run.outcomes.keys()], ['KEY_MALFORMED']);
});

test('reads a public key PEM with explanatory text around the block', () => {
  const path = join(dir.path, 'annotated.pub.pem');
  writeFileSync(path, `a comment OpenSSL tools may leave\n${exportPublicKeyPem(keys.p384.publicKey)}trailing text\n`);
  assert.ok(importPublicKey(readFileSync(path)).equals(keys.p384.publicKey));
});
