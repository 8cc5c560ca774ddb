import { createHmac, timingSafeEqual } from 'node:crypto';

/** Bytes of an enrollment token's secret: 256 random bits, so a keyed hash suffices (no slow KDF). */
export const TOKEN_SECRET_BYTES = 32;
/** Bytes of the key the secrets are hashed under. */
export const TOKEN_HASH_KEY_BYTES = 32;

const TOKEN_ID = /^[0-9a-f]{16}$/;
const TOKEN_SECRET = /^[A-Za-z0-9_-]{43}$/;

/** A new token's public id (16 hex digits) and secret (43 base64url characters), from a CSPRNG. */
export function newTokenCredentials(random: (size: number) => Uint8Array): { readonly id: string; readonly secret: string } {
  return { id: Buffer.from(random(8)).toString('hex'), secret: Buffer.from(random(TOKEN_SECRET_BYTES)).toString('base64url') };
}

export function isTokenId(text: string): boolean {
  return TOKEN_ID.test(text);
}

/** HMAC-SHA256 of a secret under the data directory's token key, lowercase hex: what the store keeps. */
export function tokenSecretHash(key: Uint8Array, secret: string): string {
  return createHmac('sha256', key).update(secret, 'utf8').digest('hex');
}

/**
 * Whether `secret` is the one `storedHash` was made from, compared in constant time (the hashes
 * are of fixed length, so the time says nothing of where they differ). A malformed secret is false.
 */
export function isTokenSecret(key: Uint8Array, secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const given = Buffer.from(tokenSecretHash(key, TOKEN_SECRET.test(secret) ? secret : ''), 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given) && TOKEN_SECRET.test(secret);
}
