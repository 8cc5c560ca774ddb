import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SymbolonError } from '../errors.js';

/** What `symbolon inspect` shows about a key. */
export interface KeyInfo {
  /** The key type as node:crypto names it: 'ec', 'ed25519', 'rsa', ... */
  readonly type: string;
  /** The named curve in NIST form ('P-256') where it has one, else as OpenSSL names it; null for non-EC keys. */
  readonly curve: string | null;
  /** Modulus length for RSA and DSA, field size for EC and EdDSA keys. */
  readonly bits: number;
  readonly isPrivate: boolean;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex: the same for the private and public half. */
  readonly spkiSha256: string;
  /** One line for people: 'EC P-256', 'RSA 3072', 'Ed25519'. */
  readonly summary: string;
}

const CURVES: Readonly<Record<string, { readonly name: string; readonly bits: number }>> = {
  prime192v1: { name: 'P-192', bits: 192 },
  secp224r1: { name: 'P-224', bits: 224 },
  prime256v1: { name: 'P-256', bits: 256 },
  secp384r1: { name: 'P-384', bits: 384 },
  secp521r1: { name: 'P-521', bits: 521 },
  secp256k1: { name: 'secp256k1', bits: 256 },
};

// RFC 8032 5.1.5 and 5.2.5, RFC 7748 5: key sizes of the Edwards and Montgomery curves.
const FIXED_BITS: Readonly<Record<string, number>> = { ed25519: 256, ed448: 456, x25519: 256, x448: 448 };
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  x25519: 'X25519',
  x448: 'X448',
  rsa: 'RSA',
  'rsa-pss': 'RSASSA-PSS',
  dsa: 'DSA',
  dh: 'DH',
  ec: 'EC',
};

/**
 * Describes an asymmetric key, supported or not (so a refused key can still be shown).
 * Throws `KEY_UNSUPPORTED_TYPE` for a secret key.
 */
export function describeKey(key: KeyObject): KeyInfo {
  const type = key.asymmetricKeyType;
  if (key.type === 'secret' || type === undefined)
    throw new SymbolonError('KEY_UNSUPPORTED_TYPE', 'a secret (symmetric) key has no public half to describe');
  const details = key.asymmetricKeyDetails ?? {};
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const spkiSha256 = createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex');
  const displayName = DISPLAY_NAMES[type] ?? type;

  let curve: string | null = null;
  let bits: number;
  if (type === 'ec') {
    const namedCurve = details.namedCurve ?? 'unnamed';
    const known = CURVES[namedCurve];
    curve = known?.name ?? namedCurve;
    bits = known?.bits ?? 0;
  } else {
    bits = details.modulusLength ?? FIXED_BITS[type] ?? 0;
  }
  const summary = curve !== null ? `${displayName} ${curve}` : details.modulusLength !== undefined ? `${displayName} ${bits}` : displayName;
  return Object.freeze({ type, curve, bits, isPrivate: key.type === 'private', spkiSha256, summary });
}
