import assert from 'node:assert/strict';
import { ECDH, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { decodeDer, der, readInteger } from '../../src/asn1/index.js';
import { ecCurveByName, OID } from '../../src/x509/index.js';
import { makeCertificate, spkiOf } from '../x509/certificate-parser-fixtures.js';
import {
  P256_INFINITY_CERTIFICATE,
  P256_INFINITY_CSR,
  P256_INFINITY_SPKI,
  P256_LONG_SCALAR_PKCS8,
  SECP256K1_INFINITY_CERTIFICATE,
  SECP256K1_INFINITY_CSR,
  SECP256K1_INFINITY_SPKI,
} from '../support/hostile-keys.js';
import { describeFailures, runIsolated } from '../support/isolated-inputs.js';

// Every input runs in a child process (test/support/isolated-inputs.ts): a key that reaches
// node:crypto unchecked can abort the process natively, which must be a counted failure here.

const CHECKS = new URL('../support/hostile-key-checks.ts', import.meta.url);
const P256 = ecCurveByName('P-256')!;
const scalar = (value: bigint, bytes = 32): Buffer => Buffer.from(value.toString(16).padStart(bytes * 2, '0'), 'hex');
const ecAlgorithm = (curveOid: string = OID.secp256r1): Buffer => der.sequence(der.oid(OID.ecPublicKey), der.oid(curveOid));
const pkcs8 = (ecPrivateKey: Buffer, curveOid?: string): Buffer =>
  der.sequence(der.integer(0), ecAlgorithm(curveOid), der.octetString(ecPrivateKey));
const ecPrivateKey = (d: Buffer, ...optional: Buffer[]): Buffer => der.sequence(der.integer(1), der.octetString(d), ...optional);

const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p256Spki = spkiOf(p256.publicKey);
const point = p256Spki.subarray(p256Spki.length - 65);
const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });

/** The PKCS#1 key of `rsa1024` with one of its numbers replaced. */
function rsaWith(field: number, value: bigint): Buffer {
  const fields = decodeDer(rsa1024.privateKey.export({ format: 'der', type: 'pkcs1' })).children.map((node) => readInteger(node));
  fields[field] = value;
  return der.sequenceOf(fields.map((n) => der.integer(n)));
}

/** A compressed P-256 point whose x has no y on the curve, as OpenSSL itself finds. */
const compressedOffCurve = (() => {
  for (let x = 1n; ; x++) {
    const candidate = Buffer.concat([Buffer.from([2]), scalar(x)]);
    try {
      ECDH.convertKey(candidate, 'prime256v1', undefined, undefined, 'uncompressed');
    } catch {
      return der.sequence(ecAlgorithm(), der.bitString(candidate));
    }
  }
})();
const compressedValid = der.sequence(
  ecAlgorithm(),
  der.bitString(ECDH.convertKey(point, 'prime256v1', undefined, undefined, 'compressed') as Buffer),
);

interface Case {
  readonly name: string;
  readonly input: Buffer;
  readonly code: string;
}

const cases: Readonly<Record<string, readonly Case[]>> = {
  publicKey: [
    { name: "the issue's P-256 point at infinity", input: P256_INFINITY_SPKI, code: 'KEY_MALFORMED' },
    { name: 'the secp256k1 point at infinity', input: SECP256K1_INFINITY_SPKI, code: 'KEY_MALFORMED' },
    { name: 'a valid secp256k1 key, refused before node:crypto sees it', input: spkiOf(k1.publicKey), code: 'KEY_UNSUPPORTED_TYPE' },
    {
      name: 'a P-256 point in hybrid form',
      input: der.sequence(ecAlgorithm(), der.bitString(Buffer.concat([Buffer.from([6]), point.subarray(1)]))),
      code: 'KEY_MALFORMED',
    },
    {
      name: 'a P-256 point with the P-384 OID',
      input: der.sequence(ecAlgorithm(OID.secp384r1), der.bitString(point)),
      code: 'KEY_MALFORMED',
    },
    { name: 'a DSA key', input: spkiOf(dsa.publicKey), code: 'KEY_UNSUPPORTED_TYPE' },
    {
      name: 'an Ed25519 key that is not a point',
      input: der.sequence(der.sequence(der.oid(OID.ed25519)), der.bitString(scalar(2n).reverse())),
      code: 'KEY_MALFORMED',
    },
    {
      name: 'an RSA key with an even modulus',
      input: der.sequence(
        der.sequence(der.oid(OID.rsaEncryption), der.nullValue()),
        der.bitString(der.sequence(der.integer(1n << 2047n), der.integer(65537))),
      ),
      code: 'KEY_MALFORMED',
    },
    {
      name: 'an unknown algorithm',
      input: der.sequence(der.sequence(der.oid('1.3.132.1.12'), der.oid(OID.secp256r1)), der.bitString(Buffer.from([0]))),
      code: 'KEY_MALFORMED',
    },
    { name: 'a valid P-256 key', input: p256Spki, code: 'accepted' },
  ],
  publicKeyForInspection: [
    { name: 'a valid secp256k1 key', input: spkiOf(k1.publicKey), code: 'KEY_UNSUPPORTED_TYPE' },
    { name: "the issue's P-256 point at infinity", input: P256_INFINITY_SPKI, code: 'KEY_MALFORMED' },
    { name: 'an RSA 1024 key (described, though refused for use)', input: spkiOf(rsa1024.publicKey), code: 'accepted' },
  ],
  privateKey: [
    { name: "the issue's PKCS#8 with a 33-octet P-256 scalar", input: P256_LONG_SCALAR_PKCS8, code: 'KEY_MALFORMED' },
    { name: 'a scalar of zero', input: pkcs8(ecPrivateKey(scalar(0n))), code: 'KEY_MALFORMED' },
    { name: 'a scalar of n', input: pkcs8(ecPrivateKey(scalar(P256.n))), code: 'KEY_MALFORMED' },
    { name: 'a short scalar', input: pkcs8(ecPrivateKey(scalar(5n, 31))), code: 'KEY_MALFORMED' },
    {
      name: 'a SEC1 key with a 33-octet scalar',
      input: ecPrivateKey(scalar(1n, 33), der.explicit(0, der.oid(OID.secp256r1))),
      code: 'KEY_MALFORMED',
    },
    { name: 'a SEC1 key that names no curve', input: ecPrivateKey(scalar(1n)), code: 'KEY_MALFORMED' },
    {
      name: 'a public key at infinity beside a valid scalar',
      input: pkcs8(ecPrivateKey(scalar(7n), der.explicit(1, der.bitString(Buffer.from([0]))))),
      code: 'KEY_MALFORMED',
    },
    {
      name: 'a public key off the curve beside a valid scalar',
      input: pkcs8(
        ecPrivateKey(scalar(7n), der.explicit(1, der.bitString(Buffer.concat([point.subarray(0, 64), Buffer.from([point[64]! ^ 1])])))),
      ),
      code: 'KEY_MALFORMED',
    },
    {
      name: 'a P-384 curve inside a P-256 PKCS#8',
      input: pkcs8(ecPrivateKey(scalar(7n), der.explicit(0, der.oid(OID.secp384r1)))),
      code: 'KEY_MALFORMED',
    },
    {
      name: 'explicit curve parameters',
      input: der.sequence(
        der.integer(0),
        der.sequence(der.oid(OID.ecPublicKey), der.sequence(der.integer(1))),
        der.octetString(ecPrivateKey(scalar(7n))),
      ),
      code: 'KEY_UNSUPPORTED_TYPE',
    },
    {
      name: 'a valid secp256k1 key, refused before node:crypto sees it',
      input: k1.privateKey.export({ format: 'der', type: 'pkcs8' }),
      code: 'KEY_UNSUPPORTED_TYPE',
    },
    {
      name: 'a secp256k1 key with a 33-octet scalar',
      input: pkcs8(ecPrivateKey(scalar(1n, 33)), '1.3.132.0.10'),
      code: 'KEY_UNSUPPORTED_TYPE',
    },
    { name: 'an RSA key whose primes do not multiply to the modulus', input: rsaWith(4, 3n), code: 'KEY_MALFORMED' },
    { name: 'an RSA key with an even public exponent', input: rsaWith(2, 65536n), code: 'KEY_MALFORMED' },
    {
      name: 'a multi-prime RSA key',
      input: der.sequence(der.integer(1), ...Array.from({ length: 8 }, () => der.integer(3)), der.sequence()),
      code: 'KEY_UNSUPPORTED_TYPE',
    },
    { name: 'a DSA key', input: dsa.privateKey.export({ format: 'der', type: 'pkcs8' }), code: 'KEY_UNSUPPORTED_TYPE' },
    { name: 'a valid P-256 key', input: p256.privateKey.export({ format: 'der', type: 'pkcs8' }), code: 'accepted' },
    { name: 'a valid P-256 SEC1 key', input: p256.privateKey.export({ format: 'der', type: 'sec1' }), code: 'accepted' },
  ],
  privateKeyForInspection: [
    { name: "the issue's PKCS#8 with a 33-octet P-256 scalar", input: P256_LONG_SCALAR_PKCS8, code: 'KEY_MALFORMED' },
    { name: 'a valid secp256k1 key', input: k1.privateKey.export({ format: 'der', type: 'pkcs8' }), code: 'KEY_UNSUPPORTED_TYPE' },
    {
      name: 'an RSA 1024 key (described, though refused for use)',
      input: rsa1024.privateKey.export({ format: 'der', type: 'pkcs8' }),
      code: 'accepted',
    },
  ],
  publicKeyInfo: [
    { name: "the issue's P-256 point at infinity", input: P256_INFINITY_SPKI, code: 'KEY_MALFORMED' },
    { name: 'the secp256k1 point at infinity', input: SECP256K1_INFINITY_SPKI, code: 'KEY_MALFORMED' },
    { name: 'a compressed P-256 x with no y', input: compressedOffCurve, code: 'KEY_MALFORMED' },
    { name: 'a valid compressed P-256 point', input: compressedValid, code: 'accepted' },
  ],
  certificate: [
    { name: "the issue's certificate with the secp256k1 point at infinity", input: SECP256K1_INFINITY_CERTIFICATE, code: 'CERT_MALFORMED' },
    { name: 'a certificate with the P-256 point at infinity', input: P256_INFINITY_CERTIFICATE, code: 'CERT_MALFORMED' },
    {
      name: 'a certificate with a valid secp256k1 key: parsed, its key never loaded',
      input: makeCertificate({ spki: spkiOf(k1.publicKey) }),
      code: 'KEY_UNSUPPORTED_TYPE',
    },
  ],
  csr: [
    { name: 'a CSR with the P-256 point at infinity', input: P256_INFINITY_CSR, code: 'CSR_MALFORMED' },
    { name: 'a CSR with the secp256k1 point at infinity', input: SECP256K1_INFINITY_CSR, code: 'CSR_MALFORMED' },
  ],
};

for (const [check, list] of Object.entries(cases)) {
  test(`${check}: hostile keys get a typed error in a process that lives on`, async () => {
    const run = await runIsolated(
      CHECKS,
      check,
      list.map((c) => c.input),
    );
    assert.deepEqual(run.failures, [], describeFailures(run.failures));
    list.forEach((c, i) => assert.equal(run.results[i], c.code, c.name));
  });
}

test('the child-process harness counts a native abort as a failure of the input it died on, and goes on', async () => {
  const inputs = [Buffer.from('ok'), Buffer.from('abort'), Buffer.from('ok again')];
  const run = await runIsolated(new URL('../support/abort-check.ts', import.meta.url), 'abortOn', inputs);
  assert.deepEqual(run.results, ['fine', undefined, 'fine']);
  assert.equal(run.failures.length, 1);
  assert.equal(run.failures[0]!.index, 1);
  assert.match(run.failures[0]!.reason, /SIGABRT|exit 134/);
});
