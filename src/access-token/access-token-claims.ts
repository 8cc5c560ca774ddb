/**
 * The claims of a Symbolon access token: the JWT profile of RFC 9068 (`iss`, `sub`, `aud`, `exp`,
 * `iat`, `jti`, `client_id`, `scope`) with RFC 8705 3.1's confirmation of the client certificate.
 */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly nbf?: number;
  readonly jti: string;
  readonly client_id: string;
  /** Space-separated (RFC 6749 3.3). */
  readonly scope: string;
  readonly cnf?: { readonly 'x5t#S256': string };
}

/** RFC 9068 2.1: the media type of the JOSE header's `typ`, so no other JWT passes for an access token. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Why a token is refused, in RFC 6750 3.1's terms (with `token_` names the gateway's metrics use). */
export type AccessTokenRefusal = 'token_invalid' | 'token_expired' | 'token_binding_mismatch' | 'insufficient_scope';

/** The scopes of a `scope` claim. */
export function scopesOf(scope: string): readonly string[] {
  return scope.split(' ').filter((part) => part !== '');
}
