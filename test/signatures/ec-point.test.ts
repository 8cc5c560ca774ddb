import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ECDH, generateKeyPairSync } from 'node:crypto';
import { ecCurveByName, ecPointFault, ecPrivateKeyFault } from '../../src/signatures/ec-point.js';
import type { EcCurve } from '../../src/signatures/ec-point.js';
import { ed25519PublicKeyFault } from '../../src/signatures/ed25519-point.js';
import { parseCertificate } from '../../src/x509/index.js';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const POINT_BYTES = { 'P-256': 65, 'P-384': 97, 'P-521': 133 } as const;
type CurveName = keyof typeof POINT_BYTES;
const NODE_NAMES: Readonly<Record<CurveName, string>> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

function curve(name: CurveName): EcCurve {
  return ecCurveByName(name)!;
}

function pointOf(name: CurveName): Buffer {
  const spki = generateKeyPairSync('ec', { namedCurve: name }).publicKey.export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - POINT_BYTES[name]);
}

function compressed(name: CurveName, point: Buffer): Buffer {
  return ECDH.convertKey(point, NODE_NAMES[name], undefined, undefined, 'compressed') as Buffer;
}

function be(value: bigint, bytes: number): Buffer {
  return Buffer.from(value.toString(16).padStart(bytes * 2, '0'), 'hex');
}

test('accepts points of keys node:crypto generates, uncompressed and compressed, on each listed curve', () => {
  for (const name of ['P-256', 'P-384', 'P-521'] as const) {
    for (let i = 0; i < 20; i++) {
      const point = pointOf(name);
      assert.equal(ecPointFault(curve(name), point), undefined, name);
      assert.equal(ecPointFault(curve(name), compressed(name, point)), undefined, `${name} compressed`);
    }
  }
});

test('refuses the point at infinity, a point off the curve, coordinates not below p, wrong lengths and hybrid forms', () => {
  const p256 = curve('P-256');
  const point = pointOf('P-256');
  assert.match(ecPointFault(p256, Buffer.from([0]))!, /infinity/);
  assert.match(ecPointFault(p256, Buffer.alloc(0))!, /empty/);
  const off = Buffer.from(point);
  off[64]! ^= 0x01;
  assert.match(ecPointFault(p256, off)!, /not a point on its curve/);
  assert.match(ecPointFault(p256, Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xff)]))!, /not below p/);
  assert.match(
    ecPointFault(p256, Buffer.concat([Buffer.from([4]), point.subarray(1, 33), be(p256.p, 32)]))!,
    /y coordinate is not below p/,
  );
  assert.match(ecPointFault(p256, Buffer.concat([Buffer.from([2]), be(p256.p, 32)]))!, /x coordinate is not below p/);
  assert.match(ecPointFault(p256, point.subarray(0, 64))!, /64 bytes, not 65/);
  assert.match(ecPointFault(p256, compressed('P-256', point).subarray(0, 32))!, /32 bytes, not 33/);
  const hybrid = Buffer.from(point);
  hybrid[0] = 0x06;
  assert.match(ecPointFault(p256, hybrid)!, /hybrid/);
  assert.notEqual(ecPointFault(curve('P-384'), point), undefined);
});

test('refuses a compressed x for which the curve has no y, as OpenSSL does', () => {
  const p256 = curve('P-256');
  let found = 0;
  for (let x = 1n; found < 5; x++) {
    const candidate = Buffer.concat([Buffer.from([2]), be(x, 32)]);
    let isOpenSslPoint = true;
    try {
      ECDH.convertKey(candidate, 'prime256v1', undefined, undefined, 'uncompressed');
    } catch {
      isOpenSslPoint = false;
    }
    assert.equal(ecPointFault(p256, candidate) === undefined, isOpenSslPoint, `x = ${x}`);
    if (!isOpenSslPoint) found++;
  }
});

test('only the form of a point is checked on a curve Symbolon does not list', () => {
  assert.equal(ecPointFault(undefined, Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)])), undefined);
  assert.match(ecPointFault(undefined, Buffer.from([0]))!, /infinity/);
  assert.notEqual(ecPointFault(undefined, Buffer.from([4, 1])), undefined);
  assert.notEqual(ecPointFault(undefined, Buffer.from([2])), undefined);
});

test('a private scalar is 1..n-1 and exactly as long as the curve order', () => {
  for (const name of ['P-256', 'P-384', 'P-521'] as const) {
    const c = curve(name);
    assert.equal(ecPrivateKeyFault(c, be(1n, c.bytes)), undefined);
    assert.equal(ecPrivateKeyFault(c, be(c.n - 1n, c.bytes)), undefined);
    assert.match(ecPrivateKeyFault(c, be(0n, c.bytes))!, /between 1 and n - 1/);
    assert.match(ecPrivateKeyFault(c, be(c.n, c.bytes))!, /between 1 and n - 1/);
    assert.match(ecPrivateKeyFault(c, be(1n, c.bytes + 1))!, /bytes, not/);
    assert.match(ecPrivateKeyFault(c, be(1n, c.bytes - 1))!, /bytes, not/);
  }
});

test('Ed25519 public keys decode as RFC 8032 5.1.3 says', () => {
  const P = (1n << 255n) - 19n;
  for (let i = 0; i < 20; i++) {
    const spki = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
    assert.equal(ed25519PublicKeyFault(spki.subarray(spki.length - 32)), undefined);
  }
  const le = (value: bigint): Buffer => be(value, 32).reverse();
  assert.match(ed25519PublicKeyFault(le(P))!, /not below p/);
  assert.match(ed25519PublicKeyFault(Buffer.alloc(31))!, /31 bytes/);
  // y = 1 is the neutral point, x = 0: with the sign bit set it is not canonical.
  assert.equal(ed25519PublicKeyFault(le(1n)), undefined);
  const negativeZero = le(1n);
  negativeZero[31]! |= 0x80;
  assert.match(ed25519PublicKeyFault(negativeZero)!, /x = 0/);
  // Euler's criterion on x² = (y² - 1) / (d y² + 1), worked out independently of the decoder.
  const pow = (b: bigint, e: bigint): bigint => {
    let r = 1n;
    for (let x = ((b % P) + P) % P, k = e; k > 0n; k >>= 1n, x = (x * x) % P) if (k & 1n) r = (r * x) % P;
    return r;
  };
  const d = (((-121665n * pow(121666n, P - 2n)) % P) + P) % P;
  let refused = 0;
  for (let y = 2n; y < 60n; y++) {
    const x2 = ((((y * y - 1n) * pow(d * y * y + 1n, P - 2n)) % P) + P) % P;
    const isSquare = x2 === 0n || pow(x2, (P - 1n) / 2n) === 1n;
    assert.equal(ed25519PublicKeyFault(le(y)) === undefined, isSquare, `y = ${y}`);
    if (!isSquare) refused++;
  }
  assert.ok(refused > 10);
});

test('loads a certificate key on first use only, and the same SPKI gives the same KeyObject', () => {
  const dir = mkdtempSync(join(tmpdir(), 'symbolon-ec-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.der'),
        '-outform',
        'DER',
        '-subj',
        '/CN=lazy',
        '-days',
        '1',
      ],
      { stdio: 'ignore' },
    );
    const der = readFileSync(join(dir, 'c.der'));
    const first = parseCertificate(der);
    const second = parseCertificate(der);
    assert.ok(Object.isFrozen(first.publicKey));
    const key = first.publicKey.keyObject;
    assert.equal(key?.asymmetricKeyType, 'ec');
    assert.equal(second.publicKey.keyObject, key);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
