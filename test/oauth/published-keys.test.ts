import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { publishedJwks, publishSigningKeys, rotateSigningKeys } from '../../src/oauth/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import { assertCode, makeTempDir } from '../ca/support.js';

const temp = makeTempDir('symbolon-oauth-published-');
after(() => temp.remove());

const HOUR = 3600_000;
const T0 = Date.UTC(2030, 0, 1);
const policy = { rotateAfterSeconds: 24 * 3600, overlapSeconds: 2 * 3600 };

test("two nodes' keys in one store: each published once with its audit entry, both served, a replaced key until its overlap ends", async () => {
  const store = openSqliteStore({ path: join(temp.path, 'shared.db') });
  try {
    const kids = async (at: number): Promise<string[]> => (await publishedJwks(store, new Date(at))).map((jwk) => String(jwk['kid']));
    const rotate = async (node: string, at: number) => {
      const keys = await rotateSigningKeys(join(temp.path, node), new Date(at), policy);
      await publishSigningKeys(store, keys, new Date(at), policy, `node ${node}`);
      return keys;
    };
    const a1 = await rotate('a', T0);
    const b1 = await rotate('b', T0 + HOUR);
    assert.deepEqual(await kids(T0 + HOUR), [b1.active.kid, a1.active.kid]);
    // Publishing again (every rotation check, every restart) writes nothing.
    await rotate('a', T0 + 2 * HOUR);
    assert.equal((await store.readAuditLog(0, 100)).filter((entry) => entry.action === 'oauth.key.publish').length, 2);

    // Node A rotates: its old key stays published through the overlap, then leaves every node's JWKS.
    const a2 = await rotate('a', T0 + 24 * HOUR);
    assert.notEqual(a2.active.kid, a1.active.kid);
    assert.deepEqual((await kids(T0 + 24 * HOUR)).sort(), [a1.active.kid, a2.active.kid, b1.active.kid].sort());
    assert.deepEqual((await kids(T0 + 25 * HOUR + 59 * 60_000)).includes(a1.active.kid), true);
    assert.deepEqual((await kids(T0 + 26 * HOUR)).sort(), [a2.active.kid, b1.active.kid].sort());
    // A stopped node's keys do not stay for ever: B's key leaves at its due time plus the overlap.
    assert.deepEqual(await kids(T0 + 27 * HOUR), [a2.active.kid]);
    const entries = await store.readAuditLog(0, 100);
    assert.deepEqual(
      entries.map((entry) => [entry.action, entry.actor, entry.target]),
      [
        ['oauth.key.publish', 'node a', `oauth-key/${a1.active.kid}`],
        ['oauth.key.publish', 'node b', `oauth-key/${b1.active.kid}`],
        ['oauth.key.publish', 'node a', `oauth-key/${a2.active.kid}`],
      ],
    );
    for (const jwk of await publishedJwks(store, new Date(T0))) assert.equal(jwk['d'], undefined);
  } finally {
    await store.close();
  }
});

test('a node whose kid the store publishes with another key refuses to use it (OAUTH_SIGNING_KEY_CONFLICT)', async () => {
  const store = openSqliteStore({ path: join(temp.path, 'conflict.db') });
  try {
    const keys = await rotateSigningKeys(join(temp.path, 'c'), new Date(T0), policy);
    await store.publishSigningKey(
      { kid: keys.active.kid, jwk: { ...keys.active.jwk, x: 'AAAA' }, createdAt: new Date(T0), expiresAt: new Date(T0 + 30 * HOUR) },
      { at: new Date(T0), actor: 'someone', action: 'oauth.key.publish', target: `oauth-key/${keys.active.kid}`, payload: {} },
    );
    await assertCode(() => publishSigningKeys(store, keys, new Date(T0), policy, 'node c'), 'OAUTH_SIGNING_KEY_CONFLICT');
  } finally {
    await store.close();
  }
});
