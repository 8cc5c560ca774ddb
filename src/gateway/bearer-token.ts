/** RFC 6750 2.1: b68token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export type BearerCredentials =
  | { readonly kind: 'none' }
  /** An Authorization field that is not one Bearer token (another scheme, two fields, bad syntax). */
  | { readonly kind: 'malformed' }
  | { readonly kind: 'token'; readonly token: string };

/**
 * The access token of a request's Authorization field value (undefined when it has none). Two
 * fields arrive joined by ", ", which no token contains: they are malformed, never the first.
 */
export function bearerToken(authorization: string | undefined): BearerCredentials {
  if (authorization === undefined || authorization === '') return { kind: 'none' };
  const match = BEARER.exec(authorization);
  return match === null ? { kind: 'malformed' } : { kind: 'token', token: match[1]! };
}
