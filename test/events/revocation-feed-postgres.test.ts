import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createRevocationFeed } from '../../src/events/index.js';
import type { RevocationEvent, RevocationFeed } from '../../src/events/index.js';
import { openPostgresStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { createTestDatabase } from '../support/postgres-database.js';
import type { TestDatabase } from '../support/postgres-database.js';
import { certificate, draft, issuer } from '../store/store-contract.js';

/** No poll within a test's life: only NOTIFY and the catch-up after a reconnection can deliver. */
const NEVER_MS = 3_600_000;

/** Resolves when `events` holds `count` events; rejects after `limitMs` so a lost event fails the test instead of hanging it. */
function waitFor(events: readonly RevocationEvent[], count: number, limitMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = setInterval(() => {
      if (events.length >= count) {
        clearInterval(check);
        resolve();
      } else if (Date.now() - started > limitMs) {
        clearInterval(check);
        reject(new Error(`only ${events.length} of ${count} revocations arrived: ${events.map((e) => e.sequence).join(',')}`));
      }
    }, 10);
  });
}

describe('revocation feed across nodes on PostgreSQL', () => {
  let database: TestDatabase;
  let nodeA: Store;
  let nodeB: Store;
  let feedB: RevocationFeed;
  const heard: RevocationEvent[] = [];
  const serials = Array.from({ length: 40 }, (_, i) => (i + 1).toString(16).padStart(2, '0'));

  before(async () => {
    database = await createTestDatabase('feed');
    nodeA = await openPostgresStore({ url: database.url, migrate: true });
    nodeB = await openPostgresStore({ url: database.url });
    await nodeA.addIssuer(issuer('root', null, true), draft('ca.init', 'root'));
    await Promise.all(
      serials.map((serial) => nodeA.recordIssuance(certificate('root', serial), draft('certificate.issue', `root/${serial}`))),
    );
    feedB = createRevocationFeed({ store: nodeB, afterSequence: 0, pollIntervalMs: NEVER_MS });
    feedB.subscribe((event) => heard.push(event));
  });
  after(async () => {
    feedB.close();
    await nodeA.close();
    await nodeB.close();
    await database.drop();
  });

  const revokeOnA = (serial: string) =>
    nodeA.recordRevocation(
      { issuerId: 'root', serial, reason: 'keyCompromise', revokedAt: new Date() },
      draft('certificate.revoke', `root/${serial}`),
    );

  test("a revocation committed on one node reaches the other node's feed by NOTIFY", async () => {
    await revokeOnA(serials[0]!);
    await waitFor(heard, 1);
    assert.deepEqual(
      heard.map((e) => [e.sequence, e.serial]),
      [[1, serials[0]]],
    );
  });

  test('after its connections are cut, the other node catches up by sequence: none missed, none twice, in order', async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      for (let round = 0; round < 3; round++) {
        // Every other connection to the database is ended: B's LISTEN connection and both pools'.
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        const start = 1 + round * 10;
        const batch = serials.slice(start, start + 10);
        // Written while B is reconnecting: their NOTIFYs go to nobody on B's side.
        const outcomes = await Promise.allSettled(batch.map((serial) => revokeOnA(serial)));
        for (const [i, outcome] of outcomes.entries()) if (outcome.status === 'rejected') await revokeOnA(batch[i]!);
      }
    } finally {
      await admin.end();
    }
    await waitFor(heard, 31);
    assert.deepEqual(
      heard.map((e) => e.sequence),
      Array.from({ length: 31 }, (_, i) => i + 1),
    );
    assert.deepEqual(new Set(heard.map((e) => e.serial)), new Set(serials.slice(0, 31)));
  });
});
