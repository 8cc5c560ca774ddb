import { compactVerify } from 'jose';
import type { AccessTokenClaims } from './access-token-claims.js';

import { asAccessTokenClaims } from './access-token-checks.js';
import { ACCESS_TOKEN_ALGORITHMS } from './verification-keys.js';
import type { AccessTokenAlgorithm, VerificationKeySet } from './verification-keys.js';

export type SignatureVerdict =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly reason: 'token_invalid' }
  /** Signed by a key the set does not hold: the caller may fetch the issuer's keys again, once. */
  | { readonly ok: false; readonly reason: 'unknown_key'; readonly kid: string };

/** Longest token read: a few claims and an ECDSA or RSA-4096 signature are well under it. */
export const MAX_ACCESS_TOKEN_LENGTH = 8192;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Header parameters that would make a verifier fetch or trust a key the token names itself
 * (RFC 8725 3.10): a token is verified only with the issuer's configured keys, never these.
 */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'x5c', 'jwk', 'crit', 'b64', 'zip'];

const INVALID = Object.freeze({ ok: false, reason: 'token_invalid' } as const);

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Verifies a compact JWS access token against an issuer's keys: its header (`typ` `at+jwt`, an
 * allowed asymmetric `alg`, a `kid`, none of the headers that name keys), the signature (jose),
 * and the shape of its claims. The claims' values are for `checkAccessTokenClaims`. Pure: the
 * keys come in; nothing is fetched.
 */
export async function verifyAccessTokenSignature(
  token: string,
  keys: VerificationKeySet,
  algorithms: readonly AccessTokenAlgorithm[] = ACCESS_TOKEN_ALGORITHMS,
): Promise<SignatureVerdict> {
  if (token.length > MAX_ACCESS_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return INVALID;
  const header = decodeJson(token.slice(0, token.indexOf('.')));
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return INVALID;
  const fields = header as Record<string, unknown>;
  const alg = fields['alg'];
  if (typeof alg !== 'string' || !(algorithms as readonly string[]).includes(alg)) return INVALID;
  const typ = fields['typ'];
  if (typeof typ !== 'string' || !/^(application\/)?at\+jwt$/i.test(typ) || FORBIDDEN_HEADERS.some((name) => name in fields))
    return INVALID;
  const kid = fields['kid'];
  if (typeof kid !== 'string' || kid === '') return INVALID;
  const key = keys.get(kid);
  if (key === undefined) return { ok: false, reason: 'unknown_key', kid };
  if (key.alg !== undefined && key.alg !== alg) return INVALID;
  let payload: Uint8Array;
  try {
    // jose checks the key fits the algorithm (an EC key for ES256 and its curve) and the signature.
    ({ payload } = await compactVerify(token, key.key, { algorithms: [alg] }));
  } catch {
    return INVALID;
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return INVALID;
  }
  const typed = asAccessTokenClaims(claims);
  return typed === undefined ? INVALID : { ok: true, claims: typed };
}
