import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { verifyAuditChain } from '../../src/audit/index.js';
import { isSymbolonError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { migratePostgresStore, openPostgresStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { createTestDatabase } from '../support/postgres-database.js';
import type { TestDatabase } from '../support/postgres-database.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres-migrations.js';
import {
  approvedEnrollment,
  certificate,
  collect,
  draft,
  enrollmentToken,
  issuer,
  pendingEnrollment,
  runStoreContract,
  tokenUse,
} from './store-contract.js';

runStoreContract('postgres', async () => {
  const database = await createTestDatabase('contract');
  let store: Store = await openPostgresStore({ url: database.url, migrate: true });
  return {
    get store() {
      return store;
    },
    reopen: async () => {
      await store.close();
      store = await openPostgresStore({ url: database.url });
      return store;
    },
    dispose: async () => {
      await store.close();
      await database.drop();
    },
  };
});

async function rejectsCode(action: () => Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(action, (error: unknown) => isSymbolonError(error) && error.code === code);
}

test('the PostgreSQL tests fail, saying why, when the server cannot be reached: they are never skipped', async () => {
  await assert.rejects(
    () => createTestDatabase('unreachable', 'postgres://postgres@127.0.0.1:1/postgres'),
    /PostgreSQL is not reachable at .*the PostgreSQL tests need it/,
  );
});

describe('postgres store', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('pgstore');
  });
  after(() => database.drop());

  async function raw<T>(work: (client: pg.Client) => Promise<T>, url = database.url): Promise<T> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  test('an empty database is refused until it is migrated, and migrating twice applies nothing the second time', async () => {
    const scratch = await createTestDatabase('migrate');
    try {
      await rejectsCode(() => openPostgresStore({ url: scratch.url }), 'STORE_MIGRATION_REQUIRED');
      const versions = POSTGRES_MIGRATIONS.map((migration) => migration.version);
      assert.deepEqual(await migratePostgresStore(scratch.url), { applied: versions, version: Math.max(...versions) });
      assert.deepEqual(await migratePostgresStore(scratch.url), { applied: [], version: Math.max(...versions) });
      const store = await openPostgresStore({ url: scratch.url });
      assert.deepEqual(await store.auditHead(), { sequence: 0, entryHash: '0'.repeat(64) });
      await store.close();
    } finally {
      await scratch.drop();
    }
  });

  test('two nodes migrating at once both succeed and the schema is made once', async () => {
    const scratch = await createTestDatabase('migrate2');
    try {
      const outcomes = await Promise.all([migratePostgresStore(scratch.url), migratePostgresStore(scratch.url)]);
      assert.deepEqual(outcomes.map((o) => o.applied.length).sort(), [0, POSTGRES_MIGRATIONS.length]);
      assert.equal(
        await raw((c) => c.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM schema_migrations').then((r) => r.rows[0]?.n), scratch.url),
        POSTGRES_MIGRATIONS.length,
      );
    } finally {
      await scratch.drop();
    }
  });

  test('the database itself refuses a second certificate with the same issuer and serial', async () => {
    const store = await openPostgresStore({ url: database.url, migrate: true });
    try {
      await store.addIssuer(issuer('root', null, true), draft('ca.init', 'root'));
      await store.recordIssuance(certificate('root', '01'), draft('certificate.issue', 'root/01'));
    } finally {
      await store.close();
    }
    await assert.rejects(
      raw((c) =>
        c.query(`INSERT INTO certificates (issuer_id, serial, subject, subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at, audit_sequence)
                 VALUES ('root', '01', 'x', '[]', 'p', 0, 0, 'f', '\\x00', 0, 1)`),
      ),
      /certificates_issuer_serial/,
    );
  });

  test("refuses another program's database, a newer schema, a malformed URL and an unreachable server", async () => {
    const foreign = await createTestDatabase('foreign');
    try {
      await raw((c) => c.query('CREATE TABLE contacts (name TEXT)'), foreign.url);
      await rejectsCode(() => openPostgresStore({ url: foreign.url, migrate: true }), 'STORE_CORRUPT');
      await rejectsCode(() => migratePostgresStore(foreign.url), 'STORE_CORRUPT');
    } finally {
      await foreign.drop();
    }
    const newer = await createTestDatabase('newer');
    try {
      await migratePostgresStore(newer.url);
      await raw((c) => c.query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)`), newer.url);
      await rejectsCode(() => openPostgresStore({ url: newer.url }), 'STORE_VERSION_UNSUPPORTED');
    } finally {
      await newer.drop();
    }
    for (const url of ['mysql://root@127.0.0.1/x', 'postgres://127.0.0.1', 'not a url', `postgres://h/${'d'.repeat(3000)}`]) {
      await rejectsCode(() => openPostgresStore({ url }), 'STORE_DATABASE_URL_INVALID');
    }
    // A port nothing listens on (port 1 is never a PostgreSQL server here): STORE_UNAVAILABLE, the password not shown.
    await assert.rejects(
      () => openPostgresStore({ url: 'postgres://postgres:s3cret@127.0.0.1:1/symbolon' }),
      (error: unknown) => isSymbolonError(error) && error.code === 'STORE_UNAVAILABLE' && !error.message.includes('s3cret'),
    );
  });

  test('a write the database refuses (a NUL in text) fails alone: the other writes of its batch are stored and the chain holds', async () => {
    const scratch = await createTestDatabase('fault');
    const store = await openPostgresStore({ url: scratch.url, migrate: true });
    try {
      await store.addIssuer(issuer('root', null, true), draft('ca.init', 'root'));
      const outcomes = await Promise.allSettled(
        ['01', '02', '03', '04', '05'].map((serial) =>
          store.recordIssuance(
            certificate('root', serial, serial === '03' ? { subject: 'CN=a\u0000b' } : {}),
            draft('certificate.issue', `root/${serial}`),
          ),
        ),
      );
      assert.deepEqual(
        outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : isSymbolonError(o.reason) ? o.reason.code : String(o.reason))),
        ['ok', 'ok', 'STORE_UNAVAILABLE', 'ok', 'ok'],
      );
      const log = await store.readAuditLog(0, 100);
      assert.deepEqual(log.map((e) => e.target).sort(), ['root', 'root/01', 'root/02', 'root/04', 'root/05']);
      assert.ok(verifyAuditChain(log, await store.auditHead()).ok);
      assert.equal(await store.certificateCount(), 4);
    } finally {
      await store.close();
      await scratch.drop();
    }
  });

  test('two nodes writing at once form one chain, with unique serials and gapless revocation sequences', async () => {
    const scratch = await createTestDatabase('writers');
    const nodes = [await openPostgresStore({ url: scratch.url, migrate: true }), await openPostgresStore({ url: scratch.url })];
    try {
      await nodes[0]!.addIssuer(issuer('root', null, true), draft('ca.init', 'root'));
      const perNode = 300;
      // Both nodes try the same serials: each serial is stored once, the other attempt is refused.
      const outcomes = await Promise.allSettled(
        nodes.flatMap((node) =>
          Array.from({ length: perNode }, (_, i) =>
            node.recordIssuance(certificate('root', (i + 1).toString(16)), draft('certificate.issue', `root/${i + 1}`)),
          ),
        ),
      );
      const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : isSymbolonError(o.reason) ? o.reason.code : String(o.reason)));
      assert.equal(codes.filter((c) => c === 'ok').length, perNode);
      assert.equal(codes.filter((c) => c === 'STORE_SERIAL_TAKEN').length, perNode);
      assert.equal(await nodes[1]!.certificateCount(), perNode);
      const revocations = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          nodes[i % 2]!.recordRevocation(
            { issuerId: 'root', serial: (i + 1).toString(16), reason: 'superseded', revokedAt: new Date() },
            draft('certificate.revoke', `root/${i + 1}`),
          ),
        ),
      );
      assert.deepEqual(
        revocations.map((r) => r.sequence).sort((a, b) => a - b),
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
      const log = await nodes[0]!.readAuditLog(0, 10_000);
      assert.equal(log.length, 1 + perNode + 60);
      const verified = verifyAuditChain(log, await nodes[1]!.auditHead());
      assert.ok(verified.ok, JSON.stringify(verified));
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
      await scratch.drop();
    }
  });

  test('two nodes racing 20 issuances paid with a one-use token: exactly one is recorded, with the one token.use entry, and the chain holds', async () => {
    const scratch = await createTestDatabase('tokenrace');
    const nodes = [await openPostgresStore({ url: scratch.url, migrate: true }), await openPostgresStore({ url: scratch.url })];
    try {
      await nodes[0]!.addIssuer(issuer('root', null, true), draft('ca.init', 'root'));
      const token = enrollmentToken('00000000000000d1');
      await nodes[0]!.addEnrollmentToken(token, draft('token.create', 'token/00000000000000d1'));
      const at = new Date(token.createdAt.getTime() + 60_000);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          nodes[i % 2]!.recordIssuance(
            certificate('root', (0xd00 + i).toString(16)),
            draft('certificate.issue', `root/${(0xd00 + i).toString(16)}`),
            { tokenUse: tokenUse(token.id, at) },
          ),
        ),
      );
      const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : isSymbolonError(o.reason) ? o.reason.code : String(o.reason)));
      assert.deepEqual(
        codes.filter((code) => code !== 'ok'),
        Array<string>(19).fill('STORE_TOKEN_USED_UP'),
      );
      assert.equal((await nodes[1]!.getEnrollmentToken(token.id))?.usesLeft, 0);
      assert.equal(await nodes[1]!.certificateCount(), 1);
      const log = await nodes[1]!.readAuditLog(0, 100);
      assert.equal(log.filter((entry) => entry.action === 'token.use').length, 1);
      assert.equal(log.filter((entry) => entry.action === 'certificate.issue').length, 1);
      const verified = verifyAuditChain(log, await nodes[0]!.auditHead());
      assert.ok(verified.ok, JSON.stringify(verified));
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
      await scratch.drop();
    }
  });

  test('two nodes racing 20 issuances for one approved enrollment: exactly one certificate is recorded, and the enrollment names it', async () => {
    const scratch = await createTestDatabase('collectrace');
    const nodes = [await openPostgresStore({ url: scratch.url, migrate: true }), await openPostgresStore({ url: scratch.url })];
    try {
      await nodes[0]!.addIssuer(issuer('root', null, false), draft('ca.init', 'root'));
      await nodes[0]!.addIssuer(issuer('intermediate-1', 'root', true), draft('issuer.add', 'intermediate-1'));
      const id = await approvedEnrollment(nodes[0]!, '00000000000000e3');
      const serials = Array.from({ length: 20 }, (_, i) => (0xe30 + i).toString(16));
      const outcomes = await Promise.allSettled(serials.map((serial, i) => collect(nodes[i % 2]!, serial, id)));
      const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : isSymbolonError(o.reason) ? o.reason.code : String(o.reason)));
      assert.deepEqual(
        codes.filter((code) => code !== 'ok'),
        Array<string>(19).fill('STORE_ENROLLMENT_DECIDED'),
      );
      const stored = serials[codes.indexOf('ok')];
      assert.equal(await nodes[1]!.certificateCount(), 1);
      assert.deepEqual((await nodes[1]!.getPendingEnrollment(id))?.certificate, { issuerId: 'intermediate-1', serial: stored });
      const log = await nodes[1]!.readAuditLog(0, 100);
      assert.equal(log.filter((entry) => entry.action === 'certificate.issue').length, 1);
      const verified = verifyAuditChain(log, await nodes[0]!.auditHead());
      assert.ok(verified.ok, JSON.stringify(verified));
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
      await scratch.drop();
    }
  });

  test('two nodes deciding one enrollment at once: one decision is stored, the others are STORE_ENROLLMENT_DECIDED', async () => {
    const scratch = await createTestDatabase('decide');
    const nodes = [await openPostgresStore({ url: scratch.url, migrate: true }), await openPostgresStore({ url: scratch.url })];
    try {
      await nodes[0]!.addPendingEnrollment(
        pendingEnrollment('00000000000000e1'),
        draft('enrollment.request', 'enrollment/00000000000000e1'),
      );
      const at = new Date();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => {
          const status = i % 2 === 0 ? 'approved' : 'rejected';
          return nodes[i % 2]!.decidePendingEnrollment(
            '00000000000000e1',
            { status, decidedBy: `node-${i % 2}`, at },
            draft(status === 'approved' ? 'enrollment.approve' : 'enrollment.reject', 'enrollment/00000000000000e1'),
          );
        }),
      );
      const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : isSymbolonError(o.reason) ? o.reason.code : String(o.reason)));
      assert.equal(codes.filter((code) => code === 'ok').length, 1);
      assert.equal(codes.filter((code) => code === 'STORE_ENROLLMENT_DECIDED').length, 9);
      const winner = outcomes.find((o) => o.status === 'fulfilled')!.value;
      assert.deepEqual(await nodes[1]!.getPendingEnrollment('00000000000000e1'), winner);
      const log = await nodes[0]!.readAuditLog(0, 100);
      assert.deepEqual(
        log.map((entry) => entry.action),
        ['enrollment.request', winner.status === 'approved' ? 'enrollment.approve' : 'enrollment.reject'],
      );
      assert.ok(verifyAuditChain(log, await nodes[1]!.auditHead()).ok);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
      await scratch.drop();
    }
  });
});
