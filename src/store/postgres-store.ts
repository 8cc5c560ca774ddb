import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PoolClient } from 'pg';
import { GENESIS_HASH, sealAuditEntry } from '../audit/index.js';
import type { AuditDraft, AuditEntry, AuditHead } from '../audit/index.js';
import { SymbolonError } from '../errors.js';
import { watchPostgresRevocations } from './postgres-revocation-watch.js';
import { parsePostgresUrl, redactedUrl } from './postgres-url.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { certificateRecordHash, issuerRecordHash, revocationRecordHash } from './record-hash.js';
import { AUDIT_HEAD_KEY, CERTIFICATE_COLUMNS, FORMAT, FORMAT_KEY, STORE_ID_KEY, parseHead, toAuditEntry, toCertificate, toIssuer, toRevocation } from './store-rows.js';
import type { AuditRow, CertificateRow, IssuerRow, RevocationRow } from './store-rows.js';
import type { CertificateFilter, CertificateRecord, CertificateRef, IssuerRecord, NewCertificate, NewIssuer, NewRevocation, RevocationRecord, Store } from './store.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database`; the password, if any, is never printed. */
  readonly url: string;
  /**
   * Create the schema (or bring it up to date) when opening. Without it, a database whose schema
   * is missing or older than this Symbolon is `STORE_MIGRATION_REQUIRED`: on a shared database
   * the operator migrates once (`symbolon db migrate`), not every node at its start.
   */
  readonly migrate?: boolean;
  /** Connections kept for reads and writes; 4 by default. */
  readonly maxConnections?: number;
  /** Told when a revocation watch's connection fails (it reconnects by itself); ignored by default. */
  readonly onWatchError?: (error: unknown) => void;
}

/** The NOTIFY channel a committed revocation is announced on; the payload is its feed sequence. */
export const REVOCATION_CHANNEL = 'symbolon_revocations';
const REVOCATION_SEQUENCE_KEY = 'revocation_sequence';
/** Key of the advisory lock migrations take, so two nodes never migrate at once. */
const MIGRATION_LOCK = 0x73796d62;
const BIGINT_OID = 20;
const MAX_BATCH = 256;

const ISSUER_COLUMNS = `id, parent_id, subject, certificate, not_before, not_after, CASE WHEN is_active THEN 1 ELSE 0 END AS is_active, created_at`;

/** A pool whose BIGINT columns come back as numbers: every one the schema has (ms times, sequences, row ids) is below 2^53. */
function createPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 10_000,
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === BIGINT_OID ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  // An idle connection the server closed: the pool drops it and the next query opens another.
  pool.on('error', () => undefined);
  return pool;
}

function storeFault(url: string, error: unknown): SymbolonError {
  if (error instanceof SymbolonError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new SymbolonError('STORE_UNAVAILABLE', `the database ${redactedUrl(url)} cannot be used: ${detail}`, { cause: error });
}

function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export interface MigrationOutcome {
  /** Versions applied now, in order. */
  readonly applied: readonly number[];
  /** The schema version the database has now. */
  readonly version: number;
}

async function schemaVersion(client: PoolClient | pg.Pool, url: string): Promise<{ readonly tables: readonly string[]; readonly applied: ReadonlySet<number> }> {
  const tables = (await client.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`)).rows.map((row) => row.name);
  if (tables.length > 0 && !tables.includes('schema_migrations')) {
    throw new SymbolonError('STORE_CORRUPT', `${redactedUrl(url)} holds tables of another program (it has no schema_migrations table)`);
  }
  if (tables.length === 0) return { tables, applied: new Set() };
  const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version));
  const newest = Math.max(0, ...applied);
  const known = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
  if (newest > known) throw new SymbolonError('STORE_VERSION_UNSUPPORTED', `${redactedUrl(url)} has schema version ${newest}; this Symbolon knows up to ${known}; upgrade Symbolon`);
  return { tables, applied };
}

async function migrateWith(pool: pg.Pool, url: string): Promise<MigrationOutcome> {
  const client = await pool.connect();
  const ignore = (): void => undefined;
  client.on('error', ignore);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const { applied } = await schemaVersion(client, url);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const now: number[] = [];
    for (const migration of POSTGRES_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()]);
      if (migration.version === 1) {
        await client.query('INSERT INTO meta (key, value) VALUES ($1, $2), ($3, $4), ($5, $6), ($7, $8)', [
          FORMAT_KEY,
          FORMAT,
          STORE_ID_KEY,
          randomUUID(),
          AUDIT_HEAD_KEY,
          `0:${GENESIS_HASH}`,
          REVOCATION_SEQUENCE_KEY,
          '0',
        ]);
      }
      now.push(migration.version);
    }
    await client.query('COMMIT');
    return { applied: now, version: Math.max(0, ...applied, ...now) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', ignore);
    client.release();
  }
}

/**
 * Creates the schema of a Symbolon store in a PostgreSQL database, or applies the migrations it
 * lacks, in one transaction under an advisory lock (two nodes migrating at once wait for each
 * other). Throws `STORE_UNAVAILABLE`, `STORE_CORRUPT` for a database of another program,
 * `STORE_VERSION_UNSUPPORTED`, `STORE_DATABASE_URL_INVALID`.
 */
export async function migratePostgresStore(url: string): Promise<MigrationOutcome> {
  parsePostgresUrl(url);
  const pool = createPool(url, 1);
  try {
    return await migrateWith(pool, url);
  } catch (error) {
    throw storeFault(url, error);
  } finally {
    await pool.end();
  }
}

/** What a write runs with: its connection, inside the batch's transaction, and the chain's head. */
interface WriteContext {
  readonly client: PoolClient;
  /** Seals the draft onto the head (with the hash of the row it writes) and stores it. */
  appendAudit(draft: AuditDraft, recordHash?: string): Promise<AuditEntry>;
}

interface PendingWrite {
  readonly run: (context: WriteContext) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Opens a Symbolon store in PostgreSQL, shared by any number of nodes. Every write is one
 * transaction with its audit entry; the transaction first locks the audit head's row
 * (`SELECT ... FOR UPDATE`), so writers on every node take turns at the chain: the chain's order
 * is the database's, and each entry is sealed onto the head in the transaction that stores it.
 * Revocation sequences are taken under the same lock, so they commit in order without gaps, and
 * each committed revocation is announced with NOTIFY on `REVOCATION_CHANNEL`. Writes that
 * arrive while one is committing are committed together, each in its own savepoint (it fails
 * alone), and settle after the COMMIT. Throws `STORE_UNAVAILABLE`, `STORE_CORRUPT`,
 * `STORE_MIGRATION_REQUIRED`, `STORE_VERSION_UNSUPPORTED`, `STORE_DATABASE_URL_INVALID`.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { url } = options;
  parsePostgresUrl(url);
  const pool = createPool(url, options.maxConnections ?? 4);
  try {
    if (options.migrate === true) {
      await migrateWith(pool, url);
    } else {
      const { applied } = await schemaVersion(pool, url);
      const missing = POSTGRES_MIGRATIONS.filter((migration) => !applied.has(migration.version));
      if (missing.length > 0) {
        throw new SymbolonError(
          'STORE_MIGRATION_REQUIRED',
          `${redactedUrl(url)} lacks schema version${missing.length > 1 ? 's' : ''} ${missing.map((m) => m.version).join(', ')}; run \`symbolon db migrate --database <url>\` once, then start the nodes`,
        );
      }
    }
    const format = (await pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [FORMAT_KEY])).rows[0]?.value;
    if (format !== FORMAT) throw new SymbolonError('STORE_CORRUPT', `${redactedUrl(url)} does not say it is a Symbolon store`);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw storeFault(url, error);
  }

  let pending: PendingWrite[] = [];
  let flushing: Promise<void> | undefined;

  async function commitBatch(batch: readonly PendingWrite[]): Promise<void> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      for (const write of batch) write.reject(storeFault(url, error));
      return;
    }
    // A connection that fails while checked out emits 'error' on the client: the query in flight
    // rejects with it too, so here it only must not go unheard (an unheard 'error' ends the process).
    const ignore = (): void => undefined;
    client.on('error', ignore);
    const release = (error?: true): void => {
      client.off('error', ignore);
      client.release(error);
    };
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await client.query('BEGIN');
      // The one lock every writer of every node takes first: writers queue here, in the database.
      const recorded = parseHead((await client.query<{ value: string }>('SELECT value FROM meta WHERE key = $1 FOR UPDATE', [AUDIT_HEAD_KEY])).rows[0]?.value);
      let head: AuditHead = recorded;
      const context: WriteContext = {
        client,
        async appendAudit(draft, recordHash) {
          const entry = sealAuditEntry(draft, head, recordHash);
          await client.query(
            `INSERT INTO audit_log (sequence, at, actor, action, target, payload, payload_hash, record_hash, previous_hash, entry_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
            [entry.sequence, entry.at, entry.actor, entry.action, entry.target, entry.payload, entry.payloadHash, entry.recordHash, entry.previousHash, entry.entryHash],
          );
          head = { sequence: entry.sequence, entryHash: entry.entryHash };
          return entry;
        },
      };
      for (const write of batch) {
        const before = head;
        await client.query('SAVEPOINT write');
        try {
          const value = await write.run(context);
          await client.query('RELEASE SAVEPOINT write');
          outcomes.push({ ok: true, value });
        } catch (error) {
          // The savepoint takes the write's rows, its audit entry and its NOTIFY back; the head goes back with them.
          await client.query('ROLLBACK TO SAVEPOINT write');
          head = before;
          outcomes.push({ ok: false, error });
        }
      }
      if (head !== recorded) await client.query('UPDATE meta SET value = $2 WHERE key = $1', [AUDIT_HEAD_KEY, `${head.sequence}:${head.entryHash}`]);
      await client.query('COMMIT');
    } catch (error) {
      // The connection failed or the COMMIT did: nothing of the batch is known to be stored.
      const isBroken = await client.query('ROLLBACK').then(
        () => false,
        () => true,
      );
      release(isBroken ? true : undefined);
      for (const write of batch) write.reject(storeFault(url, error));
      return;
    }
    release();
    outcomes.forEach((outcome, i) => (outcome.ok ? batch[i]!.resolve(outcome.value) : batch[i]!.reject(storeFault(url, outcome.error))));
  }

  /** Commits what is pending, batch after batch, until nothing is; one flush runs at a time. */
  function startFlush(): void {
    if (flushing !== undefined || pending.length === 0) return;
    flushing = (async () => {
      while (pending.length > 0) {
        const batch = pending.slice(0, MAX_BATCH);
        pending = pending.slice(MAX_BATCH);
        await commitBatch(batch);
      }
    })().finally(() => {
      flushing = undefined;
      // A write queued between the loop's last check and this point.
      startFlush();
    });
  }

  function write<T>(run: (context: WriteContext) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      startFlush();
    });
  }

  async function read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw storeFault(url, error);
    }
  }

  async function hasIssuer(client: PoolClient, id: string): Promise<boolean> {
    return (await client.query('SELECT 1 FROM issuers WHERE id = $1', [id])).rowCount! > 0;
  }

  async function addIssuer({ client, appendAudit }: WriteContext, issuer: NewIssuer, draft: AuditDraft): Promise<IssuerRecord> {
    if (await hasIssuer(client, issuer.id)) throw new SymbolonError('STORE_ISSUER_EXISTS', `an issuer named "${issuer.id}" is already recorded`);
    if (issuer.parentId !== null && !(await hasIssuer(client, issuer.parentId))) throw new SymbolonError('STORE_ISSUER_UNKNOWN', `the parent issuer "${issuer.parentId}" is not recorded`);
    const entry = await appendAudit({ ...draft, payload: { ...draft.payload, isActive: issuer.isActive } }, issuerRecordHash(issuer));
    if (issuer.isActive) await client.query('UPDATE issuers SET is_active = false WHERE is_active');
    await client.query(
      `INSERT INTO issuers (id, parent_id, subject, certificate, not_before, not_after, is_active, created_at, audit_sequence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [issuer.id, issuer.parentId, issuer.subject, issuer.certificate, issuer.notBefore.getTime(), issuer.notAfter.getTime(), issuer.isActive, issuer.createdAt.getTime(), entry.sequence],
    );
    return Object.freeze({ ...issuer });
  }

  async function recordIssuance({ client, appendAudit }: WriteContext, certificate: NewCertificate, draft: AuditDraft): Promise<CertificateRecord> {
    const entry = await appendAudit(draft, certificateRecordHash(certificate));
    const renewal = certificate.renewalOf;
    try {
      await client.query(
        `INSERT INTO certificates (issuer_id, serial, subject, subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at, renewal_of_issuer, renewal_of_serial, audit_sequence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          certificate.issuerId,
          certificate.serial,
          certificate.subject,
          JSON.stringify(certificate.subjectAltNames),
          certificate.profile,
          certificate.notBefore.getTime(),
          certificate.notAfter.getTime(),
          certificate.fingerprint,
          certificate.der,
          certificate.issuedAt.getTime(),
          renewal?.issuerId ?? null,
          renewal?.serial ?? null,
          entry.sequence,
        ],
      );
    } catch (error) {
      // 23505 unique_violation: the UNIQUE (issuer_id, serial) constraint, for writers on every node.
      if (pgCode(error) === '23505') throw new SymbolonError('STORE_SERIAL_TAKEN', `issuer "${certificate.issuerId}" already has serial ${certificate.serial}`, { cause: error });
      if (pgCode(error) === '23503') throw new SymbolonError('STORE_ISSUER_UNKNOWN', `issuer "${certificate.issuerId}" or the renewed certificate is not recorded`, { cause: error });
      throw error;
    }
    return Object.freeze(Object.assign({}, certificate, { auditSequence: entry.sequence, revocation: null }));
  }

  async function recordRevocation({ client, appendAudit }: WriteContext, revocation: NewRevocation, draft: AuditDraft): Promise<RevocationRecord> {
    const found = await client.query<{ id: number; is_revoked: boolean }>(
      'SELECT c.id, r.sequence IS NOT NULL AS is_revoked FROM certificates c LEFT JOIN revocations r ON r.certificate_id = c.id WHERE c.issuer_id = $1 AND c.serial = $2',
      [revocation.issuerId, revocation.serial],
    );
    const row = found.rows[0];
    if (row === undefined) throw new SymbolonError('STORE_NOT_FOUND', `issuer "${revocation.issuerId}" has no certificate with serial ${revocation.serial}`);
    if (row.is_revoked) throw new SymbolonError('STORE_ALREADY_REVOKED', `the certificate ${revocation.issuerId}/${revocation.serial} is already revoked`);
    // Under the head's lock: the next sequence commits after every smaller one.
    const next = await client.query<{ value: string }>(`UPDATE meta SET value = (value::bigint + 1)::text WHERE key = $1 RETURNING value`, [REVOCATION_SEQUENCE_KEY]);
    const sequence = Number(next.rows[0]?.value);
    if (!Number.isSafeInteger(sequence) || sequence < 1) throw new SymbolonError('STORE_CORRUPT', 'the recorded revocation sequence is malformed; the database was edited');
    const stored = { issuerId: revocation.issuerId, serial: revocation.serial, reason: revocation.reason, revokedAt: revocation.revokedAt, sequence };
    const payload = { ...draft.payload, issuer: stored.issuerId, serial: stored.serial, reason: stored.reason, revokedAt: stored.revokedAt.toISOString(), feedSequence: sequence };
    const entry = await appendAudit({ ...draft, payload }, revocationRecordHash(stored));
    await client.query(`INSERT INTO revocations (sequence, certificate_id, issuer_id, serial, reason, revoked_at, audit_sequence) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      sequence,
      row.id,
      revocation.issuerId,
      revocation.serial,
      revocation.reason,
      revocation.revokedAt.getTime(),
      entry.sequence,
    ]);
    // Delivered to every listening node when (and only if) the transaction commits.
    await client.query('SELECT pg_notify($1, $2)', [REVOCATION_CHANNEL, String(sequence)]);
    return Object.freeze({ ...stored, auditSequence: entry.sequence });
  }

  async function listCertificates(filter: CertificateFilter): Promise<CertificateRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const param = (value: string | number): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const now = filter.now.getTime();
    if (filter.issuerId !== undefined) where.push(`c.issuer_id = ${param(filter.issuerId)}`);
    if (filter.profile !== undefined) where.push(`c.profile = ${param(filter.profile)}`);
    if (filter.status === 'revoked') where.push('r.sequence IS NOT NULL');
    if (filter.status === 'valid') where.push(`r.sequence IS NULL AND c.not_after > ${param(now)}`);
    if (filter.status === 'expired') where.push(`r.sequence IS NULL AND c.not_after <= ${param(now)}`);
    if (filter.notAfterBefore !== undefined) where.push(`c.not_after <= ${param(filter.notAfterBefore.getTime())}`);
    const clause = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
    const limit = filter.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
    return (await pool.query<CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS}${clause} ORDER BY c.issued_at, c.id${limit}`, params)).rows.map(toCertificate);
  }

  async function metaValue(key: string): Promise<string | undefined> {
    return (await pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value;
  }

  let isClosed = false;
  const watches = new Set<() => Promise<void>>();
  return Object.freeze({
    addIssuer: (issuer: NewIssuer, audit: AuditDraft) => write((context) => addIssuer(context, issuer, audit)),
    listIssuers: () => read(async () => (await pool.query<IssuerRow>(`SELECT ${ISSUER_COLUMNS} FROM issuers ORDER BY created_at, added_order`)).rows.map(toIssuer)),
    recordIssuance: (certificate: NewCertificate, audit: AuditDraft) => write((context) => recordIssuance(context, certificate, audit)),
    recordRevocation: (revocation: NewRevocation, audit: AuditDraft) => write((context) => recordRevocation(context, revocation, audit)),
    appendAudit: (audit: AuditDraft) => write((context) => context.appendAudit(audit)),
    getCertificate: (ref: CertificateRef) =>
      read(async () => {
        const row = (await pool.query<CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS} WHERE c.issuer_id = $1 AND c.serial = $2`, [ref.issuerId, ref.serial])).rows[0];
        return row === undefined ? undefined : toCertificate(row);
      }),
    findCertificatesBySerial: (serial: string) => read(async () => (await pool.query<CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS} WHERE c.serial = $1 ORDER BY c.id`, [serial])).rows.map(toCertificate)),
    certificateCount: () => read(async () => (await pool.query<{ count: number }>('SELECT COUNT(*)::bigint AS count FROM certificates')).rows[0]!.count),
    scanCertificates: (cursor: number, limit: number) =>
      read(async () => {
        const rows = (await pool.query<CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS} WHERE c.id > $1 ORDER BY c.id LIMIT $2`, [cursor, limit])).rows;
        return { records: rows.map(toCertificate), cursor: rows.at(-1)?.id ?? cursor };
      }),
    listCertificates: (filter: CertificateFilter) => read(() => listCertificates(filter)),
    listRevocations: (afterSequence: number, limit: number) =>
      read(async () =>
        (await pool.query<RevocationRow>('SELECT sequence, issuer_id, serial, reason, revoked_at, audit_sequence FROM revocations WHERE sequence > $1 ORDER BY sequence LIMIT $2', [afterSequence, limit])).rows.map(
          toRevocation,
        ),
      ),
    readAuditLog: (afterSequence: number, limit: number) =>
      read(async () => (await pool.query<AuditRow>('SELECT * FROM audit_log WHERE sequence > $1 ORDER BY sequence LIMIT $2', [afterSequence, limit])).rows.map(toAuditEntry)),
    auditHead: () => read(async () => parseHead(await metaValue(AUDIT_HEAD_KEY))),
    lastAuditEntry: (action: string) =>
      read(async () => {
        const row = (await pool.query<AuditRow>('SELECT * FROM audit_log WHERE action = $1 ORDER BY sequence DESC LIMIT 1', [action])).rows[0];
        return row === undefined ? undefined : toAuditEntry(row);
      }),
    watchRevocations: (listener: () => void) => {
      if (isClosed) return () => undefined;
      const stop = watchPostgresRevocations({ url, channel: REVOCATION_CHANNEL, listener, onError: options.onWatchError ?? (() => undefined) });
      watches.add(stop);
      return () => {
        if (watches.delete(stop)) void stop();
      };
    },
    storeId: () => read(async () => (await metaValue(STORE_ID_KEY)) ?? ''),
    close: async () => {
      if (isClosed) return;
      isClosed = true;
      await Promise.all([...watches].map((stop) => stop()));
      watches.clear();
      while (flushing !== undefined) await flushing;
      await pool.end();
    },
  } satisfies Store);
}
