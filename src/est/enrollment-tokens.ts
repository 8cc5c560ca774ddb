import { findProfile, formatLifetime } from '../ca/index.js';
import type { CaConfig } from '../ca/index.js';
import { SymbolonError } from '../errors.js';
import type { EnrollmentTokenRecord, Store } from '../store/index.js';
import { checkTokenNamePattern } from './token-name-pattern.js';
import { newTokenCredentials, tokenSecretHash } from './token-secret.js';

/** Most enrollments one token may allow; a fleet gets a token per device or per batch. */
export const MAX_TOKEN_USES = 100_000;
/** Longest lifetime of a token: it is a password in transit to a device, not an identity. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 86_400;

export interface TokenRequest {
  readonly profile: string;
  /** Name patterns (`sensor-*`): every name of a certificate enrolled with it must match one. */
  readonly names: readonly string[];
  readonly uses: number;
  readonly ttlSeconds: number;
  /** The EST label it is good for; it must name the same profile (a label selects a profile). */
  readonly label: string | undefined;
}

export interface TokenContext {
  readonly store: Store;
  readonly config: CaConfig;
  /** The data directory's token key (see `TOKEN_HASH_KEY_BYTES`). */
  readonly hashKey: Uint8Array;
  readonly now: Date;
  readonly actor: string;
  readonly random: (size: number) => Uint8Array;
}

/**
 * Makes an enrollment token: records its keyed hash with a `token.create` audit entry and returns
 * the secret, which is never stored and cannot be shown again. Throws `USAGE` for patterns,
 * uses or lifetimes out of range, `CA_PROFILE_UNKNOWN`, `EST_LABEL_UNKNOWN`.
 */
export async function createEnrollmentToken(
  request: TokenRequest,
  context: TokenContext,
): Promise<{ readonly token: EnrollmentTokenRecord; readonly secret: string }> {
  findProfile(context.config.profiles, request.profile);
  if (request.names.length === 0)
    throw new SymbolonError('USAGE', 'give at least one --name pattern: the names a device may enroll for (sensor-*)');
  for (const pattern of request.names) checkTokenNamePattern(pattern);
  if (!Number.isInteger(request.uses) || request.uses < 1 || request.uses > MAX_TOKEN_USES) {
    throw new SymbolonError('USAGE', `--uses takes a whole number from 1 to ${MAX_TOKEN_USES}`);
  }
  if (request.ttlSeconds > MAX_TOKEN_TTL_SECONDS)
    throw new SymbolonError('USAGE', `--ttl is at most ${formatLifetime(MAX_TOKEN_TTL_SECONDS)}`);
  if (request.label !== undefined) {
    if (!Object.hasOwn(context.config.profiles, request.label))
      throw new SymbolonError('EST_LABEL_UNKNOWN', `the label "${request.label}" names no profile; EST labels are profile names`);
    if (request.label !== request.profile)
      throw new SymbolonError('USAGE', `--label ${request.label} selects the profile ${request.label}, not ${request.profile}`);
  }
  const { id, secret } = newTokenCredentials(context.random);
  const expiresAt = new Date(context.now.getTime() + request.ttlSeconds * 1000);
  const token = await context.store.addEnrollmentToken(
    {
      id,
      secretHash: tokenSecretHash(context.hashKey, secret),
      profile: request.profile,
      names: [...request.names],
      label: request.label ?? null,
      uses: request.uses,
      expiresAt,
      createdAt: context.now,
    },
    {
      at: context.now,
      actor: context.actor,
      action: 'token.create',
      target: `token/${id}`,
      payload: {
        token: id,
        profile: request.profile,
        names: [...request.names],
        label: request.label ?? null,
        uses: request.uses,
        expiresAt: expiresAt.toISOString(),
      },
    },
  );
  return { token, secret };
}

/** Revokes a token (`token.revoke` audit entry). Throws `STORE_TOKEN_NOT_FOUND`, `STORE_TOKEN_ALREADY_REVOKED`. */
export function revokeEnrollmentToken(id: string, context: Pick<TokenContext, 'store' | 'now' | 'actor'>): Promise<EnrollmentTokenRecord> {
  return context.store.revokeEnrollmentToken(id, context.now, {
    at: context.now,
    actor: context.actor,
    action: 'token.revoke',
    target: `token/${id}`,
    payload: { token: id },
  });
}

/** What a token is now, for `token list`: usable, or why not. */
export function tokenState(token: EnrollmentTokenRecord, now: Date): 'usable' | 'revoked' | 'expired' | 'used-up' {
  if (token.revokedAt !== null) return 'revoked';
  if (now.getTime() >= token.expiresAt.getTime()) return 'expired';
  return token.usesLeft === 0 ? 'used-up' : 'usable';
}

/** A token as `ca token list --json` and the admin API show it: never its secret (the store holds only its keyed hash). */
export interface EnrollmentTokenView {
  readonly id: string;
  readonly state: ReturnType<typeof tokenState>;
  readonly profile: string;
  readonly names: readonly string[];
  readonly label: string | null;
  readonly uses: number;
  readonly usesLeft: number;
  readonly expiresAt: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export function tokenView(token: EnrollmentTokenRecord, now: Date): EnrollmentTokenView {
  return {
    id: token.id,
    state: tokenState(token, now),
    profile: token.profile,
    names: token.names,
    label: token.label,
    uses: token.uses,
    usesLeft: token.usesLeft,
    expiresAt: token.expiresAt.toISOString(),
    createdAt: token.createdAt.toISOString(),
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}
