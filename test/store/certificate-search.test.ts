import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openPostgresStore, openSqliteStore } from '../../src/store/index.js';
import type { CertificateSearch, Store } from '../../src/store/index.js';
import { createTestDatabase } from '../support/postgres-database.js';
import { seedCertificates } from '../support/seed-certificates.js';
import type { SeededCertificate } from '../support/seed-certificates.js';
import { draft, issuer } from './store-contract.js';

const NOW = new Date(Date.UTC(2030, 5, 1));
const DAY = 86_400_000;

/** Every page of a search, followed to its end. */
async function allPages(store: Store, search: Omit<CertificateSearch, 'after'>): Promise<string[]> {
  const serials: string[] = [];
  let after: CertificateSearch['after'];
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.searchCertificates({ ...search, after });
    assert.ok(page.records.length <= search.limit);
    serials.push(...page.records.map((record) => record.serial));
    if (page.next === null) return serials;
    after = page.next;
  }
  throw new Error('the search did not end');
}

function expected(seeded: readonly SeededCertificate[], keep: (record: SeededCertificate) => boolean): string[] {
  return seeded
    .filter(keep)
    .sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime() || (a.serial < b.serial ? -1 : 1))
    .map((record) => record.serial);
}

function statusOf(record: SeededCertificate): string {
  if (record.isRevoked) return 'revoked';
  return record.notAfter.getTime() <= NOW.getTime() ? 'expired' : 'valid';
}

function searchSuite(name: string, open: () => Promise<{ store: Store; dispose: () => Promise<void> }>): void {
  describe(`certificate search (${name})`, () => {
    test('finds exactly what a scan of every record finds, by each filter and their combinations, over every page', async () => {
      const { store, dispose } = await open();
      try {
        await store.addIssuer(issuer('root', null, false), draft('ca.init', 'root'));
        await store.addIssuer(issuer('intermediate-1', 'root', true), draft('issuer.add', 'intermediate-1'));
        const seeded = await seedCertificates(store, {
          // Past the driving cut (1000 terms here): broad text filters walk the expiry index, narrow ones drive from the terms.
          count: 2500,
          issuerId: 'intermediate-1',
          der: Buffer.from('not a certificate, a test record'),
          now: NOW,
          revokeEvery: 7,
        });
        const base = { now: NOW, limit: 37 };
        const probe = seeded[123]!;
        const cases: [Omit<CertificateSearch, 'after'>, (record: SeededCertificate) => boolean][] = [
          [base, () => true],
          [{ ...base, profile: 'server' }, (r) => r.profile === 'server'],
          [{ ...base, status: 'valid' }, (r) => statusOf(r) === 'valid'],
          [{ ...base, status: 'expired' }, (r) => statusOf(r) === 'expired'],
          [{ ...base, status: 'revoked' }, (r) => statusOf(r) === 'revoked'],
          [{ ...base, status: 'valid', profile: 'gateway' }, (r) => statusOf(r) === 'valid' && r.profile === 'gateway'],
          [
            { ...base, expiresAfter: new Date(NOW.getTime() + 10 * DAY), expiresBefore: new Date(NOW.getTime() + 100 * DAY) },
            (r) => r.notAfter.getTime() >= NOW.getTime() + 10 * DAY && r.notAfter.getTime() < NOW.getTime() + 100 * DAY,
          ],
          [{ ...base, subject: 'DEVICE-0001' }, (r) => r.subject.toLowerCase().startsWith('cn=device-0001')],
          [{ ...base, subject: 'cn=device-00012' }, (r) => r.subject.toLowerCase().startsWith('cn=device-00012')],
          [{ ...base, san: 'device-0002' }, (r) => r.dnsName.startsWith('device-0002')],
          [{ ...base, serial: probe.serial.slice(0, 6) }, (r) => r.serial.startsWith(probe.serial.slice(0, 6))],
          [{ ...base, text: probe.serial }, (r) => r.serial === probe.serial],
          [{ ...base, text: 'fleet' }, () => true],
          [{ ...base, text: 'device-00', profile: 'client', status: 'valid' }, (r) => r.profile === 'client' && statusOf(r) === 'valid'],
          [{ ...base, text: 'nothing-like-this' }, () => false],
        ];
        for (const [search, keep] of cases) {
          assert.deepEqual(await allPages(store, search), expected(seeded, keep), JSON.stringify(search));
        }
        const statistics = await store.certificateStatistics(NOW, new Date(NOW.getTime() + 90 * DAY));
        assert.equal(statistics.revocations, seeded.filter((r) => r.isRevoked).length);
        const expectedCounts = new Map<string, number>();
        for (const record of seeded) {
          const key = `${record.profile}/${statusOf(record)}`;
          expectedCounts.set(key, (expectedCounts.get(key) ?? 0) + 1);
        }
        assert.deepEqual(new Map(statistics.counts.map((c) => [`${c.profile}/${c.status}`, c.count])), expectedCounts);
        const soonest = Math.min(...seeded.filter((r) => statusOf(r) === 'valid').map((r) => r.notAfter.getTime()));
        assert.equal(statistics.soonestExpiry?.getTime(), soonest);
        const inTimeline = seeded.filter((r) => statusOf(r) === 'valid' && r.notAfter.getTime() <= NOW.getTime() + 90 * DAY).length;
        assert.equal(
          statistics.timeline.reduce((sum, entry) => sum + entry.count, 0),
          inTimeline,
        );
        const gatewayDays = new Map<string, number>();
        for (const record of seeded.filter(
          (r) => r.profile === 'gateway' && statusOf(r) === 'valid' && r.notAfter.getTime() <= NOW.getTime() + 90 * DAY,
        )) {
          const day = record.notAfter.toISOString().slice(0, 10);
          gatewayDays.set(day, (gatewayDays.get(day) ?? 0) + 1);
        }
        assert.deepEqual(new Map(statistics.timeline.filter((e) => e.profile === 'gateway').map((e) => [e.day, e.count])), gatewayDays);
      } finally {
        await dispose();
      }
    });
  });
}

const root = mkdtempSync(join(tmpdir(), 'symbolon-search-'));
after(() => rmSync(root, { recursive: true, force: true }));

searchSuite('sqlite', () => {
  const store = openSqliteStore({ path: join(root, 'search.db') });
  return Promise.resolve({ store, dispose: () => store.close() });
});

searchSuite('postgres', async () => {
  const database = await createTestDatabase('search');
  const store = await openPostgresStore({ url: database.url, migrate: true });
  return {
    store,
    dispose: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describe('certificate search on a store made before it', () => {
  const recordedBefore = (insert: (sql: string, params: unknown[]) => void | Promise<void>) => [
    () =>
      insert(
        `INSERT INTO issuers (id, parent_id, subject, certificate, not_before, not_after, is_active, created_at, audit_sequence) VALUES ('intermediate-1', NULL, 'CN=i', ?, 0, 1, ?, 0, 1)`,
        [Buffer.from('x'), true],
      ),
    () =>
      insert(
        `INSERT INTO certificates (issuer_id, serial, subject, subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at, audit_sequence)
         VALUES ('intermediate-1', 'abc123', 'CN=old-device,O=Example', '["dns:old-device.example.com"]', 'client', 0, ${NOW.getTime() + DAY}, 'f', ?, 0, 1)`,
        [Buffer.from('der')],
      ),
  ];

  test('SQLite: migration 5 indexes the certificates recorded before it', async () => {
    const path = join(root, 'before.db');
    const { SQLITE_MIGRATIONS } = await import('../../src/store/sqlite-migrations.js');
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(path);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
    for (const migration of SQLITE_MIGRATIONS.filter((m) => m.version <= 3)) {
      raw.exec(migration.sql);
      raw.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
    }
    raw.prepare(`INSERT INTO meta (key, value) VALUES ('format', 'symbolon-store'), ('store_id', 'x')`).run();
    raw
      .prepare(
        `INSERT INTO audit_log (sequence, at, actor, action, target, payload, payload_hash, previous_hash, entry_hash) VALUES (1, '', '', '', '', '{}', '', '', '')`,
      )
      .run();
    // SQLite has no booleans: the flag is 1.
    for (const step of recordedBefore((sql, params) => void raw.prepare(sql).run(...params.map((p) => (p === true ? 1 : p))))) await step();
    raw.close();
    const store = openSqliteStore({ path });
    try {
      for (const text of ['old-dev', 'OLD-DEVICE.example', 'abc1']) {
        assert.deepEqual(
          (await store.searchCertificates({ now: NOW, text, limit: 10 })).records.map((r) => r.serial),
          ['abc123'],
          text,
        );
      }
    } finally {
      await store.close();
    }
  });

  test('PostgreSQL: migration 4 indexes the certificates recorded before it, and its trigger every one after', async () => {
    const { POSTGRES_MIGRATIONS } = await import('../../src/store/postgres-migrations.js');
    const pg = (await import('pg')).default;
    const database = await createTestDatabase('search_before');
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      for (const migration of POSTGRES_MIGRATIONS.filter((m) => m.version <= 2)) {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [migration.version, migration.name]);
      }
      await client.query(
        `INSERT INTO meta (key, value) VALUES ('format', 'symbolon-store'), ('store_id', 'x'), ('revocation_sequence', '0')`,
      );
      await client.query(
        `INSERT INTO audit_log (sequence, at, actor, action, target, payload, payload_hash, previous_hash, entry_hash) VALUES (1, '', '', '', '', '{}', '', '', '')`,
      );
      for (const step of recordedBefore(async (sql, params) => {
        let n = 0;
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        );
      }))
        await step();
    } finally {
      await client.end();
    }
    const store = await openPostgresStore({ url: database.url, migrate: true });
    try {
      for (const text of ['old-dev', 'OLD-DEVICE.example', 'abc1']) {
        assert.deepEqual(
          (await store.searchCertificates({ now: NOW, text, limit: 10 })).records.map((r) => r.serial),
          ['abc123'],
          text,
        );
      }
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
