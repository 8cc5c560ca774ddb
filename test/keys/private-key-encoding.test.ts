import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { decodeDer, der, readInteger, readOctetString, readOid } from '../../src/asn1/index.js';
import {
  MAX_KEY_INPUT_BYTES,
  PBKDF2_ITERATIONS,
  exportPrivateKeyDer,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  importPrivateKey,
} from '../../src/keys/index.js';
import { toPem } from '../../src/asn1/pem.js';
import { P256_LONG_SCALAR_PKCS8 } from '../support/hostile-keys.js';
import { describeFailures, runIsolated } from '../support/isolated-inputs.js';
import { assertCode, makeTempDir, opensslOk } from './support.js';

const PASSPHRASE = 'correct horse battery';
const dir = makeTempDir();
const file = (name: string): string => join(dir.path, name);

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ed25519 = generateKeyPairSync('ed25519');
let p256Der: Buffer;
let p256EncryptedDer: Buffer;

before(async () => {
  p256Der = await exportPrivateKeyDer(p256.privateKey);
  p256EncryptedDer = await exportPrivateKeyDer(p256.privateKey, { passphrase: PASSPHRASE });
  // Keys made by OpenSSL, in the forms other tools hand us.
  opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file('ec.pem')]);
  opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-outform', 'DER', '-out', file('ec384.der')]);
  opensslOk(['genpkey', '-algorithm', 'ED25519', '-out', file('ed25519.pem')]);
  opensslOk(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file('rsa.pem')]);
  opensslOk(['pkey', '-in', file('ec.pem'), '-traditional', '-out', file('ec-legacy.pem')]);
  opensslOk(['pkey', '-in', file('rsa.pem'), '-traditional', '-out', file('rsa-legacy.pem')]);
  opensslOk(['pkey', '-in', file('rsa.pem'), '-traditional', '-outform', 'DER', '-out', file('rsa-legacy.der')]);
  opensslOk(['ecparam', '-name', 'prime256v1', '-genkey', '-out', file('ecparam.pem')]);
  opensslOk(['pkey', '-in', file('ec.pem'), '-aes256', '-passout', `pass:${PASSPHRASE}`, '-out', file('ec-enc.pem')]);
  opensslOk([
    'pkcs8',
    '-topk8',
    '-in',
    file('ec.pem'),
    '-v2',
    'aes-128-cbc',
    '-v2prf',
    'hmacWithSHA1',
    '-passout',
    `pass:${PASSPHRASE}`,
    '-out',
    file('ec-enc-sha1.pem'),
  ]);
  opensslOk(['pkcs8', '-topk8', '-in', file('ec.pem'), '-scrypt', '-passout', `pass:${PASSPHRASE}`, '-out', file('ec-enc-scrypt.pem')]);
  opensslOk([
    'pkcs8',
    '-topk8',
    '-in',
    file('ec.pem'),
    '-v1',
    'PBE-SHA1-3DES',
    '-passout',
    `pass:${PASSPHRASE}`,
    '-out',
    file('ec-enc-pbes1.pem'),
  ]);
  opensslOk([
    'pkey',
    '-in',
    file('ec.pem'),
    '-traditional',
    '-aes256',
    '-passout',
    `pass:${PASSPHRASE}`,
    '-out',
    file('ec-enc-legacy.pem'),
  ]);
  opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1', '-out', file('k1.pem')]);
  opensslOk(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', file('rsa1024.pem')]);
});
after(() => dir.remove());

/** The public key OpenSSL derives from a private key file, as PEM. */
function opensslPublicPem(path: string, ...extra: string[]): string {
  return opensslOk(['pkey', '-in', path, ...extra, '-pubout']).toString();
}

test('imports PKCS#8 keys made by openssl genpkey, in PEM and DER', async () => {
  for (const name of ['ec.pem', 'ed25519.pem', 'rsa.pem']) {
    const key = await importPrivateKey(readFileSync(file(name), 'utf8'));
    assert.equal(exportPublicKeyPem(key), opensslPublicPem(file(name)), name);
  }
  const key = await importPrivateKey(readFileSync(file('ec384.der')));
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'secp384r1');
  assert.equal(exportPublicKeyPem(key), opensslPublicPem(file('ec384.der'), '-inform', 'DER'));
});

test('imports legacy EC PRIVATE KEY and RSA PRIVATE KEY PEM, and PKCS#1 DER', async () => {
  const ec = await importPrivateKey(readFileSync(file('ec-legacy.pem'), 'utf8'));
  assert.equal(exportPublicKeyPem(ec), opensslPublicPem(file('ec.pem')));
  const rsa = await importPrivateKey(readFileSync(file('rsa-legacy.pem')));
  assert.equal(exportPublicKeyPem(rsa), opensslPublicPem(file('rsa.pem')));
  const rsaDer = await importPrivateKey(readFileSync(file('rsa-legacy.der')));
  assert.equal(exportPublicKeyPem(rsaDer), opensslPublicPem(file('rsa.pem')));
});

test('exports a legacy-imported key as PKCS#8', async () => {
  const pem = await exportPrivateKeyPem(await importPrivateKey(readFileSync(file('ec-legacy.pem'))));
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
});

test('imports the EC PARAMETERS plus EC PRIVATE KEY file of openssl ecparam -genkey', async () => {
  const key = await importPrivateKey(readFileSync(file('ecparam.pem'), 'utf8'));
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
});

test('imports keys openssl encrypted with PBES2: PBKDF2-SHA256 AES-256, PBKDF2-SHA1 AES-128 and scrypt', async () => {
  const expected = opensslPublicPem(file('ec.pem'));
  for (const name of ['ec-enc.pem', 'ec-enc-sha1.pem', 'ec-enc-scrypt.pem']) {
    const key = await importPrivateKey(readFileSync(file(name), 'utf8'), { passphrase: PASSPHRASE });
    assert.equal(exportPublicKeyPem(key), expected, name);
  }
});

test('refuses PBES1 and legacy PEM encryption with KEY_UNSUPPORTED_ENCRYPTION', async () => {
  await assertCode(
    () => importPrivateKey(readFileSync(file('ec-enc-pbes1.pem')), { passphrase: PASSPHRASE }),
    'KEY_UNSUPPORTED_ENCRYPTION',
  );
  await assertCode(
    () => importPrivateKey(readFileSync(file('ec-enc-legacy.pem')), { passphrase: PASSPHRASE }),
    'KEY_UNSUPPORTED_ENCRYPTION',
  );
});

test('refuses keys of unsupported types on import', async () => {
  await assertCode(() => importPrivateKey(readFileSync(file('k1.pem'))), 'KEY_UNSUPPORTED_TYPE');
  await assertCode(() => importPrivateKey(readFileSync(file('rsa1024.pem'))), 'KEY_UNSUPPORTED_TYPE');
});

test('imports a plain key when a passphrase is given anyway', async () => {
  const key = await importPrivateKey(p256Der, { passphrase: PASSPHRASE });
  assert.deepEqual(await exportPrivateKeyDer(key), p256Der);
});

test('needs the passphrase for an encrypted key: KEY_PASSPHRASE_REQUIRED', async () => {
  await assertCode(() => importPrivateKey(p256EncryptedDer), 'KEY_PASSPHRASE_REQUIRED');
  await assertCode(() => importPrivateKey(toPem('ENCRYPTED PRIVATE KEY', p256EncryptedDer)), 'KEY_PASSPHRASE_REQUIRED');
});

test('refuses a wrong or empty passphrase with KEY_BAD_PASSPHRASE', async () => {
  await assertCode(() => importPrivateKey(p256EncryptedDer, { passphrase: 'correct horse battery!' }), 'KEY_BAD_PASSPHRASE');
  await assertCode(() => importPrivateKey(p256EncryptedDer, { passphrase: '' }), 'KEY_BAD_PASSPHRASE');
});

test('refuses damaged ciphertext with KEY_BAD_PASSPHRASE, as CBC cannot tell it from a wrong passphrase', async () => {
  const damaged = Buffer.from(p256EncryptedDer);
  const ciphertext = readOctetString(decodeDer(damaged).children[1]!);
  const at = damaged.length - ciphertext.length;
  damaged[at]! ^= 0x01;
  await assertCode(() => importPrivateKey(damaged, { passphrase: PASSPHRASE }), 'KEY_BAD_PASSPHRASE');
});

test('encrypts with PBES2: PBKDF2-HMAC-SHA256 at 600,000 iterations and AES-256-CBC, fresh salt and IV each time', async () => {
  const again = await exportPrivateKeyDer(p256.privateKey, { passphrase: PASSPHRASE });
  const read = (encrypted: Buffer) => {
    const [algorithm] = decodeDer(encrypted).children;
    const [kdf, cipher] = algorithm!.children[1]!.children;
    const [salt, iterations, prf] = kdf!.children[1]!.children;
    return {
      scheme: readOid(algorithm!.children[0]!),
      kdf: readOid(kdf!.children[0]!),
      salt: readOctetString(salt!),
      iterations: readInteger(iterations!),
      prf: readOid(prf!.children[0]!),
      cipher: readOid(cipher!.children[0]!),
      iv: readOctetString(cipher!.children[1]!),
    };
  };
  const first = read(p256EncryptedDer);
  const second = read(again);
  assert.equal(first.scheme, '1.2.840.113549.1.5.13');
  assert.equal(first.kdf, '1.2.840.113549.1.5.12');
  assert.equal(first.iterations, BigInt(PBKDF2_ITERATIONS));
  assert.equal(PBKDF2_ITERATIONS, 600_000);
  assert.equal(first.prf, '1.2.840.113549.2.9');
  assert.equal(first.cipher, '2.16.840.1.101.3.4.1.42');
  assert.equal(first.salt.length, 16);
  assert.notDeepEqual(first.salt, second.salt);
  assert.notDeepEqual(first.iv, second.iv);
});

test('refuses to encrypt with a passphrase under 8 characters: KEY_WEAK_PASSPHRASE', async () => {
  await assertCode(() => exportPrivateKeyPem(p256.privateKey, { passphrase: 'seven77' }), 'KEY_WEAK_PASSPHRASE');
  await assertCode(() => exportPrivateKeyDer(p256.privateKey, { passphrase: '' }), 'KEY_WEAK_PASSPHRASE');
  // Seven characters, fourteen UTF-16 code units: characters are what count.
  await assertCode(() => exportPrivateKeyPem(p256.privateKey, { passphrase: '🔑'.repeat(7) }), 'KEY_WEAK_PASSPHRASE');
});

test('encrypts with a non-ASCII passphrase that openssl reads as UTF-8', async () => {
  const passphrase = 'pässwörd-🔑';
  writeFileSync(file('unicode.pem'), await exportPrivateKeyPem(ed25519.privateKey, { passphrase }));
  assert.equal(opensslPublicPem(file('unicode.pem'), '-passin', `pass:${passphrase}`), exportPublicKeyPem(ed25519.publicKey));
});

test('refuses to export a public key as a private key: KEY_MALFORMED', async () => {
  await assertCode(() => exportPrivateKeyDer(p256.publicKey), 'KEY_MALFORMED');
});

test('refuses empty input with KEY_MALFORMED', async () => {
  await assertCode(() => importPrivateKey(''), 'KEY_MALFORMED');
  await assertCode(() => importPrivateKey(new Uint8Array(0)), 'KEY_MALFORMED');
});

test('refuses input over the size cap with INPUT_TOO_LARGE', async () => {
  await assertCode(() => importPrivateKey(Buffer.alloc(MAX_KEY_INPUT_BYTES + 1, 0x30)), 'INPUT_TOO_LARGE');
  const pem = toPem('PRIVATE KEY', p256Der) + 'x'.repeat(MAX_KEY_INPUT_BYTES);
  await assertCode(() => importPrivateKey(pem), 'INPUT_TOO_LARGE');
});

test('refuses every truncation of a PKCS#8 and an encrypted PKCS#8 DER key with KEY_MALFORMED', async () => {
  for (const whole of [p256Der, p256EncryptedDer]) {
    for (let length = 1; length < whole.length; length++) {
      await assertCode(() => importPrivateKey(whole.subarray(0, length), { passphrase: PASSPHRASE }), 'KEY_MALFORMED');
    }
  }
});

test('refuses DER with trailing bytes with KEY_MALFORMED', async () => {
  await assertCode(() => importPrivateKey(Buffer.concat([p256Der, Buffer.from([0])])), 'KEY_MALFORMED');
});

test('refuses a PEM block with another label with PEM_BAD_LABEL', async () => {
  await assertCode(() => importPrivateKey(toPem('CERTIFICATE', p256Der)), 'PEM_BAD_LABEL');
  await assertCode(() => importPrivateKey(exportPublicKeyPem(p256.publicKey)), 'PEM_BAD_LABEL');
});

test('refuses a PEM label that does not match the key inside with KEY_MALFORMED', async () => {
  await assertCode(() => importPrivateKey(toPem('PRIVATE KEY', p256EncryptedDer), { passphrase: PASSPHRASE }), 'KEY_MALFORMED');
  await assertCode(() => importPrivateKey(toPem('EC PRIVATE KEY', p256Der)), 'KEY_MALFORMED');
  await assertCode(() => importPrivateKey(toPem('RSA PRIVATE KEY', p256Der)), 'KEY_MALFORMED');
});

test('refuses PEM holding two private keys with KEY_MALFORMED', async () => {
  const pem = toPem('PRIVATE KEY', p256Der) + (await exportPrivateKeyPem(ed25519.privateKey));
  await assertCode(() => importPrivateKey(pem), 'KEY_MALFORMED');
});

test('refuses broken PEM with its PEM code', async () => {
  const pem = toPem('PRIVATE KEY', p256Der);
  await assertCode(() => importPrivateKey(pem.replace('-----END PRIVATE KEY-----\n', '')), 'PEM_UNTERMINATED');
  await assertCode(() => importPrivateKey(pem.replace(/\n(.)/, '\n*$1')), 'PEM_BAD_BASE64');
});

test('refuses a well-formed DER value that is not a private key with KEY_MALFORMED', async () => {
  await assertCode(() => importPrivateKey(der.sequence(der.integer(0), der.integer(1))), 'KEY_MALFORMED');
  await assertCode(() => importPrivateKey(der.octetString(Buffer.alloc(32, 7))), 'KEY_MALFORMED');
  // PKCS#8 shape, unknown algorithm.
  const unknown = der.sequence(der.integer(0), der.sequence(der.oid('1.2.3.4')), der.octetString(Buffer.alloc(32, 7)));
  await assertCode(() => importPrivateKey(unknown), 'KEY_MALFORMED');
});

test('refuses excessive key derivation work and foreign ciphers with KEY_UNSUPPORTED_ENCRYPTION, without deriving', async () => {
  const encrypted = (kdfParams: Buffer, cipherOid = '2.16.840.1.101.3.4.1.42') =>
    der.sequence(
      der.sequence(
        der.oid('1.2.840.113549.1.5.13'),
        der.sequence(
          der.sequence(der.oid('1.2.840.113549.1.5.12'), kdfParams),
          der.sequence(der.oid(cipherOid), der.octetString(Buffer.alloc(16))),
        ),
      ),
      der.octetString(Buffer.alloc(32)),
    );
  // Deriving with 2^31 PBKDF2 iterations would take many minutes: the refusal comes before any derivation.
  await assertCode(
    () => importPrivateKey(encrypted(der.sequence(der.octetString(Buffer.alloc(16)), der.integer(2 ** 31))), { passphrase: PASSPHRASE }),
    'KEY_UNSUPPORTED_ENCRYPTION',
  );
  await assertCode(
    () =>
      importPrivateKey(encrypted(der.sequence(der.octetString(Buffer.alloc(16)), der.integer(1000)), '1.2.840.113549.3.7'), {
        passphrase: PASSPHRASE,
      }),
    'KEY_UNSUPPORTED_ENCRYPTION',
  );
  await assertCode(
    () => importPrivateKey(encrypted(der.sequence(der.octetString(Buffer.alloc(16)), der.integer(0))), { passphrase: PASSPHRASE }),
    'KEY_MALFORMED',
  );
});

const KEY_IMPORT_OUTCOMES: readonly string[] = ['accepted', 'KEY_MALFORMED', 'KEY_UNSUPPORTED_TYPE'];

// The inputs below can reach node:crypto's key loaders, whose native asserts abort the process:
// each runs in a child process (test/support/isolated-inputs.ts), so an abort is a failure that
// names its input. The mutants are drawn here, seeded, so a failure replays.
const CHECKS = new URL('../support/hostile-key-checks.ts', import.meta.url);

test('every single-bit flip of a PKCS#8 key gives a key or KEY_MALFORMED / KEY_UNSUPPORTED_TYPE, never a raw error', async () => {
  const inputs: Buffer[] = [];
  for (const whole of [p256Der, await exportPrivateKeyDer(ed25519.privateKey)]) {
    for (let bit = 0; bit < whole.length * 8; bit++) {
      const flipped = Buffer.from(whole);
      flipped[bit >> 3]! ^= 0x80 >> (bit & 7);
      inputs.push(flipped);
    }
  }
  const run = await runIsolated(CHECKS, 'privateKey', inputs);
  assert.deepEqual(run.failures, [], describeFailures(run.failures));
  run.results.forEach((outcome, i) => assert.ok(KEY_IMPORT_OUTCOMES.includes(outcome!), `flip ${i}: ${outcome}`));
  const flippedTag = Buffer.from(p256Der);
  flippedTag[0]! ^= 0x01;
  await assertCode(() => importPrivateKey(flippedTag), 'KEY_MALFORMED');
});

test('random bytes, and the over-long scalar of issue 13, are refused with KEY_MALFORMED (seeded property)', async () => {
  const inputs = [
    P256_LONG_SCALAR_PKCS8,
    ...fc.sample(fc.uint8Array({ minLength: 1, maxLength: 512 }), { seed: 0x5eed, numRuns: 500 }).map((bytes) => Buffer.from(bytes)),
  ];
  const run = await runIsolated(CHECKS, 'privateKey', inputs);
  assert.deepEqual(run.failures, [], describeFailures(run.failures));
  assert.deepEqual([...run.outcomes.keys()], ['KEY_MALFORMED']);
});

test('random overwrites of PKCS#8 DER give a key or a typed error (seeded property)', async () => {
  const rsaDer = await exportPrivateKeyDer(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const edits = fc.tuple(
    fc.constantFrom(p256Der, rsaDer),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
  );
  const inputs = fc.sample(edits, { seed: 0x5eed, numRuns: 500 }).map(([whole, overwrites]) => {
    const mutated = Buffer.from(whole);
    for (const [at, value] of overwrites) mutated[at % mutated.length] = value;
    return mutated;
  });
  const run = await runIsolated(CHECKS, 'privateKey', inputs);
  assert.deepEqual(run.failures, [], describeFailures(run.failures));
  run.results.forEach((outcome, i) => assert.ok(KEY_IMPORT_OUTCOMES.includes(outcome!), `input ${i}: ${outcome}`));
});
