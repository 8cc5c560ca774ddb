/**
 * Synthetic certificate records in bulk, for tests and benches that need an inventory of
 * thousands to millions: real-looking rows (subjects, DNS names, random serials, profiles, a
 * spread of expiry dates, some revoked) that all carry one real certificate's DER (the caller's),
 * so a detail view still decodes. Two ways in:
 * - `seedCertificates(store, ...)`: through `Store.recordIssuance`, each with its audit entry,
 *   batched by the store's group commit: the audit chain stays whole (`up` starts clean on it).
 * - `bulkSeedSqlite` / `bulkSeedPostgres`: straight into the tables in one transaction, with no
 *   audit entries: a million rows in seconds, for the bench only (the audit check at start would
 *   report every one of them).
 */
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { normalizeSerialNumber } from '../../src/ca/index.js';
import type { NewCertificate, Store } from '../../src/store/index.js';

const DAY_MS = 86_400_000;

export interface SeedOptions {
  readonly count: number;
  /** The issuer every record names (it must be recorded). */
  readonly issuerId: string;
  /** The DER every record carries. */
  readonly der: Buffer;
  /** The profiles records cycle through; by default client, server and gateway. */
  readonly profiles?: readonly string[];
  /** Expiry dates spread from `now - expiredDays` to `now + validDays`; by default 30 and 365. */
  readonly now?: Date;
  readonly expiredDays?: number;
  readonly validDays?: number;
  /** Name prefix: `device-000042` by default. */
  readonly namePrefix?: string;
  /** Every n-th record is revoked (keyCompromise); 0 for none; 50 by default. */
  readonly revokeEvery?: number;
}

/** What was seeded, for a test to look one up. */
export interface SeededCertificate {
  readonly serial: string;
  readonly subject: string;
  readonly dnsName: string;
  readonly profile: string;
  readonly notAfter: Date;
  readonly isRevoked: boolean;
}

/** The synthetic record number `index` (0-based), deterministic apart from its random serial. */
function syntheticRecord(index: number, options: SeedOptions): { certificate: NewCertificate; seeded: SeededCertificate } {
  const profiles = options.profiles ?? ['client', 'server', 'gateway'];
  const now = (options.now ?? new Date()).getTime();
  const expiredMs = (options.expiredDays ?? 30) * DAY_MS;
  const spanMs = expiredMs + (options.validDays ?? 365) * DAY_MS;
  const total = Math.max(1, options.count);
  // A permutation of the indexes spreads expiry dates evenly but out of insertion order.
  const slot = (index * 2_654_435_761) % total;
  const notAfter = new Date(now - expiredMs + Math.floor((slot / total) * spanMs) + (index % 1000));
  const name = `${options.namePrefix ?? 'device'}-${String(index).padStart(6, '0')}`;
  const dnsName = `${name}.fleet.example.com`;
  // The stores' form of a serial (even-length hex, as the CA writes it), or lookups by serial miss one in 16.
  const serial = normalizeSerialNumber(randomBytes(16).toString('hex'))!;
  const profile = profiles[index % profiles.length]!;
  const subject = `CN=${name},OU=Fleet,O=Example`;
  const revokeEvery = options.revokeEvery ?? 50;
  const certificate: NewCertificate = {
    issuerId: options.issuerId,
    serial,
    subject,
    subjectAltNames: [`dns:${dnsName}`],
    profile,
    notBefore: new Date(notAfter.getTime() - 90 * DAY_MS),
    notAfter,
    fingerprint: createHash('sha256').update(options.der).update(serial).digest('hex'),
    der: options.der,
    issuedAt: new Date(Math.min(now, notAfter.getTime() - 89 * DAY_MS)),
    renewalOf: null,
  };
  return {
    certificate,
    seeded: { serial, subject, dnsName, profile, notAfter, isRevoked: revokeEvery > 0 && index % revokeEvery === revokeEvery - 1 },
  };
}

/** Records `count` synthetic certificates through the store, each with its audit entry (and revocation, for every n-th). */
export async function seedCertificates(store: Store, options: SeedOptions): Promise<SeededCertificate[]> {
  const seeded: SeededCertificate[] = [];
  const CHUNK = 2000;
  for (let start = 0; start < options.count; start += CHUNK) {
    const batch = Array.from({ length: Math.min(CHUNK, options.count - start) }, (_, i) => syntheticRecord(start + i, options));
    await Promise.all(
      batch.map(async ({ certificate, seeded: record }) => {
        const target = `${certificate.issuerId}/${certificate.serial}`;
        await store.recordIssuance(certificate, {
          at: certificate.issuedAt,
          actor: 'seed',
          action: 'certificate.issue',
          target,
          payload: { issuer: certificate.issuerId, serial: certificate.serial, profile: certificate.profile, subject: certificate.subject },
        });
        if (record.isRevoked) {
          const revokedAt = certificate.issuedAt;
          await store.recordRevocation(
            { issuerId: certificate.issuerId, serial: certificate.serial, reason: 'keyCompromise', revokedAt },
            { at: revokedAt, actor: 'seed', action: 'certificate.revoke', target, payload: { reason: 'keyCompromise' } },
          );
        }
      }),
    );
    seeded.push(...batch.map((entry) => entry.seeded));
  }
  return seeded;
}

/**
 * Inserts `count` synthetic records straight into an SQLite store's tables (made by
 * `openSqliteStore`, closed meanwhile), search terms included, in one transaction. No audit
 * entries: for benches only.
 */
export function bulkSeedSqlite(
  path: string,
  options: SeedOptions,
  terms: (subject: string, sans: readonly string[], serial: string) => string[],
): SeededCertificate[] {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const sequence = (db.prepare('SELECT COALESCE(MAX(sequence), 0) AS s FROM audit_log').get() as { s: number }).s;
    const insertCertificate = db.prepare(
      `INSERT INTO certificates (issuer_id, serial, subject, subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at, audit_sequence)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertTerm = db.prepare(
      'INSERT OR IGNORE INTO certificate_terms (term, certificate_id, not_after, serial, profile) VALUES (?, ?, ?, ?, ?)',
    );
    const insertRevocation = db.prepare(
      'INSERT INTO revocations (certificate_id, issuer_id, serial, reason, revoked_at, audit_sequence) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const seeded: SeededCertificate[] = [];
    db.transaction(() => {
      for (let index = 0; index < options.count; index++) {
        const { certificate: c, seeded: record } = syntheticRecord(index, options);
        const id = insertCertificate.run(
          c.issuerId,
          c.serial,
          c.subject,
          JSON.stringify(c.subjectAltNames),
          c.profile,
          c.notBefore.getTime(),
          c.notAfter.getTime(),
          c.fingerprint,
          c.der,
          c.issuedAt.getTime(),
          sequence,
        ).lastInsertRowid;
        for (const term of terms(c.subject, c.subjectAltNames, c.serial))
          insertTerm.run(term, id, c.notAfter.getTime(), c.serial, c.profile);
        if (record.isRevoked) insertRevocation.run(id, c.issuerId, c.serial, 'keyCompromise', c.issuedAt.getTime(), sequence);
        seeded.push(record);
      }
    })();
    db.exec('ANALYZE');
    return seeded;
  } finally {
    db.close();
  }
}

/**
 * The same for a PostgreSQL store (migrated): rows in chunks by `unnest`, in one transaction; its
 * trigger makes the search terms. No audit entries: for benches only.
 */
export async function bulkSeedPostgres(url: string, options: SeedOptions): Promise<SeededCertificate[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const seeded: SeededCertificate[] = [];
  try {
    const sequence = Number((await client.query<{ s: string }>('SELECT COALESCE(MAX(sequence), 0) AS s FROM audit_log')).rows[0]!.s);
    // PostgreSQL's store hands out revocation sequences from meta.revocation_sequence.
    let revocationSequence = Number(
      (await client.query<{ value: string }>(`SELECT value FROM meta WHERE key = 'revocation_sequence'`)).rows[0]?.value ?? 0,
    );
    await client.query('BEGIN');
    const CHUNK = 5000;
    for (let start = 0; start < options.count; start += CHUNK) {
      const batch = Array.from({ length: Math.min(CHUNK, options.count - start) }, (_, i) => syntheticRecord(start + i, options));
      const column = <T>(pick: (entry: (typeof batch)[number]) => T): T[] => batch.map(pick);
      await client.query(
        `INSERT INTO certificates (issuer_id, serial, subject, subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at, audit_sequence)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[], $9::bytea[], $10::bigint[], $11::bigint[])`,
        [
          column((e) => e.certificate.issuerId),
          column((e) => e.certificate.serial),
          column((e) => e.certificate.subject),
          column((e) => JSON.stringify(e.certificate.subjectAltNames)),
          column((e) => e.certificate.profile),
          column((e) => e.certificate.notBefore.getTime()),
          column((e) => e.certificate.notAfter.getTime()),
          column((e) => e.certificate.fingerprint),
          column((e) => e.certificate.der),
          column((e) => e.certificate.issuedAt.getTime()),
          column(() => sequence),
        ],
      );
      const revoked = batch.filter((e) => e.seeded.isRevoked);
      if (revoked.length > 0) {
        await client.query(
          `INSERT INTO revocations (sequence, certificate_id, issuer_id, serial, reason, revoked_at, audit_sequence)
           SELECT v.sequence, c.id, c.issuer_id, c.serial, 'keyCompromise', c.issued_at, $4
           FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(sequence, issuer_id, serial)
           JOIN certificates c ON c.issuer_id = v.issuer_id AND c.serial = v.serial`,
          [
            revoked.map(() => ++revocationSequence),
            revoked.map((e) => e.certificate.issuerId),
            revoked.map((e) => e.certificate.serial),
            sequence,
          ],
        );
      }
      seeded.push(...batch.map((e) => e.seeded));
    }
    await client.query(`UPDATE meta SET value = $1 WHERE key = 'revocation_sequence'`, [String(revocationSequence)]);
    await client.query('COMMIT');
    // What autovacuum does in time: statistics, and the visibility map index-only scans need.
    await client.query('VACUUM ANALYZE');
    return seeded;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
