import { checkAccessTokenClaims, verifyAccessTokenSignature } from '../../access-token/index.js';
import type { AccessTokenAlgorithm, AccessTokenClaims } from '../../access-token/index.js';
import { BoundedCache } from '../../bounded-cache.js';
import { bearerToken } from '../bearer-token.js';
import type { TokenRejectionReason } from '../rejection.js';
import type { JwksSource } from './jwks-source.js';

/** What a route asks of an access token. */
export interface RouteTokenPolicy {
  readonly mode: 'bound' | 'bearer';
  readonly issuer: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly algorithms: readonly AccessTokenAlgorithm[];
  readonly leewaySeconds: number;
  readonly keys: JwksSource;
}

export type TokenOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: TokenRejectionReason };

interface Verified {
  readonly claims: AccessTokenClaims;
  readonly keys: JwksSource;
  readonly version: number;
}

/**
 * What one connection sent last: a keep-alive client sends the same Authorization field on each
 * request, which is then matched by comparing the text, not parsed and looked up again.
 */
export interface ConnectionTokenMemo {
  authorization?: string | undefined;
  verified?: Verified;
}

/** Tokens whose signatures were verified, kept so a client's next requests skip the signature check. */
const MAX_VERIFIED_TOKENS = 10_000;
const OK: TokenOutcome = Object.freeze({ ok: true });

/**
 * The gateway's access-token check (RFC 6750, RFC 8705 3): the Bearer token of the request, its
 * signature verified once under the issuer's current keys (then remembered by the token's text
 * until the keys change), and on every request its claims checked against the route and the
 * certificate of the connection: issuer, audience, time, binding, scopes.
 */
export class TokenGuard {
  private readonly verified = new BoundedCache<string, Verified>(MAX_VERIFIED_TOKENS);

  /** `thumbprint`: the x5t#S256 of the connection's client certificate, undefined when it has none. */
  check(
    policy: RouteTokenPolicy,
    authorization: string | undefined,
    thumbprint: string | undefined,
    now: Date,
    memo: ConnectionTokenMemo = {},
  ): TokenOutcome | Promise<TokenOutcome> {
    const last = memo.verified;
    if (authorization !== undefined && authorization === memo.authorization && last !== undefined && isCurrent(last, policy))
      return this.checkClaims(policy, last.claims, thumbprint, now);
    const credentials = bearerToken(authorization);
    if (credentials.kind === 'none') return { ok: false, reason: 'token_missing' };
    if (credentials.kind === 'malformed') return { ok: false, reason: 'token_invalid' };
    const known = this.verified.get(credentials.token);
    if (known !== undefined && isCurrent(known, policy)) {
      memo.authorization = authorization;
      memo.verified = known;
      return this.checkClaims(policy, known.claims, thumbprint, now);
    }
    return this.verify(policy, credentials.token).then((verified) => {
      if (verified === undefined) return { ok: false, reason: 'token_invalid' };
      memo.authorization = authorization;
      memo.verified = verified;
      return this.checkClaims(policy, verified.claims, thumbprint, now);
    });
  }

  private checkClaims(policy: RouteTokenPolicy, claims: AccessTokenClaims, thumbprint: string | undefined, now: Date): TokenOutcome {
    const verdict = checkAccessTokenClaims(
      claims,
      {
        issuer: policy.issuer,
        audience: policy.audience,
        scopes: policy.scopes,
        certificateThumbprint: thumbprint,
        requireBinding: policy.mode === 'bound',
        leewaySeconds: policy.leewaySeconds,
      },
      now,
    );
    return verdict.ok ? OK : { ok: false, reason: verdict.reason };
  }

  /** The claims of a token signed by one of the issuer's keys; one refetch of the keys for an unknown kid. */
  private async verify(policy: RouteTokenPolicy, token: string): Promise<Verified | undefined> {
    const version = policy.keys.version;
    let verdict = await verifyAccessTokenSignature(token, policy.keys.keys(), policy.algorithms);
    if (!verdict.ok && verdict.reason === 'unknown_key') {
      await policy.keys.refreshForUnknownKey();
      verdict = await verifyAccessTokenSignature(token, policy.keys.keys(), policy.algorithms);
    }
    if (!verdict.ok) return undefined;
    // Remembered under the keys it was verified with: a change of keys verifies it again.
    const verified = { claims: verdict.claims, keys: policy.keys, version };
    if (policy.keys.version === version) this.verified.set(token, verified);
    return verified;
  }
}

function isCurrent(verified: Verified, policy: RouteTokenPolicy): boolean {
  return verified.keys === policy.keys && verified.version === policy.keys.version;
}
