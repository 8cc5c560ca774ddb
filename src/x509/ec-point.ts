/**
 * Is an uncompressed EC point on its NIST curve? SEC 1 3.2.2.1 public key validation (range and
 * curve equation) in BigInt arithmetic: a few microseconds, against the ~100 µs OpenSSL 3 takes
 * to decode an SPKI, so a parser can stay strict and still load keys only when they are used.
 */
interface Curve {
  readonly bytes: number;
  readonly p: bigint;
  readonly b: bigint;
}

// FIPS 186-4 D.1.2: the curves' prime p and coefficient b; a = p - 3 for all three.
const CURVES: Readonly<Record<string, Curve>> = {
  'P-256': {
    bytes: 32,
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  'P-384': {
    bytes: 48,
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
  'P-521': {
    bytes: 66,
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  },
};

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt('0x' + (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') || '0'));
}

/** True when `point` is `04 || X || Y` of the curve's size with X, Y < p and Y² = X³ − 3X + b. */
export function isUncompressedPointOnCurve(curveName: string, point: Uint8Array): boolean {
  const curve = CURVES[curveName];
  if (curve === undefined || point.length !== 1 + 2 * curve.bytes || point[0] !== 0x04) return false;
  const { p, b } = curve;
  const x = toBigInt(point.subarray(1, 1 + curve.bytes));
  const y = toBigInt(point.subarray(1 + curve.bytes));
  if (x >= p || y >= p) return false;
  const right = (((x * x) % p) * x - 3n * x + b) % p;
  return (y * y) % p === (right + p) % p;
}
