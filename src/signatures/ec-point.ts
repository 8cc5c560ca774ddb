import { bytesToBigInt, mod, modPow } from './modular-arithmetic.js';
import { ALGORITHM_OID as OID } from './algorithm-oids.js';

/**
 * The named curves Symbolon lists (FIPS 186-4 D.1.2), and the checks of their key material in
 * BigInt arithmetic, made before any byte reaches OpenSSL: node:crypto loads some invalid keys
 * (the point at infinity, a scalar longer than the curve) and then aborts the whole process
 * when asked about them. A check takes a few microseconds, against the ~100 µs OpenSSL 3 takes
 * to decode an SPKI, so a parser can stay strict and still load keys only when they are used.
 */
export interface EcCurve {
  /** The NIST name, as Symbolon shows it. */
  readonly name: 'P-256' | 'P-384' | 'P-521';
  readonly oid: string;
  /** Field size in bits, as `openssl x509 -text` prints "Public-Key: (N bit)". */
  readonly bits: number;
  /** Octets of one field element, of one coordinate and of a private scalar (SEC 1 2.3.5, 2.3.7). */
  readonly bytes: number;
  /** The prime p; the coefficient a is p - 3 on all three curves. */
  readonly p: bigint;
  readonly b: bigint;
  /** The order n of the base point; the cofactor is 1 on all three curves. */
  readonly n: bigint;
}

const CURVES: readonly EcCurve[] = [
  {
    name: 'P-256',
    oid: OID.secp256r1,
    bits: 256,
    bytes: 32,
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  },
  {
    name: 'P-384',
    oid: OID.secp384r1,
    bits: 384,
    bytes: 48,
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
  {
    name: 'P-521',
    oid: OID.secp521r1,
    bits: 521,
    bytes: 66,
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  },
];

/** The listed curve named by its OID (RFC 5480 2.1.1.1), or undefined for any other curve. */
export function ecCurveByOid(oid: string): EcCurve | undefined {
  return CURVES.find((curve) => curve.oid === oid);
}

/** Curves Symbolon does not list, named as OpenSSL names them, so a refusal can say which one. */
const UNLISTED_CURVE_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.1': 'prime192v1',
  '1.3.132.0.33': 'secp224r1',
  '1.3.132.0.10': 'secp256k1',
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
  '1.3.36.3.3.2.8.1.1.11': 'brainpoolP384r1',
  '1.3.36.3.3.2.8.1.1.13': 'brainpoolP512r1',
};

/** A curve's name from its OID: the NIST name of a listed curve, OpenSSL's name of a few others, else the OID. */
export function ecCurveName(oid: string): string {
  return ecCurveByOid(oid)?.name ?? UNLISTED_CURVE_NAMES[oid] ?? oid;
}

/** The listed curve of this NIST name, or undefined. */
export function ecCurveByName(name: string): EcCurve | undefined {
  return CURVES.find((curve) => curve.name === name);
}

/** x³ − 3x + b mod p: the right-hand side of the curve equation. */
function curveRight(curve: EcCurve, x: bigint): bigint {
  const { p, b } = curve;
  return mod(((x * x) % p) * x - 3n * x + b, p);
}

/**
 * Why `point` is not a public key on `curve`, or undefined when it is one: SEC 1 2.3.4
 * (uncompressed `04 || X || Y` or compressed `02/03 || X`, each coordinate below p) and 3.2.2.1
 * (on the curve; the cofactor is 1, so a point on the curve is in the group). The point at
 * infinity (the single octet 00) is never a public key. Without a curve (one Symbolon does not
 * list), only the form of the encoding is checked.
 */
export function ecPointFault(curve: EcCurve | undefined, point: Uint8Array): string | undefined {
  if (point.length === 0) return 'the EC point is empty';
  const form = point[0]!;
  if (form === 0x00) return 'the EC point is the point at infinity';
  if (form !== 0x02 && form !== 0x03 && form !== 0x04)
    return `the EC point has the unknown or hybrid form 0x${form.toString(16).padStart(2, '0')}`;
  if (curve === undefined) {
    const isWellSized = form === 0x04 ? point.length >= 3 && point.length % 2 === 1 : point.length >= 2;
    return isWellSized ? undefined : `the EC point is ${point.length} bytes, not a possible length for its form`;
  }
  const expected = form === 0x04 ? 1 + 2 * curve.bytes : 1 + curve.bytes;
  if (point.length !== expected) return `the ${curve.name} point is ${point.length} bytes, not ${expected}`;
  const { p } = curve;
  const x = bytesToBigInt(point.subarray(1, 1 + curve.bytes));
  if (x >= p) return `the ${curve.name} point's x coordinate is not below p`;
  const right = curveRight(curve, x);
  if (form === 0x04) {
    const y = bytesToBigInt(point.subarray(1 + curve.bytes));
    if (y >= p) return `the ${curve.name} point's y coordinate is not below p`;
    return (y * y) % p === right ? undefined : `the ${curve.name} public key is not a point on its curve`;
  }
  // SEC 1 2.3.4 step 2.4.1: y is a square root of the right side; p ≡ 3 (mod 4) on all three curves.
  const y = modPow(right, (p + 1n) / 4n, p);
  if ((y * y) % p !== right) return `the compressed ${curve.name} point has no y on the curve`;
  if (y === 0n && form === 0x03) return `the compressed ${curve.name} point names an odd y of 0`;
  return undefined;
}

/**
 * Why `scalar` is not a private key on `curve`, or undefined when it is one: RFC 5915 3 fixes
 * its length at that of the order n, and SEC 1 3.2.1 its value in 1..n-1.
 */
export function ecPrivateKeyFault(curve: EcCurve, scalar: Uint8Array): string | undefined {
  if (scalar.length !== curve.bytes) return `the ${curve.name} private key is ${scalar.length} bytes, not ${curve.bytes}`;
  const d = bytesToBigInt(scalar);
  if (d === 0n || d >= curve.n) return `the ${curve.name} private key is not between 1 and n - 1`;
  return undefined;
}
