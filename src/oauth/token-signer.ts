import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { ACCESS_TOKEN_TYPE } from '../access-token/index.js';
import type { AccessTokenClaims } from '../access-token/index.js';
import type { SigningKey } from './signing-keys.js';

export interface TokenGrant {
  readonly issuer: string;
  readonly clientId: string;
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
  /** RFC 8705 3.1: the x5t#S256 of the certificate the client authenticated with. */
  readonly thumbprint: string;
  readonly now: Date;
  readonly ttlSeconds: number;
}

/** An access token and the claims it carries. */
export interface SignedToken {
  readonly token: string;
  readonly claims: AccessTokenClaims;
}

/** Signs an RFC 9068 access token bound to the client's certificate (ES256, `typ` at+jwt, the key's `kid`). */
export async function signAccessToken(grant: TokenGrant, key: SigningKey): Promise<SignedToken> {
  const iat = Math.floor(grant.now.getTime() / 1000);
  const claims: AccessTokenClaims = {
    iss: grant.issuer,
    // RFC 9068 2.2: for a client credentials grant the subject is the client.
    sub: grant.clientId,
    aud: grant.audiences.length === 1 ? grant.audiences[0]! : [...grant.audiences],
    exp: iat + grant.ttlSeconds,
    iat,
    jti: randomBytes(16).toString('base64url'),
    client_id: grant.clientId,
    scope: grant.scopes.join(' '),
    cnf: { 'x5t#S256': grant.thumbprint },
  };
  const token = await new SignJWT({ ...claims, aud: typeof claims.aud === 'string' ? claims.aud : [...claims.aud] })
    .setProtectedHeader({ alg: 'ES256', typ: ACCESS_TOKEN_TYPE, kid: key.kid })
    .sign(key.privateKey);
  return { token, claims };
}
