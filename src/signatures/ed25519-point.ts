import { mod, modPow } from './modular-arithmetic.js';

// RFC 8032 5.1: p = 2^255 - 19, d = -121665/121666 mod p.
const P = (1n << 255n) - 19n;
const D = mod(-121665n * modPow(121666n, P - 2n, P), P);
const SQRT_MINUS_ONE = modPow(2n, (P - 1n) / 4n, P);

/**
 * Why `key` is not an Ed25519 public key, or undefined when it is one: 32 octets that decode to
 * a point of the curve as RFC 8032 5.1.3 decodes them (y below p, x recoverable, no negative
 * zero). Checked here so that only a decodable key reaches OpenSSL.
 */
export function ed25519PublicKeyFault(key: Uint8Array): string | undefined {
  if (key.length !== 32) return `an Ed25519 public key is ${key.length} bytes, not 32`;
  const bytes = Buffer.from(key);
  const isXOdd = (bytes[31]! & 0x80) !== 0;
  bytes[31]! &= 0x7f;
  const y = BigInt('0x' + Buffer.from(bytes).reverse().toString('hex'));
  if (y >= P) return 'the Ed25519 public key has a y coordinate not below p';
  const u = mod(y * y - 1n, P);
  const v = mod(D * y * y + 1n, P);
  const v3 = (v * v * v) % P;
  let x = (u * v3 * modPow((u * v3 * v3 * v) % P, (P - 5n) / 8n, P)) % P;
  const vx2 = (v * x * x) % P;
  if (vx2 === mod(-u, P)) x = (x * SQRT_MINUS_ONE) % P;
  else if (vx2 !== u) return 'the Ed25519 public key is not a point on the curve';
  if (x === 0n && isXOdd) return 'the Ed25519 public key encodes x = 0 with the sign bit set';
  return undefined;
}
