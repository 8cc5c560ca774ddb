import type { PublicKeyInfo } from '../../x509/index.js';

const DSA = '1.2.840.10040.4.1';
const STRONG_CURVES: ReadonlySet<string> = new Set(['P-256', 'P-384', 'P-521']);

/**
 * Why a public key is too weak for the strict profile, or undefined. RSA under 2048 bits (NIST SP
 * 800-131A, CA/Browser Forum BR 6.1.5) or of a length that is not a multiple of 8 (BR 6.1.5);
 * EC on any curve but P-256, P-384 and P-521 (P-192 among them); DSA, which Symbolon does not
 * verify with and TLS 1.3 dropped. Ed25519 and Ed448 are strong.
 */
export function weakKeyReason(key: PublicKeyInfo): string | undefined {
  if (key.algorithm === 'rsa' || key.algorithm === 'rsa-pss') {
    const bits = key.bits ?? 0;
    if (bits < 2048) return `an RSA key of ${bits} bits, under 2048`;
    if (bits % 8 !== 0) return `an RSA key of ${bits} bits, not a multiple of 8`;
    return undefined;
  }
  if (key.algorithm === 'ec')
    return key.curve !== undefined && STRONG_CURVES.has(key.curve)
      ? undefined
      : `an EC key on curve ${key.curve ?? 'unknown'}, not P-256, P-384 or P-521`;
  if (key.algorithmOid === DSA) return 'a DSA key';
  return undefined;
}
