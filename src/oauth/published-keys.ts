import { SymbolonError } from '../errors.js';
import type { Store } from '../store/index.js';
import type { RotationPolicy, SigningKeys } from './signing-keys.js';

/**
 * When a key leaves the JWKS of every node: the end of its overlap after the latest moment its
 * successor is due (the key was made then, or is replaced now when it is older already). A node
 * that is stopped or gone cannot leave its keys published for ever.
 */
function expiresAt(createdAt: Date, now: Date, policy: RotationPolicy): Date {
  const replacedBy = Math.max(createdAt.getTime() + policy.rotateAfterSeconds * 1000, now.getTime());
  return new Date(replacedBy + policy.overlapSeconds * 1000);
}

/**
 * Publishes in the store the public half of each of this node's signing keys that is not there
 * yet, each with its audit entry, so every node's JWKS and introspection know it before it signs
 * a token. The private keys stay in the node's data directory. Throws
 * `OAUTH_SIGNING_KEY_CONFLICT` when the store holds another key under one of these kids, and the
 * store's errors.
 */
export async function publishSigningKeys(
  store: Pick<Store, 'listSigningKeys' | 'publishSigningKey'>,
  keys: SigningKeys,
  now: Date,
  policy: RotationPolicy,
  actor: string,
): Promise<void> {
  const published = new Map((await store.listSigningKeys()).map((key) => [key.kid, key]));
  // Oldest first: the active key, which signs next, is published last and so is newest in the log too.
  for (const key of [...keys.published].reverse()) {
    const recorded =
      published.get(key.kid) ??
      (await store.publishSigningKey(
        { kid: key.kid, jwk: key.jwk, createdAt: key.createdAt, expiresAt: expiresAt(key.createdAt, now, policy) },
        {
          at: now,
          actor,
          action: 'oauth.key.publish',
          target: `oauth-key/${key.kid}`,
          payload: { kid: key.kid, createdAt: key.createdAt.toISOString(), expiresAt: expiresAt(key.createdAt, now, policy).toISOString() },
        },
      ));
    if (!['kty', 'crv', 'x', 'y', 'alg'].every((member) => recorded.jwk[member] === key.jwk[member]))
      throw new SymbolonError(
        'OAUTH_SIGNING_KEY_CONFLICT',
        `the store publishes another public key under kid ${key.kid} than this node's key file: the database was edited, or another node copied this data directory's keys`,
      );
  }
}

/** The public JWKs of every node's signing keys still published at `now`: what the JWKS serves and introspection verifies with. */
export async function publishedJwks(store: Pick<Store, 'listSigningKeys'>, now: Date): Promise<Readonly<Record<string, unknown>>[]> {
  return (await store.listSigningKeys(now)).map((key) => key.jwk);
}
