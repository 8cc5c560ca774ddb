import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { canonicalJson, sealAuditEntry } from '../audit/index.js';
import type { AuditDraft, AuditEntry, AuditHead } from '../audit/index.js';
import { errorCodeOf, SymbolonError } from '../errors.js';
import {
  certificateRecordHash,
  enrollmentTokenRecordHash,
  issuerRecordHash,
  oauthClientRecordHash,
  revocationRecordHash,
  signingKeyRecordHash,
} from './record-hash.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import type { CertificatePage, CertificateSearch, CertificateStatistics, ExpiryAlertKey } from './certificate-search.js';
import { runSearch } from './search-query.js';
import { tokenUseRefusal } from './token-use-refusal.js';
import { certificateSearchTerms } from './search-terms.js';
import { expiryAlertInsert, readDueExpiryAlerts, readStatistics } from './statistics-query.js';
import type { QueryRunner } from './statistics-query.js';
import type { Migration } from './sqlite-migrations.js';
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

export interface SqliteStoreOptions {
  /** The database file; created with the schema when it does not exist. */
  readonly path: string;
  /** Refuse to create a new database: opening a missing file is `STORE_UNAVAILABLE`. */
  readonly mustExist?: boolean;
  /** Milliseconds to wait for another process's write lock; 5 s by default. */
  readonly busyTimeoutMs?: number;
}

/** Database errors that mean the file is not a (healthy) SQLite database. */
function isCorruption(error: unknown): boolean {
  const code = errorCodeOf(error) ?? '';
  return code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}

function storeFault(path: string, error: unknown): SymbolonError {
  if (error instanceof SymbolonError) return error;
  if (isCorruption(error))
    return new SymbolonError(
      'STORE_CORRUPT',
      `${path} is not a Symbolon database or is damaged (${errorCodeOf(error)}); restore it from a backup`,
      { cause: error },
    );
  const detail = error instanceof Error ? error.message : String(error);
  return new SymbolonError('STORE_UNAVAILABLE', `the database ${path} cannot be used: ${detail}`, { cause: error });
}

function openDatabase(options: SqliteStoreOptions): SqliteDatabase {
  try {
    const db = new Database(options.path, { fileMustExist: options.mustExist === true });
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // WAL: readers never block the writer; NORMAL: a commit survives a killed process (the WAL
    // is in the OS's hands) though not a power cut between checkpoints.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Checkpoint (copy the WAL into the database, with two fsyncs) every ~10,000 pages, not the
    // default 1,000: pages that many commits touch (index pages under random serials) are copied
    // once, and the writer stalls on fsync a tenth as often. A commit is no less durable: it is
    // in the WAL either way.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    if (errorCodeOf(error) === 'SQLITE_CANTOPEN')
      throw new SymbolonError('STORE_UNAVAILABLE', `cannot open the database ${options.path}; check that it exists and is readable`, {
        cause: error,
      });
    throw storeFault(options.path, error);
  }
}

function migrate(db: SqliteDatabase, path: string, migrations: readonly Migration[]): void {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  if (tables.length > 0 && !tables.includes('schema_migrations')) {
    throw new SymbolonError('STORE_CORRUPT', `${path} is an SQLite database of another program (it has no schema_migrations table)`);
  }
  db.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`,
  );
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const newest = Math.max(0, ...applied);
  // The highest number, not the last: numbers are handed out per branch of work and may merge out of order.
  const known = Math.max(0, ...migrations.map((migration) => migration.version));
  if (newest > known)
    throw new SymbolonError(
      'STORE_VERSION_UNSUPPORTED',
      `${path} has schema version ${newest}; this Symbolon knows up to ${known}; upgrade Symbolon`,
    );
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
      if (migration.version === 1) {
        db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run(FORMAT_KEY, FORMAT, STORE_ID_KEY, randomUUID());
      }
      if (migration.version === 5) indexRecordedCertificates(db);
    }).immediate();
  }
  const format = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(FORMAT_KEY);
  if (format !== FORMAT) throw new SymbolonError('STORE_CORRUPT', `${path} does not say it is a Symbolon store`);
}

/** Migration 5's second half: the search terms of the certificates recorded before it. */
function indexRecordedCertificates(db: SqliteDatabase): void {
  const insert = db.prepare(
    'INSERT OR IGNORE INTO certificate_terms (term, certificate_id, not_after, serial, profile) VALUES (?, ?, ?, ?, ?)',
  );
  // In pages by id: better-sqlite3 runs no statement while an iteration is open on the connection.
  const page = db.prepare<
    [number],
    { id: number; subject: string; subject_alt_names: string; serial: string; not_after: number; profile: string }
  >('SELECT id, subject, subject_alt_names, serial, not_after, profile FROM certificates WHERE id > ? ORDER BY id LIMIT 10000');
  for (let rows = page.all(0); rows.length > 0; rows = page.all(rows.at(-1)!.id)) {
    for (const row of rows) {
      for (const term of certificateSearchTerms(row.subject, JSON.parse(row.subject_alt_names) as string[], row.serial)) {
        insert.run(term, row.id, row.not_after, row.serial, row.profile);
      }
    }
  }
}

/**
 * Opens (and creates or migrates) a Symbolon store in an SQLite file: WAL journal, foreign keys
 * on, one IMMEDIATE transaction per write. Throws `STORE_UNAVAILABLE`, `STORE_CORRUPT` for a
 * file that is not a healthy Symbolon database, or `STORE_VERSION_UNSUPPORTED`.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const path = options.path;
  const db = openDatabase(options);
  try {
    migrate(db, path, SQLITE_MIGRATIONS);
  } catch (error) {
    db.close();
    throw storeFault(path, error);
  }

  const statements = {
    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    insertAudit: db.prepare(
      `INSERT INTO audit_log (sequence, at, actor, action, target, payload, payload_hash, record_hash, previous_hash, entry_hash)
       VALUES (@sequence, @at, @actor, @action, @target, @payload, @payloadHash, @recordHash, @previousHash, @entryHash)`,
    ),
    insertIssuer: db.prepare(
      `INSERT INTO issuers (id, parent_id, subject, certificate, not_before, not_after, is_active, created_at, audit_sequence)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deactivateIssuers: db.prepare('UPDATE issuers SET is_active = 0 WHERE is_active = 1'),
    hasIssuer: db.prepare('SELECT 1 FROM issuers WHERE id = ?').pluck(),
    listIssuers: db.prepare(
      'SELECT id, parent_id, subject, certificate, not_before, not_after, is_active, created_at FROM issuers ORDER BY created_at, rowid',
    ),
    insertCertificate: db.prepare(
      `INSERT INTO certificates (issuer_id, serial, subject, subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at,
         renewal_of_issuer, renewal_of_serial, audit_sequence)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertTerm: db.prepare(
      'INSERT OR IGNORE INTO certificate_terms (term, certificate_id, not_after, serial, profile) VALUES (?, ?, ?, ?, ?)',
    ),
    certificateId: db.prepare<[string, string], number>('SELECT id FROM certificates WHERE issuer_id = ? AND serial = ?').pluck(),
    isRevoked: db.prepare('SELECT 1 FROM revocations WHERE certificate_id = ?').pluck(),
    // The feed sequence is chosen before the row is written, so the audit entry can carry it:
    // AUTOINCREMENT's own counter, which never goes back.
    nextRevocationSequence: db
      .prepare<[], number>(
        `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'revocations'), 0), COALESCE((SELECT MAX(sequence) FROM revocations), 0)) + 1`,
      )
      .pluck(),
    insertRevocation: db.prepare(
      `INSERT INTO revocations (sequence, certificate_id, issuer_id, serial, reason, revoked_at, audit_sequence) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    getCertificate: db.prepare<[string, string], CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS} WHERE c.issuer_id = ? AND c.serial = ?`),
    bySerial: db.prepare<[string], CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS} WHERE c.serial = ? ORDER BY c.id`),
    certificateCount: db.prepare<[], number>('SELECT COUNT(*) FROM certificates').pluck(),
    // By row id: the table's own order, read sequentially (by serial would seek all over the file).
    scanCertificates: db.prepare<[number, number], CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS} WHERE c.id > ? ORDER BY c.id LIMIT ?`),
    revocationsSince: db.prepare<[number, number], RevocationRow>(
      'SELECT sequence, issuer_id, serial, reason, revoked_at, audit_sequence FROM revocations WHERE sequence > ? ORDER BY sequence LIMIT ?',
    ),
    auditSince: db.prepare<[number, number], AuditRow>('SELECT * FROM audit_log WHERE sequence > ? ORDER BY sequence LIMIT ?'),
    lastAudit: db.prepare<[string], AuditRow>('SELECT * FROM audit_log WHERE action = ? ORDER BY sequence DESC LIMIT 1'),
    insertToken: db.prepare(
      `INSERT INTO enrollment_tokens (id, secret_hash, profile, names, label, uses, uses_left, expires_at, created_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
    ),
    getToken: db.prepare<[string], TokenRow>('SELECT * FROM enrollment_tokens WHERE id = ?'),
    listTokens: db.prepare<[], TokenRow>('SELECT * FROM enrollment_tokens ORDER BY created_at DESC, rowid DESC'),
    takeTokenUse: db
      .prepare<[string, number], number>(
        'UPDATE enrollment_tokens SET uses_left = uses_left - 1 WHERE id = ? AND revoked_at IS NULL AND expires_at > ? AND uses_left > 0 RETURNING uses_left',
      )
      .pluck(),
    revokeToken: db.prepare('UPDATE enrollment_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    insertPending: db.prepare(
      `INSERT INTO pending_enrollments (id, requester, profile, label, subject, subject_alt_names, csr, renewal_of_issuer, renewal_of_serial, requested_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
    ),
    getPending: db.prepare<[string], PendingRow>('SELECT * FROM pending_enrollments WHERE id = ?'),
    listPending: db.prepare<[], PendingRow>('SELECT * FROM pending_enrollments ORDER BY requested_at, rowid'),
    listPendingByStatus: db.prepare<[string], PendingRow>(
      'SELECT * FROM pending_enrollments WHERE status = ? ORDER BY requested_at, rowid',
    ),
    decidePending: db.prepare(
      `UPDATE pending_enrollments SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'pending'`,
    ),
    issuedPending: db.prepare(
      `UPDATE pending_enrollments SET status = 'issued', cert_issuer = ?, cert_serial = ? WHERE id = ? AND status = 'approved'`,
    ),
    insertOAuthClient: db.prepare(`INSERT INTO oauth_clients (${OAUTH_CLIENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    getOAuthClient: db.prepare<[string], OAuthClientRow>(`SELECT ${OAUTH_CLIENT_COLUMNS} FROM oauth_clients WHERE id = ?`),
    listOAuthClients: db.prepare<[], OAuthClientRow>(`SELECT ${OAUTH_CLIENT_COLUMNS} FROM oauth_clients ORDER BY created_at, rowid`),
    deleteOAuthClient: db.prepare('DELETE FROM oauth_clients WHERE id = ?'),
    insertSigningKey: db.prepare(`INSERT INTO oauth_signing_keys (${SIGNING_KEY_COLUMNS}, audit_sequence) VALUES (?, ?, ?, ?, ?)`),
    getSigningKey: db.prepare<[string], SigningKeyRow>(`SELECT ${SIGNING_KEY_COLUMNS} FROM oauth_signing_keys WHERE kid = ?`),
    listSigningKeys: db.prepare<[number], SigningKeyRow>(
      `SELECT ${SIGNING_KEY_COLUMNS} FROM oauth_signing_keys WHERE expires_at > ? ORDER BY created_at DESC, kid DESC`,
    ),
  };

  /**
   * The audit head while a write transaction is open: read from `meta` once when the batch's
   * IMMEDIATE transaction begins (so writers in other processes are seen), advanced in memory by
   * each entry, and written back once before the COMMIT. Undefined outside a transaction.
   */
  let head: AuditHead | undefined;

  /** Seals the draft, with the hash of the row it writes, onto the head and stores it; runs inside the batch's transaction. */
  function appendAuditInTransaction(draft: AuditDraft, recordHash?: string): AuditEntry {
    if (head === undefined) throw new Error('an audit entry was appended outside a write transaction');
    const entry = sealAuditEntry(draft, head, recordHash);
    statements.insertAudit.run(entry);
    head = { sequence: entry.sequence, entryHash: entry.entryHash };
    return entry;
  }

  const addIssuerTx = db.transaction((issuer: NewIssuer, draft: AuditDraft): IssuerRecord => {
    if (statements.hasIssuer.get(issuer.id) !== undefined)
      throw new SymbolonError('STORE_ISSUER_EXISTS', `an issuer named "${issuer.id}" is already recorded`);
    if (issuer.parentId !== null && statements.hasIssuer.get(issuer.parentId) === undefined) {
      throw new SymbolonError('STORE_ISSUER_UNKNOWN', `the parent issuer "${issuer.parentId}" is not recorded`);
    }
    const entry = appendAuditInTransaction(
      { ...draft, payload: { ...draft.payload, isActive: issuer.isActive } },
      issuerRecordHash(issuer),
    );
    if (issuer.isActive) statements.deactivateIssuers.run();
    statements.insertIssuer.run(
      issuer.id,
      issuer.parentId,
      issuer.subject,
      issuer.certificate,
      issuer.notBefore.getTime(),
      issuer.notAfter.getTime(),
      issuer.isActive ? 1 : 0,
      issuer.createdAt.getTime(),
      entry.sequence,
    );
    return Object.freeze({ ...issuer });
  });

  /**
   * Takes one use of a token with its `token.use` entry, inside the transaction of the write it
   * is spent on; a refusal throws before anything is written, and a later failure of that write
   * takes the use back with it (its savepoint).
   */
  function takeTokenUse(use: EnrollmentTokenUse): void {
    // The write lock of this IMMEDIATE transaction orders concurrent users, in any process; the
    // WHERE clause is the guarantee all the same.
    const usesLeft = statements.takeTokenUse.get(use.id, use.at.getTime());
    if (usesLeft === undefined) throw tokenUseRefusal(use.id, statements.getToken.get(use.id), use.at);
    appendAuditInTransaction({ ...use.audit, payload: { ...use.audit.payload, token: use.id, usesLeft } });
  }

  const recordIssuanceTx = db.transaction((certificate: NewCertificate, draft: AuditDraft): CertificateRecord => {
    const entry = appendAuditInTransaction(draft, certificateRecordHash(certificate));
    const renewal = certificate.renewalOf;
    let inserted;
    try {
      inserted = statements.insertCertificate.run(
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
      );
    } catch (error) {
      const code = errorCodeOf(error);
      // The UNIQUE (issuer_id, serial) constraint is the guarantee; the savepoint takes the audit entry back with it.
      if (code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new SymbolonError('STORE_SERIAL_TAKEN', `issuer "${certificate.issuerId}" already has serial ${certificate.serial}`, {
          cause: error,
        });
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new SymbolonError('STORE_ISSUER_UNKNOWN', `issuer "${certificate.issuerId}" or the renewed certificate is not recorded`, {
          cause: error,
        });
      }
      throw error;
    }
    for (const term of certificateSearchTerms(certificate.subject, certificate.subjectAltNames, certificate.serial)) {
      statements.insertTerm.run(term, inserted.lastInsertRowid, certificate.notAfter.getTime(), certificate.serial, certificate.profile);
    }
    // Object.assign, not a spread followed by more properties: V8 copies that on a slow path.
    return Object.freeze(Object.assign({}, certificate, { auditSequence: entry.sequence, revocation: null }));
  });

  /**
   * Moves an approved enrollment to `issued` with the certificate it is issued, inside that
   * certificate's transaction; a refusal throws before anything is written.
   */
  function markEnrollmentIssued(id: string, certificate: NewCertificate): void {
    // The status is the condition: of concurrent issuances for one enrollment, in any process,
    // the first to hold the write lock moves it, and every later one finds it issued.
    if (statements.issuedPending.run(certificate.issuerId, certificate.serial, id).changes === 1) return;
    if (statements.getPending.get(id) === undefined)
      throw new SymbolonError('STORE_ENROLLMENT_NOT_FOUND', `no enrollment "${id}" is recorded`);
    throw new SymbolonError('STORE_ENROLLMENT_DECIDED', `the enrollment "${id}" is not approved (issued already?)`);
  }

  /** An issuance with what it spends, in one savepoint: a refusal of any part takes back the others. */
  const recordSpendingIssuanceTx = db.transaction((certificate: NewCertificate, draft: AuditDraft, spent: SpentOnIssuance) => {
    if (spent.tokenUse !== undefined) takeTokenUse(spent.tokenUse);
    const enrollment = spent.approvedEnrollment;
    if (enrollment === undefined) return recordIssuanceTx(certificate, draft);
    markEnrollmentIssued(enrollment, certificate);
    return recordIssuanceTx(certificate, { ...draft, payload: { ...draft.payload, enrollment } });
  });

  const recordRevocationTx = db.transaction((revocation: NewRevocation, draft: AuditDraft): RevocationRecord => {
    const id = statements.certificateId.get(revocation.issuerId, revocation.serial);
    if (id === undefined)
      throw new SymbolonError('STORE_NOT_FOUND', `issuer "${revocation.issuerId}" has no certificate with serial ${revocation.serial}`);
    if (statements.isRevoked.get(id) !== undefined)
      throw new SymbolonError('STORE_ALREADY_REVOKED', `the certificate ${revocation.issuerId}/${revocation.serial} is already revoked`);
    const sequence = statements.nextRevocationSequence.get()!;
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
    const entry = appendAuditInTransaction({ ...draft, payload }, revocationRecordHash(stored));
    statements.insertRevocation.run(
      sequence,
      id,
      revocation.issuerId,
      revocation.serial,
      revocation.reason,
      revocation.revokedAt.getTime(),
      entry.sequence,
    );
    return Object.freeze({ ...stored, auditSequence: entry.sequence });
  });

  const appendAuditTx = db.transaction((draft: AuditDraft): AuditEntry => appendAuditInTransaction(draft));

  const addTokenTx = db.transaction((token: NewEnrollmentToken, draft: AuditDraft): EnrollmentTokenRecord => {
    if (statements.getToken.get(token.id) !== undefined)
      throw new SymbolonError('STORE_TOKEN_EXISTS', `an enrollment token "${token.id}" is already recorded`);
    appendAuditInTransaction(draft, enrollmentTokenRecordHash(token));
    statements.insertToken.run(
      token.id,
      token.secretHash,
      token.profile,
      JSON.stringify(token.names),
      token.label,
      token.uses,
      token.uses,
      token.expiresAt.getTime(),
      token.createdAt.getTime(),
    );
    return toToken(statements.getToken.get(token.id)!);
  });

  const revokeTokenTx = db.transaction((id: string, at: Date, draft: AuditDraft): EnrollmentTokenRecord => {
    const row = statements.getToken.get(id);
    if (row === undefined) throw new SymbolonError('STORE_TOKEN_NOT_FOUND', `no enrollment token "${id}" is recorded`);
    if (statements.revokeToken.run(at.getTime(), id).changes !== 1)
      throw new SymbolonError('STORE_TOKEN_ALREADY_REVOKED', `the enrollment token "${id}" is already revoked`);
    // The revocation time as stored, so the log alone proves the row.
    appendAuditInTransaction({ ...draft, payload: { ...draft.payload, token: id, revokedAt: at.toISOString() } });
    return toToken(statements.getToken.get(id)!);
  });

  const addOAuthClientTx = db.transaction((client: NewOAuthClient, draft: AuditDraft): OAuthClientRecord => {
    if (statements.getOAuthClient.get(client.id) !== undefined)
      throw new SymbolonError('STORE_OAUTH_CLIENT_EXISTS', `an OAuth client "${client.id}" is already registered`);
    appendAuditInTransaction(draft, oauthClientRecordHash(client));
    statements.insertOAuthClient.run(...oauthClientValues(client));
    return toOAuthClient(statements.getOAuthClient.get(client.id)!);
  });

  const removeOAuthClientTx = db.transaction((id: string, draft: AuditDraft): OAuthClientRecord => {
    const row = statements.getOAuthClient.get(id);
    if (row === undefined) throw new SymbolonError('STORE_OAUTH_CLIENT_NOT_FOUND', `no OAuth client "${id}" is registered`);
    statements.deleteOAuthClient.run(id);
    appendAuditInTransaction(draft);
    return toOAuthClient(row);
  });

  const publishSigningKeyTx = db.transaction((key: NewSigningKey, draft: AuditDraft): SigningKeyRecord => {
    const existing = statements.getSigningKey.get(key.kid);
    if (existing !== undefined) return toSigningKey(existing);
    const entry = appendAuditInTransaction(draft, signingKeyRecordHash(key));
    statements.insertSigningKey.run(key.kid, canonicalJson(key.jwk), key.createdAt.getTime(), key.expiresAt.getTime(), entry.sequence);
    return toSigningKey(statements.getSigningKey.get(key.kid)!);
  });

  const addPendingTx = db.transaction(
    (enrollment: NewPendingEnrollment, draft: AuditDraft, tokenUse?: EnrollmentTokenUse): PendingEnrollmentRecord => {
      const existing = statements.getPending.get(enrollment.id);
      if (existing !== undefined) return toPending(existing);
      if (tokenUse !== undefined) takeTokenUse(tokenUse);
      appendAuditInTransaction(draft);
      statements.insertPending.run(
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
      );
      return toPending(statements.getPending.get(enrollment.id)!);
    },
  );

  const decidePendingTx = db.transaction(
    (id: string, decision: Parameters<Store['decidePendingEnrollment']>[1], draft: AuditDraft): PendingEnrollmentRecord => {
      if (statements.getPending.get(id) === undefined)
        throw new SymbolonError('STORE_ENROLLMENT_NOT_FOUND', `no enrollment "${id}" is recorded`);
      if (statements.decidePending.run(decision.status, decision.at.getTime(), decision.decidedBy, id).changes !== 1)
        throw new SymbolonError('STORE_ENROLLMENT_DECIDED', `the enrollment "${id}" is not pending`);
      appendAuditInTransaction(draft);
      return toPending(statements.getPending.get(id)!);
    },
  );

  // Group commit: writes that arrive while the event loop is busy (many issuances in flight)
  // are committed together in one IMMEDIATE transaction, each inside its own savepoint, so each
  // is still all-or-nothing with its audit entry and fails alone; every promise settles only
  // after the COMMIT, so nothing is reported done before it is durable.
  interface PendingWrite {
    readonly run: () => unknown;
    readonly resolve: (value: unknown) => void;
    readonly reject: (error: unknown) => void;
  }
  let pending: PendingWrite[] = [];
  const MAX_BATCH = 256;
  const commitBatch = db.transaction((batch: readonly PendingWrite[]) => {
    const recorded = parseHead(statements.getMeta.get(AUDIT_HEAD_KEY));
    head = recorded;
    try {
      const outcomes = batch.map((write) => {
        const before = head;
        try {
          // A nested better-sqlite3 transaction is a SAVEPOINT: a failed write rolls back alone,
          // and the head goes back with it.
          return { ok: true as const, value: write.run() };
        } catch (error) {
          // A fault that made SQLite roll back the whole transaction (SQLITE_FULL, say) takes
          // every write of the batch with it: fail them all rather than go on outside it.
          if (!db.inTransaction) throw error;
          head = before;
          return { ok: false as const, error };
        }
      });
      if (head !== recorded) statements.setMeta.run(AUDIT_HEAD_KEY, `${head.sequence}:${head.entryHash}`);
      return outcomes;
    } finally {
      head = undefined;
    }
  });
  function flush(): void {
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_BATCH);
      pending = pending.slice(MAX_BATCH);
      let outcomes;
      try {
        outcomes = commitBatch.immediate(batch);
      } catch (error) {
        for (const write of batch) write.reject(storeFault(path, error));
        continue;
      }
      outcomes.forEach((outcome, i) => (outcome.ok ? batch[i]!.resolve(outcome.value) : batch[i]!.reject(storeFault(path, outcome.error))));
    }
  }
  function write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** Runs `work` and turns driver errors into store errors. */
  function guarded<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(storeFault(path, error));
    }
  }

  /** `guarded` for work that is a promise (its synchronous queries may throw inside it). */
  function guardedAsync<T>(work: () => Promise<T>): Promise<T> {
    try {
      return work().catch((error: unknown) => Promise.reject(storeFault(path, error)));
    } catch (error) {
      return Promise.reject(storeFault(path, error));
    }
  }

  function listCertificates(filter: CertificateFilter): CertificateRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const now = filter.now.getTime();
    if (filter.issuerId !== undefined) {
      where.push('c.issuer_id = ?');
      params.push(filter.issuerId);
    }
    if (filter.profile !== undefined) {
      where.push('c.profile = ?');
      params.push(filter.profile);
    }
    if (filter.status === 'revoked') where.push('r.sequence IS NOT NULL');
    if (filter.status === 'valid') {
      where.push('r.sequence IS NULL AND c.not_after > ?');
      params.push(now);
    }
    if (filter.status === 'expired') {
      where.push('r.sequence IS NULL AND c.not_after <= ?');
      params.push(now);
    }
    if (filter.notAfterBefore !== undefined) {
      where.push('c.not_after <= ?');
      params.push(filter.notAfterBefore.getTime());
    }
    const clause = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
    const limit = filter.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
    const rows = db.prepare(`SELECT ${CERTIFICATE_COLUMNS}${clause} ORDER BY c.issued_at, c.id${limit}`).all(...params) as CertificateRow[];
    return rows.map(toCertificate);
  }

  // Read queries written once for both stores (`?` placeholders), prepared once each.
  const prepared = new Map<string, Database.Statement<unknown[]>>();
  const runQuery: QueryRunner = <Row>(sql: string, params: readonly unknown[]) => {
    let statement = prepared.get(sql);
    if (statement === undefined) {
      statement = db.prepare<unknown[]>(sql);
      // The search's SQL varies with its filters; keep only a bounded set of them.
      if (prepared.size < 256) prepared.set(sql, statement);
    }
    return Promise.resolve(statement.all(...(params as unknown[])) as Row[]);
  };
  const recordAlertsTx = db.transaction((keys: readonly ExpiryAlertKey[], sentAt: Date) => {
    for (const key of keys) {
      const { sql, params } = expiryAlertInsert(key, sentAt);
      db.prepare(sql).run(...params);
    }
  });

  async function searchCertificates(search: CertificateSearch): Promise<CertificatePage> {
    const { rows, next } = await runSearch<CertificateRow>(search, 'sqlite', (query) => runQuery<CertificateRow>(query.sql, query.params));
    return { records: rows.map(toCertificate), next };
  }

  return Object.freeze({
    addIssuer: (issuer: NewIssuer, audit: AuditDraft) => write(() => addIssuerTx(issuer, audit)),
    searchCertificates: (search: CertificateSearch) => guardedAsync(() => searchCertificates(search)),
    certificateStatistics: (now: Date, timelineUntil: Date): Promise<CertificateStatistics> =>
      guardedAsync(() => readStatistics(runQuery, now, timelineUntil)),
    dueExpiryAlerts: (profile: string, thresholdSeconds: number, now: Date, limit: number) =>
      guardedAsync(() => readDueExpiryAlerts(runQuery, profile, thresholdSeconds, now, limit)),
    recordExpiryAlerts: (keys: readonly ExpiryAlertKey[], sentAt: Date) => guarded(() => recordAlertsTx.immediate(keys, sentAt)),
    listIssuers: () => guarded(() => (statements.listIssuers.all() as IssuerRow[]).map(toIssuer)),
    recordIssuance: (certificate: NewCertificate, audit: AuditDraft, spent?: SpentOnIssuance) =>
      write(() => (spent === undefined ? recordIssuanceTx(certificate, audit) : recordSpendingIssuanceTx(certificate, audit, spent))),
    recordRevocation: (revocation: NewRevocation, audit: AuditDraft) => write(() => recordRevocationTx(revocation, audit)),
    appendAudit: (audit: AuditDraft) => write(() => appendAuditTx(audit)),
    getCertificate: (ref: CertificateRef) =>
      guarded(() => {
        const row = statements.getCertificate.get(ref.issuerId, ref.serial);
        return row === undefined ? undefined : toCertificate(row);
      }),
    findCertificatesBySerial: (serial: string) => guarded(() => statements.bySerial.all(serial).map(toCertificate)),
    certificateCount: () => guarded(() => statements.certificateCount.get()!),
    scanCertificates: (cursor: number, limit: number) =>
      guarded(() => {
        const rows = statements.scanCertificates.all(cursor, limit);
        return { records: rows.map(toCertificate), cursor: rows.at(-1)?.id ?? cursor };
      }),
    listCertificates: (filter: CertificateFilter) => guarded(() => listCertificates(filter)),
    listRevocations: (afterSequence: number, limit: number) =>
      guarded(() => statements.revocationsSince.all(afterSequence, limit).map(toRevocation)),
    readAuditLog: (afterSequence: number, limit: number) =>
      guarded(() => statements.auditSince.all(afterSequence, limit).map(toAuditEntry)),
    auditHead: () => guarded(() => parseHead(statements.getMeta.get(AUDIT_HEAD_KEY))),
    lastAuditEntry: (action: string) =>
      guarded(() => {
        const row = statements.lastAudit.get(action);
        return row === undefined ? undefined : toAuditEntry(row);
      }),
    addEnrollmentToken: (token: NewEnrollmentToken, audit: AuditDraft) => write(() => addTokenTx(token, audit)),
    getEnrollmentToken: (id: string) =>
      guarded(() => {
        const row = statements.getToken.get(id);
        return row === undefined ? undefined : toToken(row);
      }),
    listEnrollmentTokens: () => guarded(() => statements.listTokens.all().map(toToken)),
    revokeEnrollmentToken: (id: string, at: Date, audit: AuditDraft) => write(() => revokeTokenTx(id, at, audit)),
    addPendingEnrollment: (enrollment: NewPendingEnrollment, audit: AuditDraft, tokenUse?: EnrollmentTokenUse) =>
      write(() => addPendingTx(enrollment, audit, tokenUse)),
    getPendingEnrollment: (id: string) =>
      guarded(() => {
        const row = statements.getPending.get(id);
        return row === undefined ? undefined : toPending(row);
      }),
    listPendingEnrollments: (status?: PendingEnrollmentStatus) =>
      guarded(() => (status === undefined ? statements.listPending.all() : statements.listPendingByStatus.all(status)).map(toPending)),
    decidePendingEnrollment: (id: string, decision: Parameters<Store['decidePendingEnrollment']>[1], audit: AuditDraft) =>
      write(() => decidePendingTx(id, decision, audit)),
    addOAuthClient: (client: NewOAuthClient, audit: AuditDraft) => write(() => addOAuthClientTx(client, audit)),
    getOAuthClient: (id: string) =>
      guarded(() => {
        const row = statements.getOAuthClient.get(id);
        return row === undefined ? undefined : toOAuthClient(row);
      }),
    listOAuthClients: () => guarded(() => statements.listOAuthClients.all().map(toOAuthClient)),
    removeOAuthClient: (id: string, audit: AuditDraft) => write(() => removeOAuthClientTx(id, audit)),
    publishSigningKey: (key: NewSigningKey, audit: AuditDraft) => write(() => publishSigningKeyTx(key, audit)),
    listSigningKeys: (at?: Date) =>
      guarded(() => statements.listSigningKeys.all(at?.getTime() ?? -Number.MAX_SAFE_INTEGER).map(toSigningKey)),
    // Other processes' revocations reach readers by polling: SQLite has no notification.
    watchRevocations: () => () => undefined,
    storeId: () => guarded(() => statements.getMeta.get(STORE_ID_KEY) ?? ''),
    close: () =>
      guarded(() => {
        flush();
        db.close();
      }),
  } satisfies Store);
}
