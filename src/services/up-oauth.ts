import { join } from 'node:path';
import type { DataDir } from '../ca/index.js';
import { createAuthorizationServer, publishSigningKeys, rotateSigningKeys } from '../oauth/index.js';
import type { RotationPolicy, SigningKeys } from '../oauth/index.js';
import type { RevocationServices } from './revocation-services.js';

export interface UpOAuthOptions {
  readonly dataDir: DataDir;
  readonly services: RevocationServices;
  readonly clock: () => Date;
  /** Who the audit entries of published signing keys name. */
  readonly actor: string;
  readonly onError: (error: unknown) => void;
  /**
   * The issuer identifier (RFC 8414 2), the same on every node of one store behind a load
   * balancer; default: this node's HTTPS origin.
   */
  readonly issuer?: string | undefined;
  /** Lifetime of an access token. */
  readonly tokenTtlSeconds?: number;
  /** A new signing key this often. */
  readonly rotateAfterSeconds?: number;
}

export interface UpOAuth {
  /** The issuer identifier (the service listener's origin); its metadata is at /.well-known/oauth-authorization-server. */
  readonly issuer: string;
  close(): void;
}

const DEFAULT_TOKEN_TTL_SECONDS = 600;
const DEFAULT_ROTATE_AFTER_SECONDS = 30 * 24 * 3600;
/** How often the keys are looked at for rotation. */
const ROTATION_CHECK_MS = 3600_000;
const JWKS_MAX_AGE_SECONDS = 300;

/** Where the token signing keys live: a folder of the data directory, mode 0700, files 0600. */
export function oauthKeysDir(dataDir: DataDir): string {
  return join(dataDir.paths.root, 'oauth-keys');
}

/**
 * Mounts the OAuth authorization server (the token endpoint, introspection, JWKS and RFC 8414
 * metadata) on up's HTTPS service listener, and rotates its signing keys with overlap: a replaced
 * key stays in the JWKS past the lifetime of every token it signed and every cached copy of the
 * JWKS. Each key's public half is published in the store before it signs, so every node of a
 * shared database serves and verifies every node's keys. Resolves with the issuer, or undefined
 * when there is no service listener.
 */
export async function mountOAuth(options: UpOAuthOptions): Promise<UpOAuth | undefined> {
  const { services } = options;
  if (services.serviceListener === undefined || services.serviceUrl === undefined) return undefined;
  const tokenTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const dir = oauthKeysDir(options.dataDir);
  const policy: RotationPolicy = {
    rotateAfterSeconds: options.rotateAfterSeconds ?? DEFAULT_ROTATE_AFTER_SECONDS,
    overlapSeconds: 2 * (tokenTtlSeconds + JWKS_MAX_AGE_SECONDS) + ROTATION_CHECK_MS / 1000,
  };
  /** Rotated keys are used only once published: a key the store does not know would sign tokens other nodes refuse. */
  const rotate = async (): Promise<SigningKeys> => {
    const now = options.clock();
    const rotated = await rotateSigningKeys(dir, now, policy);
    await publishSigningKeys(services.store, rotated, now, policy, options.actor);
    return rotated;
  };
  let keys = await rotate();
  const timer = setInterval(() => {
    rotate().then((rotated) => (keys = rotated), options.onError);
  }, ROTATION_CHECK_MS);
  timer.unref();
  const issuer = options.issuer ?? services.serviceUrl;
  const server = createAuthorizationServer({
    issuer,
    store: services.store,
    signingKey: () => keys.active,
    clock: options.clock,
    tokenTtlSeconds,
    jwksMaxAgeSeconds: JWKS_MAX_AGE_SECONDS,
    onError: options.onError,
  });
  for (const route of server.routes) services.serviceListener.mount(route.prefix, route.handler);
  return { issuer, close: () => clearInterval(timer) };
}
