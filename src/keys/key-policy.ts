import type { KeyObject } from 'node:crypto';
import { SymbolonError } from '../errors.js';

/** RSA moduli below this are refused: NIST SP 800-131A rev. 2 disallows RSA under 2048 bits. */
export const MIN_RSA_BITS = 2048;
/** RSA moduli above this cost much more to verify without a matching gain; P-384 is the stronger choice. */
export const MAX_RSA_BITS = 8192;
/** FIPS 186-4 B.3.1: the public exponent is odd and greater than 2^16. */
const MIN_RSA_PUBLIC_EXPONENT = 65537n;

/** The named curves Symbolon signs and verifies with, as node:crypto names them. */
export const SUPPORTED_CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

function refuse(message: string): SymbolonError {
  return new SymbolonError('KEY_UNSUPPORTED_TYPE', message);
}

/**
 * Checks that a key (private or public) is of a type and size Symbolon issues, signs or
 * verifies with: EC on P-256, P-384 or P-521, Ed25519, or RSA (rsaEncryption) of 2048 to 8192
 * bits with a public exponent of at least 65537. Throws `KEY_UNSUPPORTED_TYPE`, saying what to
 * use instead.
 */
export function assertKeySupported(key: KeyObject): void {
  if (key.type === 'secret') throw refuse('a secret (symmetric) key cannot sign; use a P-256, P-384, Ed25519 or RSA key');
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'ec': {
      const curve = details.namedCurve ?? 'with explicit parameters';
      if (SUPPORTED_CURVES[curve] === undefined) throw refuse(`EC curve ${curve} is not supported; use P-256 or P-384 (or P-521)`);
      return;
    }
    case 'ed25519':
      return;
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS)
        throw refuse(`an RSA key of ${bits} bits is too weak; use RSA of at least ${MIN_RSA_BITS} bits (3072 for long-lived CAs) or P-256`);
      if (bits > MAX_RSA_BITS)
        throw refuse(`an RSA key of ${bits} bits is larger than Symbolon accepts (${MAX_RSA_BITS}); use RSA 4096 or P-384`);
      const exponent = details.publicExponent ?? 0n;
      if (exponent < MIN_RSA_PUBLIC_EXPONENT || exponent % 2n === 0n)
        throw refuse(`an RSA public exponent of ${exponent} is refused; generate the key with exponent 65537`);
      return;
    }
    case 'rsa-pss':
      // RFC 4055 1.2: an id-RSASSA-PSS key is bound to PSS and often to one hash; an ordinary RSA key signs PSS as well.
      throw refuse('RSASSA-PSS-only keys (id-RSASSA-PSS) are not supported; use an ordinary RSA key and sign with PSS');
    case 'ed448':
      throw refuse('Ed448 is not supported; use Ed25519');
    case 'x25519':
    case 'x448':
      throw refuse(`a ${type} key agrees keys and cannot sign; use Ed25519 or P-256`);
    case 'dsa':
      // FIPS 186-5 no longer approves DSA for signing.
      throw refuse('DSA is not supported; use P-256 or Ed25519');
    default:
      throw refuse(`a ${type ?? 'key of unknown type'} is not supported; use P-256, P-384, Ed25519 or RSA`);
  }
}
