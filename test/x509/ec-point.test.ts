import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { isUncompressedPointOnCurve } from '../../src/x509/ec-point.js';
import { parseCertificate } from '../../src/x509/index.js';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const POINT_BYTES = { 'P-256': 65, 'P-384': 97, 'P-521': 133 } as const;

function pointOf(curve: keyof typeof POINT_BYTES): Buffer {
  const spki = generateKeyPairSync('ec', { namedCurve: curve }).publicKey.export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - POINT_BYTES[curve]);
}

test('accepts points of keys node:crypto generates, on each NIST curve', () => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
    for (let i = 0; i < 20; i++) assert.equal(isUncompressedPointOnCurve(curve, pointOf(curve)), true, curve);
  }
});

test('refuses a point off the curve, coordinates not below p, wrong length and compressed form', () => {
  const point = pointOf('P-256');
  const off = Buffer.from(point);
  off[64]! ^= 0x01;
  assert.equal(isUncompressedPointOnCurve('P-256', off), false);
  const huge = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xff)]);
  assert.equal(isUncompressedPointOnCurve('P-256', huge), false);
  assert.equal(isUncompressedPointOnCurve('P-256', point.subarray(0, 64)), false);
  const compressed = Buffer.from(point);
  compressed[0] = 0x02;
  assert.equal(isUncompressedPointOnCurve('P-256', compressed), false);
  assert.equal(isUncompressedPointOnCurve('P-384', point), false);
  assert.equal(isUncompressedPointOnCurve('secp256k1', point), false);
});

test('loads a certificate key on first use only, and the same SPKI gives the same KeyObject', () => {
  const dir = mkdtempSync(join(tmpdir(), 'symbolon-ec-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.der'), '-outform', 'DER', '-subj', '/CN=lazy', '-days', '1'], { stdio: 'ignore' });
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
