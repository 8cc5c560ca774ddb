/**
 * The SQLite schema, as numbered migrations applied in order, each in its own transaction and
 * recorded in `schema_migrations`. Never edit a released migration: add the next one.
 * Times are INTEGER milliseconds since the epoch (UTC); DER is BLOB; serials lowercase hex.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'issuers, certificates, revocations, audit log',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit_log (
        sequence      INTEGER PRIMARY KEY,
        at            TEXT NOT NULL,
        actor         TEXT NOT NULL,
        action        TEXT NOT NULL,
        target        TEXT NOT NULL,
        payload       TEXT NOT NULL,
        payload_hash  TEXT NOT NULL,
        previous_hash TEXT NOT NULL,
        entry_hash    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_action ON audit_log (action, sequence);

      CREATE TABLE issuers (
        id             TEXT PRIMARY KEY,
        parent_id      TEXT REFERENCES issuers (id),
        subject        TEXT NOT NULL,
        certificate    BLOB NOT NULL,
        not_before     INTEGER NOT NULL,
        not_after      INTEGER NOT NULL,
        is_active      INTEGER NOT NULL CHECK (is_active IN (0, 1)),
        created_at     INTEGER NOT NULL,
        audit_sequence INTEGER NOT NULL REFERENCES audit_log (sequence)
      ) STRICT;

      CREATE TABLE certificates (
        id                 INTEGER PRIMARY KEY,
        issuer_id          TEXT NOT NULL REFERENCES issuers (id),
        serial             TEXT NOT NULL,
        subject            TEXT NOT NULL,
        subject_alt_names  TEXT NOT NULL,
        profile            TEXT NOT NULL,
        not_before         INTEGER NOT NULL,
        not_after          INTEGER NOT NULL,
        fingerprint        TEXT NOT NULL,
        der                BLOB NOT NULL,
        issued_at          INTEGER NOT NULL,
        renewal_of_issuer  TEXT,
        renewal_of_serial  TEXT,
        audit_sequence     INTEGER NOT NULL REFERENCES audit_log (sequence),
        -- RFC 5280 4.1.2.2: the serial is unique for each certificate an issuer issues.
        UNIQUE (issuer_id, serial),
        FOREIGN KEY (renewal_of_issuer, renewal_of_serial) REFERENCES certificates (issuer_id, serial)
      ) STRICT;
      CREATE INDEX certificates_serial ON certificates (serial);
      CREATE INDEX certificates_not_after ON certificates (not_after);
      CREATE INDEX certificates_profile ON certificates (profile, not_after);

      -- AUTOINCREMENT: a sequence is never reused, even after the newest row is deleted.
      CREATE TABLE revocations (
        sequence       INTEGER PRIMARY KEY AUTOINCREMENT,
        certificate_id INTEGER NOT NULL UNIQUE REFERENCES certificates (id),
        issuer_id      TEXT NOT NULL,
        serial         TEXT NOT NULL,
        reason         TEXT NOT NULL,
        revoked_at     INTEGER NOT NULL,
        audit_sequence INTEGER NOT NULL REFERENCES audit_log (sequence)
      );
      CREATE INDEX revocations_issuer ON revocations (issuer_id, sequence);
    `,
  },
  {
    version: 2,
    name: 'record hashes in the audit log',
    // NULL for the entries written before: they predate record hashes (entry format 1).
    sql: `ALTER TABLE audit_log ADD COLUMN record_hash TEXT;`,
  },
  {
    version: 3,
    name: 'enrollment tokens and enrollments waiting for approval',
    sql: `
      CREATE TABLE enrollment_tokens (
        id          TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL,
        profile     TEXT NOT NULL,
        names       TEXT NOT NULL,
        label       TEXT,
        uses        INTEGER NOT NULL CHECK (uses >= 1),
        uses_left   INTEGER NOT NULL CHECK (uses_left >= 0 AND uses_left <= uses),
        expires_at  INTEGER NOT NULL,
        created_at  INTEGER NOT NULL,
        revoked_at  INTEGER
      ) STRICT;

      CREATE TABLE pending_enrollments (
        id                TEXT PRIMARY KEY,
        requester         TEXT NOT NULL,
        profile           TEXT NOT NULL,
        label             TEXT,
        subject           TEXT NOT NULL,
        subject_alt_names TEXT NOT NULL,
        csr               BLOB NOT NULL,
        renewal_of_issuer TEXT,
        renewal_of_serial TEXT,
        requested_at      INTEGER NOT NULL,
        status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'issued')),
        decided_at        INTEGER,
        decided_by        TEXT,
        cert_issuer       TEXT,
        cert_serial       TEXT
      ) STRICT;
      CREATE INDEX pending_enrollments_status ON pending_enrollments (status, requested_at);
    `,
  },
  {
    version: 4,
    name: 'OAuth clients',
    sql: `
      CREATE TABLE oauth_clients (
        id               TEXT PRIMARY KEY,
        auth_method      TEXT NOT NULL CHECK (auth_method IN ('tls_client_auth', 'self_signed_tls_client_auth')),
        certificate_name TEXT,
        jwks             TEXT,
        scopes           TEXT NOT NULL,
        audiences        TEXT NOT NULL,
        created_at       INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // 5, not 4: the numbers are handed out per branch of work, and the runner applies whichever it lacks.
    version: 5,
    name: 'certificate search terms, expiry-ordered indexes, expiry alerts sent',
    // certificate_terms is filled by the store at each issuance and, for the certificates recorded
    // before, right after this migration (search-terms.ts). The expiry indexes end in the serial
    // (and the rowid, which every SQLite index carries), the search's whole order.
    sql: `
      -- Each term carries its certificate's sort keys and profile, so a search driven by its
      -- terms sorts and filters without reading the certificates' rows.
      CREATE TABLE certificate_terms (
        term           TEXT NOT NULL,
        certificate_id INTEGER NOT NULL,
        not_after      INTEGER NOT NULL,
        serial         TEXT NOT NULL,
        profile        TEXT NOT NULL,
        PRIMARY KEY (term, certificate_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX certificate_terms_certificate ON certificate_terms (certificate_id, term);

      DROP INDEX certificates_not_after;
      DROP INDEX certificates_profile;
      CREATE INDEX certificates_expiry ON certificates (not_after, serial);
      CREATE INDEX certificates_profile_expiry ON certificates (profile, not_after, serial);

      CREATE TABLE expiry_alerts (
        issuer_id         TEXT NOT NULL,
        serial            TEXT NOT NULL,
        threshold_seconds INTEGER NOT NULL,
        sent_at           INTEGER NOT NULL,
        PRIMARY KEY (issuer_id, serial, threshold_seconds)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'published token signing keys',
    // The public halves only: the private keys stay in each node's data directory.
    sql: `
      CREATE TABLE oauth_signing_keys (
        kid            TEXT PRIMARY KEY,
        jwk            TEXT NOT NULL,
        created_at     INTEGER NOT NULL,
        expires_at     INTEGER NOT NULL,
        audit_sequence INTEGER NOT NULL REFERENCES audit_log (sequence)
      ) STRICT;
      CREATE INDEX oauth_signing_keys_expires ON oauth_signing_keys (expires_at);
    `,
  },
]);
