import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The signature algorithms a token may use: asymmetric only (`none` and HMAC never: RFC 8725 3.1, 3.2). */
export const ACCESS_TOKEN_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'] as const;
export type AccessTokenAlgorithm = (typeof ACCESS_TOKEN_ALGORITHMS)[number];

/** A public key of an issuer's JWKS, ready to verify with. */
export interface VerificationKey {
  readonly kid: string;
  /** The `alg` the JWK names, when it names one: a token must then use it. */
  readonly alg: string | undefined;
  readonly key: KeyObject;
}

export type VerificationKeySet = ReadonlyMap<string, VerificationKey>;

/** Keys a JWKS may carry before the rest are ignored: far above any issuer's overlap of a few keys. */
const MAX_KEYS = 64;
const KEY_TYPES: ReadonlySet<string> = new Set(['EC', 'OKP', 'RSA']);

/**
 * The signing keys of a JWKS document (RFC 7517 5), by `kid`. Keys without a `kid`, with a `use`
 * other than `sig`, private keys, symmetric keys and keys that do not import are left out: a
 * token naming them is refused as it is for any unknown key. Undefined when the document is not a
 * JWKS at all.
 */
export function importVerificationKeys(document: unknown): VerificationKeySet | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const keys = (document as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return undefined;
  const set = new Map<string, VerificationKey>();
  for (const jwk of keys.slice(0, MAX_KEYS)) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    const entry = jwk as Record<string, unknown>;
    const kid = entry['kid'];
    if (typeof kid !== 'string' || kid === '' || set.has(kid)) continue;
    if (typeof entry['kty'] !== 'string' || !KEY_TYPES.has(entry['kty'])) continue;
    if (entry['use'] !== undefined && entry['use'] !== 'sig') continue;
    if (entry['d'] !== undefined) continue;
    const alg = entry['alg'];
    if (alg !== undefined && typeof alg !== 'string') continue;
    try {
      const key = createPublicKey({ key: entry as import('node:crypto').JsonWebKey, format: 'jwk' });
      set.set(kid, { kid, alg, key });
    } catch {
      // A key that does not import verifies nothing: left out, like an unknown one.
    }
  }
  return set;
}
