import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PoolClient } from 'pg';
import { canonicalJson, GENESIS_HASH, sealAuditEntry } from '../audit/index.js';
import type { AuditDraft, AuditEntry, AuditHead } from '../audit/index.js';
import { SymbolonError } from '../errors.js';
import { watchPostgresRevocations } from './postgres-revocation-watch.js';
import { parsePostgresUrl, redactedUrl } from './postgres-url.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import type { CertificatePage, CertificateSearch, ExpiryAlertKey } from './certificate-search.js';
import { runSearch } from './search-query.js';
import { tokenUseRefusal } from './token-use-refusal.js';
import { expiryAlertInsert, readDueExpiryAlerts, readStatistics } from './statistics-query.js';
import type { QueryRunner } from './statistics-query.js';
import {
  certificateRecordHash,
  enrollmentTokenRecordHash,
  issuerRecordHash,
  oauthClientRecordHash,
  revocationRecordHash,
  signingKeyRecordHash,
} from './record-hash.js';
import {
  AUDIT_HEAD_KEY,
  CERTIFICATE_COLUMNS,
  FORMAT,
  FORMAT_KEY,
  STORE_ID_KEY,
  parseHead,
  toAuditEntry,
  toCertificate,
  toIssuer,
  toPending,
  toRevocation,
  toToken,
  toOAuthClient,
  oauthClientValues,
  OAUTH_CLIENT_COLUMNS,
  SIGNING_KEY_COLUMNS,
  toSigningKey,
} from './store-rows.js';
import type {
  AuditRow,
  CertificateRow,
  IssuerRow,
  PendingRow,
  RevocationRow,
  TokenRow,
  OAuthClientRow,
  SigningKeyRow,
} from './store-rows.js';
import type {
  CertificateFilter,
  CertificateRecord,
  CertificateRef,
  EnrollmentTokenRecord,
  EnrollmentTokenUse,
  IssuerRecord,
  NewCertificate,
  NewEnrollmentToken,
  NewOAuthClient,
  OAuthClientRecord,
  NewIssuer,
  NewPendingEnrollment,
  NewRevocation,
  NewSigningKey,
  PendingEnrollmentRecord,
  PendingEnrollmentStatus,
  RevocationRecord,
  SigningKeyRecord,
  SpentOnIssuance,
  Store,
} from './store.js';

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
const TOKEN_COLUMNS = `id, secret_hash, profile, names, label, uses, uses_left, expires_at, created_at, revoked_at`;
const PENDING_COLUMNS = `id, requester, profile, label, subject, subject_alt_names, csr, renewal_of_issuer, renewal_of_serial, requested_at, status, decided_at, decided_by, cert_issuer, cert_serial`;

/** A pool whose BIGINT columns come back as numbers: every one the schema has (ms times, sequences, row ids) is below 2^53. */
function createPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === BIGINT_OID ? Number : (pg.types.getTypeParser(oid, format) as (value: string) => unknown)) as typeof pg.types.getTypeParser,
    },
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

export interface MigrationOutcome {
  /** Versions applied now, in order. */
  readonly applied: readonly number[];
  /** The schema version the database has now. */
  readonly version: number;
}

async function schemaVersion(
  client: PoolClient | pg.Pool,
  url: string,
): Promise<{ readonly tables: readonly string[]; readonly applied: ReadonlySet<number> }> {
  const tables = (
    await client.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`)
  ).rows.map((row) => row.name);
  if (tables.length > 0 && !tables.includes('schema_migrations')) {
    throw new SymbolonError('STORE_CORRUPT', `${redactedUrl(url)} holds tables of another program (it has no schema_migrations table)`);
  }
  if (tables.length === 0) return { tables, applied: new Set() };
  const applied = new Set(
    (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version),
  );
  const newest = Math.max(0, ...applied);
  // The highest number, not the last: numbers are handed out per branch of work and may merge out of order.
  const known = Math.max(0, ...POSTGRES_MIGRATIONS.map((migration) => migration.version));
  if (newest > known)
    throw new SymbolonError(
      'STORE_VERSION_UNSUPPORTED',
      `${redactedUrl(url)} has schema version ${newest}; this Symbolon knows up to ${known}; upgrade Symbolon`,
    );
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
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    const now: number[] = [];
    for (const migration of POSTGRES_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
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
/** audit_log's columns, in the order `auditLogValues` gives their values: every insert of an entry names them from here. */
const AUDIT_LOG_COLUMNS = 'sequence, at, actor, action, target, payload, payload_hash, record_hash, previous_hash, entry_hash';

function auditLogValues(entry: AuditEntry): unknown[] {
  return [
    entry.sequence,
    entry.at,
    entry.actor,
    entry.action,
    entry.target,
    entry.payload,
    entry.payloadHash,
    entry.recordHash,
    entry.previousHash,
    entry.entryHash,
  ];
}

/** The same values for several entries, one array per column (for `unnest`). */
function auditLogColumns(entries: readonly AuditEntry[]): unknown[][] {
  const rows = entries.map(auditLogValues);
  return AUDIT_LOG_COLUMNS.split(', ').map((_, index) => rows.map((values) => values[index]));
}

interface WriteContext {
  readonly client: PoolClient;
  /** The entry that follows the head for this draft; the head does not move until `advance`. */
  readonly seal: (draft: AuditDraft, recordHash?: string) => AuditEntry;
  /** Moves the head to `entry`, once it is stored. */
  readonly advance: (entry: AuditEntry) => void;
  /** Seals the draft onto the head (with the hash of the row it writes), stores it and advances the head. */
  readonly appendAudit: (draft: AuditDraft, recordHash?: string) => Promise<AuditEntry>;
  /**
   * Runs a write of several statements, any of which may refuse after an earlier one wrote,
   * inside a savepoint: a refusal (`CLEAN_REFUSALS`) takes back what the write had written, and
   * the head with it, so it still writes nothing and the batch goes on.
   */
  readonly atomically: <T>(run: () => Promise<T>) => Promise<T>;
}

/**
 * The refusals a write makes before it writes anything: the transaction goes on without it. Any
 * other error may have left part of a write behind, so it aborts the batch, whose writes are
 * then retried one per transaction.
 */
const CLEAN_REFUSALS: ReadonlySet<string> = new Set([
  'STORE_SERIAL_TAKEN',
  'STORE_ISSUER_UNKNOWN',
  'STORE_ISSUER_EXISTS',
  'STORE_NOT_FOUND',
  'STORE_ALREADY_REVOKED',
  'STORE_TOKEN_EXISTS',
  'STORE_TOKEN_NOT_FOUND',
  'STORE_TOKEN_ALREADY_REVOKED',
  'STORE_TOKEN_REVOKED',
  'STORE_TOKEN_EXPIRED',
  'STORE_TOKEN_USED_UP',
  'STORE_OAUTH_CLIENT_EXISTS',
  'STORE_OAUTH_CLIENT_NOT_FOUND',
  'STORE_ENROLLMENT_NOT_FOUND',
  'STORE_ENROLLMENT_DECIDED',
]);

function isCleanRefusal(error: unknown): boolean {
  return error instanceof SymbolonError && CLEAN_REFUSALS.has(error.code);
}

interface PendingWrite {
  readonly run: (context: WriteContext) => Promise<unknown>;
  /** An issuance, which a batch may store together with the others of its batch (`recordIssuances`). */
  readonly issuance?: { readonly certificate: NewCertificate; readonly draft: AuditDraft };
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
 * arrive while one is committing are committed together and settle after the COMMIT; each still
 * fails alone (a refusal writes nothing; a fault retries the batch's writes one by one). Throws `STORE_UNAVAILABLE`, `STORE_CORRUPT`,
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
    let isCommitSent = false;
    try {
      await client.query('BEGIN');
      // The one lock every writer of every node takes first: writers queue here, in the database.
      const recorded = parseHead(
        (await client.query<{ value: string }>('SELECT value FROM meta WHERE key = $1 FOR UPDATE', [AUDIT_HEAD_KEY])).rows[0]?.value,
      );
      let head: AuditHead = recorded;
      const context: WriteContext = {
        client,
        seal: (draft, recordHash) => sealAuditEntry(draft, head, recordHash),
        advance(entry) {
          head = { sequence: entry.sequence, entryHash: entry.entryHash };
        },
        async appendAudit(draft, recordHash) {
          const entry = sealAuditEntry(draft, head, recordHash);
          await client.query(
            `INSERT INTO audit_log (${AUDIT_LOG_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
            auditLogValues(entry),
          );
          head = { sequence: entry.sequence, entryHash: entry.entryHash };
          return entry;
        },
        async atomically(run) {
          const before = head;
          await client.query('SAVEPOINT write');
          try {
            const value = await run();
            await client.query('RELEASE SAVEPOINT write');
            return value;
          } catch (error) {
            // Any other error aborts the whole batch, savepoint or not.
            if (!isCleanRefusal(error)) throw error;
            await client.query('ROLLBACK TO SAVEPOINT write');
            head = before;
            throw error;
          }
        },
      };
      // No savepoint per write (each would cost two round trips): a write refuses only before it
      // writes anything (CLEAN_REFUSALS), and anything else aborts the batch below. The writes
      // that spend something (a token's use, an approved enrollment), and may refuse after
      // spending it, run in `atomically`.
      // Issuances (the bulk of the writes) go in together: two round trips for all of them.
      const issuances =
        batch.length > 1 ? batch.flatMap((write, index) => (write.issuance === undefined ? [] : [{ index, ...write.issuance }])) : [];
      if (issuances.length > 0) {
        const results = await recordIssuances(context, issuances);
        issuances.forEach((issuance, i) => (outcomes[issuance.index] = results[i]!));
      }
      for (const [index, write] of batch.entries()) {
        if (outcomes[index] !== undefined) continue;
        try {
          outcomes[index] = { ok: true, value: await write.run(context) };
        } catch (error) {
          if (!isCleanRefusal(error)) throw error;
          outcomes[index] = { ok: false, error };
        }
      }
      if (head !== recorded)
        await client.query('UPDATE meta SET value = $2 WHERE key = $1', [AUDIT_HEAD_KEY, `${head.sequence}:${head.entryHash}`]);
      isCommitSent = true;
      await client.query('COMMIT');
    } catch (error) {
      const isBroken = await client.query('ROLLBACK').then(
        () => false,
        () => true,
      );
      release(isBroken ? true : undefined);
      // Before the COMMIT nothing of the batch is stored: each write is tried again alone, so one
      // write's fault fails that write only. After it, the outcome is unknown: a write tried again
      // could be stored twice, so every write of the batch fails.
      if (!isCommitSent && batch.length > 1) {
        for (const write of batch) await commitBatch([write]);
        return;
      }
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

  function write<T>(run: (context: WriteContext) => Promise<T>, issuance?: PendingWrite['issuance']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      pending.push({ run, resolve: resolve as (value: unknown) => void, reject, ...(issuance === undefined ? {} : { issuance }) });
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
    if (await hasIssuer(client, issuer.id))
      throw new SymbolonError('STORE_ISSUER_EXISTS', `an issuer named "${issuer.id}" is already recorded`);
    if (issuer.parentId !== null && !(await hasIssuer(client, issuer.parentId)))
      throw new SymbolonError('STORE_ISSUER_UNKNOWN', `the parent issuer "${issuer.parentId}" is not recorded`);
    const entry = await appendAudit({ ...draft, payload: { ...draft.payload, isActive: issuer.isActive } }, issuerRecordHash(issuer));
    if (issuer.isActive) await client.query('UPDATE issuers SET is_active = false WHERE is_active');
    await client.query(
      `INSERT INTO issuers (id, parent_id, subject, certificate, not_before, not_after, is_active, created_at, audit_sequence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        issuer.id,
        issuer.parentId,
        issuer.subject,
        issuer.certificate,
        issuer.notBefore.getTime(),
        issuer.notAfter.getTime(),
        issuer.isActive,
        issuer.createdAt.getTime(),
        entry.sequence,
      ],
    );
    return Object.freeze({ ...issuer });
  }

  async function recordIssuance(
    { client, seal, advance }: WriteContext,
    certificate: NewCertificate,
    draft: AuditDraft,
  ): Promise<CertificateRecord> {
    const entry = seal(draft, certificateRecordHash(certificate));
    const renewal = certificate.renewalOf;
    // One round trip: the certificate and its audit entry in one statement. A serial the issuer
    // has (the UNIQUE constraint, for writers on every node), an unknown issuer or renewed
    // certificate write nothing and raise nothing, so the batch's transaction goes on.
    const result = await client.query<{ inserted: number; has_issuer: boolean; has_renewed: boolean }>(
      `WITH inserted AS (
         INSERT INTO certificates (issuer_id, serial, subject, subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at, renewal_of_issuer, renewal_of_serial, audit_sequence)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text, $12::text, $13
         WHERE EXISTS (SELECT 1 FROM issuers WHERE id = $1)
           AND ($11::text IS NULL OR EXISTS (SELECT 1 FROM certificates WHERE issuer_id = $11::text AND serial = $12::text))
         ON CONFLICT ON CONSTRAINT certificates_issuer_serial DO NOTHING
         RETURNING 1
       ), audit AS (
         INSERT INTO audit_log (${AUDIT_LOG_COLUMNS})
         SELECT $13, $14, $15, $16, $17, $18, $19, $20, $21, $22 FROM inserted
       )
       SELECT (SELECT COUNT(*)::int FROM inserted) AS inserted,
              EXISTS (SELECT 1 FROM issuers WHERE id = $1) AS has_issuer,
              ($11::text IS NULL OR EXISTS (SELECT 1 FROM certificates WHERE issuer_id = $11::text AND serial = $12::text)) AS has_renewed`,
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
        ...auditLogValues(entry),
      ],
    );
    const row = result.rows[0]!;
    if (row.inserted !== 1) {
      if (!row.has_issuer || !row.has_renewed)
        throw new SymbolonError('STORE_ISSUER_UNKNOWN', `issuer "${certificate.issuerId}" or the renewed certificate is not recorded`);
      throw new SymbolonError('STORE_SERIAL_TAKEN', `issuer "${certificate.issuerId}" already has serial ${certificate.serial}`);
    }
    advance(entry);
    return Object.freeze(Object.assign({}, certificate, { auditSequence: entry.sequence, revocation: null }));
  }

  /**
   * Several issuances in two round trips, inside the batch's transaction under the head's lock
   * (so no other writer can add a certificate meanwhile): one query finds which issuers, serials
   * and renewed certificates exist; the refusals are decided from it (and from the issuances
   * before in the same call) and write nothing; the rest are sealed onto the head in order and
   * stored by one statement.
   */
  async function recordIssuances(
    { client, seal, advance }: WriteContext,
    issuances: readonly { readonly certificate: NewCertificate; readonly draft: AuditDraft }[],
  ): Promise<({ ok: true; value: CertificateRecord } | { ok: false; error: unknown })[]> {
    const refs = issuances.flatMap(({ certificate }) => [certificate, ...(certificate.renewalOf === null ? [] : [certificate.renewalOf])]);
    const found = await client.query<{ kind: string; a: string; b: string }>(
      `SELECT 'c' AS kind, issuer_id AS a, serial AS b FROM certificates WHERE (issuer_id, serial) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       UNION ALL SELECT 'i', id, '' FROM issuers WHERE id = ANY($3::text[])`,
      [
        refs.map((ref) => ref.issuerId),
        refs.map((ref) => ref.serial),
        [...new Set(issuances.map(({ certificate }) => certificate.issuerId))],
      ],
    );
    const key = (issuerId: string, serial: string): string => `${issuerId}\u0000${serial}`;
    const certificates = new Set(found.rows.filter((row) => row.kind === 'c').map((row) => key(row.a, row.b)));
    const issuers = new Set(found.rows.filter((row) => row.kind === 'i').map((row) => row.a));
    const outcomes: ({ ok: true; value: CertificateRecord } | { ok: false; error: unknown })[] = [];
    const stored: { certificate: NewCertificate; entry: AuditEntry }[] = [];
    for (const { certificate, draft } of issuances) {
      const renewal = certificate.renewalOf;
      if (!issuers.has(certificate.issuerId) || (renewal !== null && !certificates.has(key(renewal.issuerId, renewal.serial)))) {
        outcomes.push({
          ok: false,
          error: new SymbolonError('STORE_ISSUER_UNKNOWN', `issuer "${certificate.issuerId}" or the renewed certificate is not recorded`),
        });
      } else if (certificates.has(key(certificate.issuerId, certificate.serial))) {
        outcomes.push({
          ok: false,
          error: new SymbolonError('STORE_SERIAL_TAKEN', `issuer "${certificate.issuerId}" already has serial ${certificate.serial}`),
        });
      } else {
        const entry = seal(draft, certificateRecordHash(certificate));
        advance(entry);
        certificates.add(key(certificate.issuerId, certificate.serial));
        stored.push({ certificate, entry });
        outcomes.push({
          ok: true,
          value: Object.freeze(Object.assign({}, certificate, { auditSequence: entry.sequence, revocation: null })),
        });
      }
    }
    if (stored.length === 0) return outcomes;
    const column = <T>(pick: (row: { certificate: NewCertificate; entry: AuditEntry }) => T): T[] => stored.map(pick);
    await client.query(
      `WITH audit AS (
         INSERT INTO audit_log (${AUDIT_LOG_COLUMNS})
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
       )
       INSERT INTO certificates (issuer_id, serial, subject, subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at, renewal_of_issuer, renewal_of_serial, audit_sequence)
       SELECT * FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::bigint[], $17::bigint[], $18::text[], $19::bytea[], $20::bigint[], $21::text[], $22::text[], $1::bigint[])`,
      [
        ...auditLogColumns(stored.map((r) => r.entry)),
        column((r) => r.certificate.issuerId),
        column((r) => r.certificate.serial),
        column((r) => r.certificate.subject),
        column((r) => JSON.stringify(r.certificate.subjectAltNames)),
        column((r) => r.certificate.profile),
        column((r) => r.certificate.notBefore.getTime()),
        column((r) => r.certificate.notAfter.getTime()),
        column((r) => r.certificate.fingerprint),
        column((r) => r.certificate.der),
        column((r) => r.certificate.issuedAt.getTime()),
        column((r) => r.certificate.renewalOf?.issuerId ?? null),
        column((r) => r.certificate.renewalOf?.serial ?? null),
      ],
    );
    return outcomes;
  }

  async function recordRevocation(
    { client, appendAudit }: WriteContext,
    revocation: NewRevocation,
    draft: AuditDraft,
  ): Promise<RevocationRecord> {
    const found = await client.query<{ id: number; is_revoked: boolean }>(
      'SELECT c.id, r.sequence IS NOT NULL AS is_revoked FROM certificates c LEFT JOIN revocations r ON r.certificate_id = c.id WHERE c.issuer_id = $1 AND c.serial = $2',
      [revocation.issuerId, revocation.serial],
    );
    const row = found.rows[0];
    if (row === undefined)
      throw new SymbolonError('STORE_NOT_FOUND', `issuer "${revocation.issuerId}" has no certificate with serial ${revocation.serial}`);
    if (row.is_revoked)
      throw new SymbolonError('STORE_ALREADY_REVOKED', `the certificate ${revocation.issuerId}/${revocation.serial} is already revoked`);
    // Under the head's lock: the next sequence commits after every smaller one.
    const next = await client.query<{ value: string }>(`UPDATE meta SET value = (value::bigint + 1)::text WHERE key = $1 RETURNING value`, [
      REVOCATION_SEQUENCE_KEY,
    ]);
    const sequence = Number(next.rows[0]?.value);
    if (!Number.isSafeInteger(sequence) || sequence < 1)
      throw new SymbolonError('STORE_CORRUPT', 'the recorded revocation sequence is malformed; the database was edited');
    const stored = {
      issuerId: revocation.issuerId,
      serial: revocation.serial,
      reason: revocation.reason,
      revokedAt: revocation.revokedAt,
      sequence,
    };
    const payload = {
      ...draft.payload,
      issuer: stored.issuerId,
      serial: stored.serial,
      reason: stored.reason,
      revokedAt: stored.revokedAt.toISOString(),
      feedSequence: sequence,
    };
    const entry = await appendAudit({ ...draft, payload }, revocationRecordHash(stored));
    await client.query(
      `INSERT INTO revocations (sequence, certificate_id, issuer_id, serial, reason, revoked_at, audit_sequence) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [sequence, row.id, revocation.issuerId, revocation.serial, revocation.reason, revocation.revokedAt.getTime(), entry.sequence],
    );
    // Delivered to every listening node when (and only if) the transaction commits.
    await client.query('SELECT pg_notify($1, $2)', [REVOCATION_CHANNEL, String(sequence)]);
    return Object.freeze({ ...stored, auditSequence: entry.sequence });
  }

  // The enrollment writes below each make their change with one conditional statement before
  // their audit entry: a refusal is decided from a statement that changed nothing, so it writes
  // nothing (CLEAN_REFUSALS), and the WHERE clauses hold for writers on every node even apart
  // from the head's lock.

  async function addEnrollmentToken(
    { client, appendAudit }: WriteContext,
    token: NewEnrollmentToken,
    draft: AuditDraft,
  ): Promise<EnrollmentTokenRecord> {
    const inserted = await client.query<TokenRow>(
      `INSERT INTO enrollment_tokens (id, secret_hash, profile, names, label, uses, uses_left, expires_at, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, NULL) ON CONFLICT (id) DO NOTHING RETURNING ${TOKEN_COLUMNS}`,
      [
        token.id,
        token.secretHash,
        token.profile,
        JSON.stringify(token.names),
        token.label,
        token.uses,
        token.expiresAt.getTime(),
        token.createdAt.getTime(),
      ],
    );
    const row = inserted.rows[0];
    if (row === undefined) throw new SymbolonError('STORE_TOKEN_EXISTS', `an enrollment token "${token.id}" is already recorded`);
    await appendAudit(draft, enrollmentTokenRecordHash(token));
    return toToken(row);
  }

  /**
   * Takes one use of a token with its `token.use` entry, inside the transaction of the write it
   * is spent on (in `atomically`, so a later refusal of that write takes the use back); a refusal
   * throws having written nothing.
   */
  async function takeTokenUse({ client, appendAudit }: WriteContext, use: EnrollmentTokenUse): Promise<void> {
    // The check and the decrement in one statement: of concurrent uses on any node, only as many
    // as there are uses left find a row to change.
    const taken = await client.query<{ uses_left: number }>(
      `UPDATE enrollment_tokens SET uses_left = uses_left - 1
       WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2 AND uses_left > 0 RETURNING uses_left`,
      [use.id, use.at.getTime()],
    );
    const row = taken.rows[0];
    if (row === undefined) {
      const found = (await client.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM enrollment_tokens WHERE id = $1`, [use.id])).rows[0];
      throw tokenUseRefusal(use.id, found, use.at);
    }
    await appendAudit({ ...use.audit, payload: { ...use.audit.payload, token: use.id, usesLeft: row.uses_left } });
  }

  /**
   * Moves an approved enrollment to `issued` with the certificate it is issued, inside that
   * certificate's transaction (in `atomically`, so a later refusal of the issuance takes the move
   * back); a refusal throws having written nothing.
   */
  async function markEnrollmentIssued({ client }: WriteContext, id: string, certificate: NewCertificate): Promise<void> {
    // The status is the condition: of concurrent issuances for one enrollment, on any node, the
    // first moves it and every later one finds it issued.
    const moved = await client.query(
      `UPDATE pending_enrollments SET status = 'issued', cert_issuer = $2, cert_serial = $3 WHERE id = $1 AND status = 'approved'`,
      [id, certificate.issuerId, certificate.serial],
    );
    if (moved.rowCount === 1) return;
    if ((await client.query('SELECT 1 FROM pending_enrollments WHERE id = $1', [id])).rowCount === 0)
      throw new SymbolonError('STORE_ENROLLMENT_NOT_FOUND', `no enrollment "${id}" is recorded`);
    throw new SymbolonError('STORE_ENROLLMENT_DECIDED', `the enrollment "${id}" is not approved (issued already?)`);
  }

  /** An issuance with what it spends (run in `atomically`: a refusal of any part takes back the others). */
  async function recordSpendingIssuance(
    context: WriteContext,
    certificate: NewCertificate,
    draft: AuditDraft,
    spent: SpentOnIssuance,
  ): Promise<CertificateRecord> {
    if (spent.tokenUse !== undefined) await takeTokenUse(context, spent.tokenUse);
    const enrollment = spent.approvedEnrollment;
    if (enrollment === undefined) return recordIssuance(context, certificate, draft);
    await markEnrollmentIssued(context, enrollment, certificate);
    return recordIssuance(context, certificate, { ...draft, payload: { ...draft.payload, enrollment } });
  }

  async function revokeEnrollmentToken(
    { client, appendAudit }: WriteContext,
    id: string,
    at: Date,
    draft: AuditDraft,
  ): Promise<EnrollmentTokenRecord> {
    const revoked = await client.query<TokenRow>(
      `UPDATE enrollment_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING ${TOKEN_COLUMNS}`,
      [id, at.getTime()],
    );
    const row = revoked.rows[0];
    if (row === undefined) {
      if ((await client.query('SELECT 1 FROM enrollment_tokens WHERE id = $1', [id])).rowCount === 0)
        throw new SymbolonError('STORE_TOKEN_NOT_FOUND', `no enrollment token "${id}" is recorded`);
      throw new SymbolonError('STORE_TOKEN_ALREADY_REVOKED', `the enrollment token "${id}" is already revoked`);
    }
    // The revocation time as stored, so the log alone proves the row.
    await appendAudit({ ...draft, payload: { ...draft.payload, token: id, revokedAt: at.toISOString() } });
    return toToken(row);
  }

  async function addOAuthClient(
    { client, appendAudit }: WriteContext,
    oauthClient: NewOAuthClient,
    draft: AuditDraft,
  ): Promise<OAuthClientRecord> {
    const inserted = await client.query<OAuthClientRow>(
      `INSERT INTO oauth_clients (${OAUTH_CLIENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING ${OAUTH_CLIENT_COLUMNS}`,
      oauthClientValues(oauthClient),
    );
    const row = inserted.rows[0];
    if (row === undefined)
      throw new SymbolonError('STORE_OAUTH_CLIENT_EXISTS', `an OAuth client "${oauthClient.id}" is already registered`);
    await appendAudit(draft, oauthClientRecordHash(oauthClient));
    return toOAuthClient(row);
  }

  async function removeOAuthClient({ client, appendAudit }: WriteContext, id: string, draft: AuditDraft): Promise<OAuthClientRecord> {
    const deleted = await client.query<OAuthClientRow>(`DELETE FROM oauth_clients WHERE id = $1 RETURNING ${OAUTH_CLIENT_COLUMNS}`, [id]);
    const row = deleted.rows[0];
    if (row === undefined) throw new SymbolonError('STORE_OAUTH_CLIENT_NOT_FOUND', `no OAuth client "${id}" is registered`);
    await appendAudit(draft);
    return toOAuthClient(row);
  }

  async function publishSigningKey(
    { client, seal, advance }: WriteContext,
    key: NewSigningKey,
    draft: AuditDraft,
  ): Promise<SigningKeyRecord> {
    const entry = seal(draft, signingKeyRecordHash(key));
    // The key and its audit entry in one statement; a kid published already (by this node before
    // a restart) writes nothing, and the batch's transaction goes on.
    const inserted = await client.query<SigningKeyRow>(
      `WITH inserted AS (
         INSERT INTO oauth_signing_keys (${SIGNING_KEY_COLUMNS}, audit_sequence) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (kid) DO NOTHING RETURNING ${SIGNING_KEY_COLUMNS}
       ), audit AS (
         INSERT INTO audit_log (${AUDIT_LOG_COLUMNS})
         SELECT $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 FROM inserted
       )
       SELECT * FROM inserted`,
      [key.kid, canonicalJson(key.jwk), key.createdAt.getTime(), key.expiresAt.getTime(), ...auditLogValues(entry)],
    );
    const row = inserted.rows[0];
    if (row === undefined)
      return toSigningKey(
        (await client.query<SigningKeyRow>(`SELECT ${SIGNING_KEY_COLUMNS} FROM oauth_signing_keys WHERE kid = $1`, [key.kid])).rows[0]!,
      );
    advance(entry);
    return toSigningKey(row);
  }

  async function addPendingEnrollment(
    context: WriteContext,
    enrollment: NewPendingEnrollment,
    draft: AuditDraft,
    tokenUse: EnrollmentTokenUse | undefined,
  ): Promise<PendingEnrollmentRecord> {
    const { client, appendAudit } = context;
    const inserted = await client.query<PendingRow>(
      `INSERT INTO pending_enrollments (id, requester, profile, label, subject, subject_alt_names, csr, renewal_of_issuer, renewal_of_serial, requested_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending') ON CONFLICT (id) DO NOTHING RETURNING ${PENDING_COLUMNS}`,
      [
        enrollment.id,
        enrollment.requester,
        enrollment.profile,
        enrollment.label,
        enrollment.subject,
        JSON.stringify(enrollment.subjectAltNames),
        enrollment.csr,
        enrollment.renewalOf?.issuerId ?? null,
        enrollment.renewalOf?.serial ?? null,
        enrollment.requestedAt.getTime(),
      ],
    );
    const row = inserted.rows[0];
    // A retry of a request already recorded gets the record as it is, and writes nothing.
    if (row === undefined)
      return toPending(
        (await client.query<PendingRow>(`SELECT ${PENDING_COLUMNS} FROM pending_enrollments WHERE id = $1`, [enrollment.id])).rows[0]!,
      );
    if (tokenUse !== undefined) await takeTokenUse(context, tokenUse);
    await appendAudit(draft);
    return toPending(row);
  }

  async function decidePendingEnrollment(
    { client, appendAudit }: WriteContext,
    id: string,
    decision: Parameters<Store['decidePendingEnrollment']>[1],
    draft: AuditDraft,
  ): Promise<PendingEnrollmentRecord> {
    // The status the move starts from is in the WHERE clause: of two nodes moving one enrollment, one does.
    const moved = await client.query<PendingRow>(
      `UPDATE pending_enrollments SET status = $2, decided_at = $3, decided_by = $4 WHERE id = $1 AND status = 'pending' RETURNING ${PENDING_COLUMNS}`,
      [id, decision.status, decision.at.getTime(), decision.decidedBy],
    );
    const row = moved.rows[0];
    if (row === undefined) {
      if ((await client.query('SELECT 1 FROM pending_enrollments WHERE id = $1', [id])).rowCount === 0)
        throw new SymbolonError('STORE_ENROLLMENT_NOT_FOUND', `no enrollment "${id}" is recorded`);
      throw new SymbolonError('STORE_ENROLLMENT_DECIDED', `the enrollment "${id}" is not pending`);
    }
    await appendAudit(draft);
    return toPending(row);
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
    return (await pool.query<CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS}${clause} ORDER BY c.issued_at, c.id${limit}`, params)).rows.map(
      toCertificate,
    );
  }

  /** Runs a query written with `?` placeholders (shared with SQLite) as PostgreSQL's `$1, $2, ...`. */
  const runQuery: QueryRunner = async <Row>(sql: string, params: readonly unknown[]) => {
    let n = 0;
    return (
      await pool.query(
        sql.replace(/\?/g, () => `$${++n}`),
        [...params],
      )
    ).rows as Row[];
  };

  async function searchCertificates(search: CertificateSearch): Promise<CertificatePage> {
    const { rows, next } = await runSearch<CertificateRow>(
      search,
      'postgres',
      async (query) => (await pool.query<CertificateRow>(query.sql, query.params)).rows,
    );
    return { records: rows.map(toCertificate), next };
  }

  async function recordExpiryAlerts(keys: readonly ExpiryAlertKey[], sentAt: Date): Promise<void> {
    for (const key of keys) {
      const { sql, params } = expiryAlertInsert(key, sentAt);
      await runQuery(sql, params);
    }
  }

  async function metaValue(key: string): Promise<string | undefined> {
    return (await pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value;
  }

  let isClosed = false;
  const watches = new Set<() => Promise<void>>();
  return Object.freeze({
    addIssuer: (issuer: NewIssuer, audit: AuditDraft) => write((context) => addIssuer(context, issuer, audit)),
    listIssuers: () =>
      read(async () =>
        (await pool.query<IssuerRow>(`SELECT ${ISSUER_COLUMNS} FROM issuers ORDER BY created_at, added_order`)).rows.map(toIssuer),
      ),
    recordIssuance: (certificate: NewCertificate, audit: AuditDraft, spent?: SpentOnIssuance) =>
      spent === undefined
        ? write((context) => recordIssuance(context, certificate, audit), { certificate, draft: audit })
        : write((context) => context.atomically(() => recordSpendingIssuance(context, certificate, audit, spent))),
    recordRevocation: (revocation: NewRevocation, audit: AuditDraft) => write((context) => recordRevocation(context, revocation, audit)),
    appendAudit: (audit: AuditDraft) => write((context) => context.appendAudit(audit)),
    getCertificate: (ref: CertificateRef) =>
      read(async () => {
        const row = (
          await pool.query<CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS} WHERE c.issuer_id = $1 AND c.serial = $2`, [
            ref.issuerId,
            ref.serial,
          ])
        ).rows[0];
        return row === undefined ? undefined : toCertificate(row);
      }),
    findCertificatesBySerial: (serial: string) =>
      read(async () =>
        (await pool.query<CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS} WHERE c.serial = $1 ORDER BY c.id`, [serial])).rows.map(
          toCertificate,
        ),
      ),
    certificateCount: () =>
      read(async () => (await pool.query<{ count: number }>('SELECT COUNT(*)::bigint AS count FROM certificates')).rows[0]!.count),
    scanCertificates: (cursor: number, limit: number) =>
      read(async () => {
        const rows = (
          await pool.query<CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS} WHERE c.id > $1 ORDER BY c.id LIMIT $2`, [cursor, limit])
        ).rows;
        return { records: rows.map(toCertificate), cursor: rows.at(-1)?.id ?? cursor };
      }),
    listCertificates: (filter: CertificateFilter) => read(() => listCertificates(filter)),
    searchCertificates: (search: CertificateSearch) => read(() => searchCertificates(search)),
    certificateStatistics: (now: Date, timelineUntil: Date) => read(() => readStatistics(runQuery, now, timelineUntil)),
    dueExpiryAlerts: (profile: string, thresholdSeconds: number, now: Date, limit: number) =>
      read(() => readDueExpiryAlerts(runQuery, profile, thresholdSeconds, now, limit)),
    recordExpiryAlerts: (keys: readonly ExpiryAlertKey[], sentAt: Date) => read(() => recordExpiryAlerts(keys, sentAt)),
    listRevocations: (afterSequence: number, limit: number) =>
      read(async () =>
        (
          await pool.query<RevocationRow>(
            'SELECT sequence, issuer_id, serial, reason, revoked_at, audit_sequence FROM revocations WHERE sequence > $1 ORDER BY sequence LIMIT $2',
            [afterSequence, limit],
          )
        ).rows.map(toRevocation),
      ),
    readAuditLog: (afterSequence: number, limit: number) =>
      read(async () =>
        (
          await pool.query<AuditRow>('SELECT * FROM audit_log WHERE sequence > $1 ORDER BY sequence LIMIT $2', [afterSequence, limit])
        ).rows.map(toAuditEntry),
      ),
    auditHead: () => read(async () => parseHead(await metaValue(AUDIT_HEAD_KEY))),
    lastAuditEntry: (action: string) =>
      read(async () => {
        const row = (await pool.query<AuditRow>('SELECT * FROM audit_log WHERE action = $1 ORDER BY sequence DESC LIMIT 1', [action]))
          .rows[0];
        return row === undefined ? undefined : toAuditEntry(row);
      }),
    addOAuthClient: (oauthClient: NewOAuthClient, audit: AuditDraft) => write((context) => addOAuthClient(context, oauthClient, audit)),
    getOAuthClient: (id: string) =>
      read(async () => {
        const row = (await pool.query<OAuthClientRow>(`SELECT ${OAUTH_CLIENT_COLUMNS} FROM oauth_clients WHERE id = $1`, [id])).rows[0];
        return row === undefined ? undefined : toOAuthClient(row);
      }),
    listOAuthClients: () =>
      read(async () =>
        (await pool.query<OAuthClientRow>(`SELECT ${OAUTH_CLIENT_COLUMNS} FROM oauth_clients ORDER BY created_at, added_order`)).rows.map(
          toOAuthClient,
        ),
      ),
    removeOAuthClient: (id: string, audit: AuditDraft) => write((context) => removeOAuthClient(context, id, audit)),
    publishSigningKey: (key: NewSigningKey, audit: AuditDraft) => write((context) => publishSigningKey(context, key, audit)),
    listSigningKeys: (at?: Date) =>
      read(async () =>
        (
          await pool.query<SigningKeyRow>(
            `SELECT ${SIGNING_KEY_COLUMNS} FROM oauth_signing_keys WHERE expires_at > $1 ORDER BY created_at DESC, kid DESC`,
            [at?.getTime() ?? -Number.MAX_SAFE_INTEGER],
          )
        ).rows.map(toSigningKey),
      ),
    addEnrollmentToken: (token: NewEnrollmentToken, audit: AuditDraft) => write((context) => addEnrollmentToken(context, token, audit)),
    getEnrollmentToken: (id: string) =>
      read(async () => {
        const row = (await pool.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM enrollment_tokens WHERE id = $1`, [id])).rows[0];
        return row === undefined ? undefined : toToken(row);
      }),
    listEnrollmentTokens: () =>
      read(async () =>
        (await pool.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM enrollment_tokens ORDER BY created_at DESC, added_order DESC`)).rows.map(
          toToken,
        ),
      ),
    revokeEnrollmentToken: (id: string, at: Date, audit: AuditDraft) => write((context) => revokeEnrollmentToken(context, id, at, audit)),
    addPendingEnrollment: (enrollment: NewPendingEnrollment, audit: AuditDraft, tokenUse?: EnrollmentTokenUse) =>
      write((context) =>
        tokenUse === undefined
          ? addPendingEnrollment(context, enrollment, audit, undefined)
          : context.atomically(() => addPendingEnrollment(context, enrollment, audit, tokenUse)),
      ),
    getPendingEnrollment: (id: string) =>
      read(async () => {
        const row = (await pool.query<PendingRow>(`SELECT ${PENDING_COLUMNS} FROM pending_enrollments WHERE id = $1`, [id])).rows[0];
        return row === undefined ? undefined : toPending(row);
      }),
    listPendingEnrollments: (status?: PendingEnrollmentStatus) =>
      read(async () =>
        (status === undefined
          ? await pool.query<PendingRow>(`SELECT ${PENDING_COLUMNS} FROM pending_enrollments ORDER BY requested_at, added_order`)
          : await pool.query<PendingRow>(
              `SELECT ${PENDING_COLUMNS} FROM pending_enrollments WHERE status = $1 ORDER BY requested_at, added_order`,
              [status],
            )
        ).rows.map(toPending),
      ),
    decidePendingEnrollment: (id: string, decision: Parameters<Store['decidePendingEnrollment']>[1], audit: AuditDraft) =>
      write((context) => decidePendingEnrollment(context, id, decision, audit)),
    watchRevocations: (listener: () => void) => {
      if (isClosed) return () => undefined;
      const stop = watchPostgresRevocations({
        url,
        channel: REVOCATION_CHANNEL,
        listener,
        onError: options.onWatchError ?? (() => undefined),
      });
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
