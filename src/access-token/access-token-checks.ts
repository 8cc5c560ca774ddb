import type { AccessTokenClaims, AccessTokenRefusal } from './access-token-claims.js';

/** What a resource expects of a token: its issuer and audience, the scopes it needs, and the binding. */
export interface AccessTokenExpectations {
  readonly issuer: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  /**
   * The `x5t#S256` of the connection's client certificate, or undefined when none was presented.
   * With `requireBinding`, a token must be bound to it; without, a token that is bound still is.
   */
  readonly certificateThumbprint: string | undefined;
  readonly requireBinding: boolean;
  /** Allowed clock difference between issuer and resource. */
  readonly leewaySeconds: number;
}

export type AccessTokenVerdict =
  { readonly ok: true; readonly claims: AccessTokenClaims } | { readonly ok: false; readonly reason: AccessTokenRefusal };

/** The claims of a verified payload when they have the types RFC 9068 gives them; undefined otherwise. */
export function asAccessTokenClaims(payload: unknown): AccessTokenClaims | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const claims = payload as Record<string, unknown>;
  const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
  const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
  const aud = claims['aud'];
  const isAudience = isText(aud) || (Array.isArray(aud) && aud.length > 0 && aud.every(isText));
  const cnf = claims['cnf'];
  const isConfirmation =
    cnf === undefined || (typeof cnf === 'object' && cnf !== null && isText((cnf as Record<string, unknown>)['x5t#S256']));
  if (
    !isText(claims['iss']) ||
    !isText(claims['sub']) ||
    !isAudience ||
    !isTime(claims['exp']) ||
    !isTime(claims['iat']) ||
    !(claims['nbf'] === undefined || isTime(claims['nbf'])) ||
    !isText(claims['jti']) ||
    !isText(claims['client_id']) ||
    typeof claims['scope'] !== 'string' ||
    !isConfirmation
  )
    return undefined;
  return claims as unknown as AccessTokenClaims;
}

/** Compares in time that depends on the length only: thumbprints are not secret, but cheap to treat as if. */
function isSameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** Whether the space-separated `scope` holds `wanted` as a whole token. */
function hasScope(scope: string, wanted: string): boolean {
  for (let at = scope.indexOf(wanted); at >= 0; at = scope.indexOf(wanted, at + 1)) {
    const end = at + wanted.length;
    if ((at === 0 || scope.charCodeAt(at - 1) === 0x20) && (end === scope.length || scope.charCodeAt(end) === 0x20)) return true;
  }
  return false;
}

/**
 * The checks on the claims of a token whose signature was verified, in the order RFC 6750 3.1
 * ranks them: issuer, audience and times (`token_invalid`, `token_expired`), the certificate
 * binding (RFC 8705 3: `token_binding_mismatch`), then scope (`insufficient_scope`). Pure: the
 * time comes in as `now`.
 */
export function checkAccessTokenClaims(claims: AccessTokenClaims, expected: AccessTokenExpectations, now: Date): AccessTokenVerdict {
  const seconds = now.getTime() / 1000;
  if (claims.iss !== expected.issuer) return { ok: false, reason: 'token_invalid' };
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  if (!audiences.includes(expected.audience)) return { ok: false, reason: 'token_invalid' };
  if (seconds >= claims.exp + expected.leewaySeconds) return { ok: false, reason: 'token_expired' };
  if (claims.nbf !== undefined && seconds < claims.nbf - expected.leewaySeconds) return { ok: false, reason: 'token_invalid' };
  if (seconds < claims.iat - expected.leewaySeconds) return { ok: false, reason: 'token_invalid' };
  const bound = claims.cnf?.['x5t#S256'];
  if (bound !== undefined || expected.requireBinding) {
    // Fail closed: a bound token is checked wherever it is presented, and a bound route takes only bound tokens.
    if (bound === undefined || expected.certificateThumbprint === undefined || !isSameText(bound, expected.certificateThumbprint))
      return { ok: false, reason: 'token_binding_mismatch' };
  }
  for (const scope of expected.scopes) if (!hasScope(claims.scope, scope)) return { ok: false, reason: 'insufficient_scope' };
  return { ok: true, claims };
}
