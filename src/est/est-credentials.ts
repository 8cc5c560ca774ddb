import { isTokenId } from './token-secret.js';

/** What the Authorization header offers: nothing, a token's id and secret, or something unusable. */
export type EstCredentials =
  { readonly kind: 'none' } | { readonly kind: 'token'; readonly id: string; readonly secret: string } | { readonly kind: 'malformed' };

/** Longest Authorization value read: a token's id and secret take under 100 characters. */
const MAX_AUTHORIZATION_LENGTH = 512;

/**
 * Reads an enrollment token from `Authorization`: HTTP Basic (RFC 7617; user = token id, password
 * = secret, RFC 7030 3.2.3) or `Bearer <id>.<secret>` (RFC 6750). The secret is checked later,
 * against the stored hash.
 */
export function parseEstAuthorization(header: string | undefined): EstCredentials {
  if (header === undefined || header === '') return { kind: 'none' };
  if (header.length > MAX_AUTHORIZATION_LENGTH) return { kind: 'malformed' };
  const match = /^([A-Za-z]+) +([A-Za-z0-9+/=._~-]+) *$/.exec(header);
  if (match === null) return { kind: 'malformed' };
  const scheme = match[1]!.toLowerCase();
  let id: string;
  let secret: string;
  if (scheme === 'basic') {
    const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'malformed' };
    id = decoded.slice(0, colon);
    secret = decoded.slice(colon + 1);
  } else if (scheme === 'bearer') {
    const dot = match[2]!.indexOf('.');
    if (dot < 0) return { kind: 'malformed' };
    id = match[2]!.slice(0, dot);
    secret = match[2]!.slice(dot + 1);
  } else return { kind: 'malformed' };
  return isTokenId(id) ? { kind: 'token', id, secret } : { kind: 'malformed' };
}
