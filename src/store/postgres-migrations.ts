import type { Migration } from './sqlite-migrations.js';

/**
 * The PostgreSQL schema, as numbered migrations applied in order by `symbolon db migrate` (or
 * when a store is created), each in its own transaction under an advisory lock and recorded in
 * `schema_migrations`. Never edit a released migration: add the next one. The tables mean what
 * the SQLite ones mean (sqlite-migrations.ts): times are BIGINT milliseconds since the epoch
 * (UTC), DER is BYTEA, serials lowercase hex.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'issuers, certificates, revocations, audit log with record hashes',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE audit_log (
        sequence      BIGINT PRIMARY KEY,
        at            TEXT NOT NULL,
        actor         TEXT NOT NULL,
        action        TEXT NOT NULL,
        target        TEXT NOT NULL,
        payload       TEXT NOT NULL,
        payload_hash  TEXT NOT NULL,
        previous_hash TEXT NOT NULL,
        entry_hash    TEXT NOT NULL,
        record_hash   TEXT
      );
      CREATE INDEX audit_log_action ON audit_log (action, sequence);

      CREATE TABLE issuers (
        id             TEXT PRIMARY KEY,
        parent_id      TEXT REFERENCES issuers (id),
        subject        TEXT NOT NULL,
        certificate    BYTEA NOT NULL,
        not_before     BIGINT NOT NULL,
        not_after      BIGINT NOT NULL,
        is_active      BOOLEAN NOT NULL,
        created_at     BIGINT NOT NULL,
        audit_sequence BIGINT NOT NULL REFERENCES audit_log (sequence),
        added_order    BIGSERIAL NOT NULL
      );

      CREATE TABLE certificates (
        id                 BIGSERIAL PRIMARY KEY,
        issuer_id          TEXT NOT NULL REFERENCES issuers (id),
        serial             TEXT NOT NULL,
        subject            TEXT NOT NULL,
        subject_alt_names  TEXT NOT NULL,
        profile            TEXT NOT NULL,
        not_before         BIGINT NOT NULL,
        not_after          BIGINT NOT NULL,
        fingerprint        TEXT NOT NULL,
        der                BYTEA NOT NULL,
        issued_at          BIGINT NOT NULL,
        renewal_of_issuer  TEXT,
        renewal_of_serial  TEXT,
        audit_sequence     BIGINT NOT NULL REFERENCES audit_log (sequence),
        -- RFC 5280 4.1.2.2: the serial is unique for each certificate an issuer issues; the
        -- database enforces it for every node that writes.
        CONSTRAINT certificates_issuer_serial UNIQUE (issuer_id, serial),
        FOREIGN KEY (renewal_of_issuer, renewal_of_serial) REFERENCES certificates (issuer_id, serial)
      );
      CREATE INDEX certificates_serial ON certificates (serial);
      CREATE INDEX certificates_not_after ON certificates (not_after);
      CREATE INDEX certificates_profile ON certificates (profile, not_after);

      -- The sequence is taken from meta.revocation_sequence under the audit head's row lock, so
      -- sequences are gapless, never reused, and committed in order: a reader that has seen N has
      -- seen everything up to N.
      CREATE TABLE revocations (
        sequence       BIGINT PRIMARY KEY,
        certificate_id BIGINT NOT NULL UNIQUE REFERENCES certificates (id),
        issuer_id      TEXT NOT NULL,
        serial         TEXT NOT NULL,
        reason         TEXT NOT NULL,
        revoked_at     BIGINT NOT NULL,
        audit_sequence BIGINT NOT NULL REFERENCES audit_log (sequence)
      );
      CREATE INDEX revocations_issuer ON revocations (issuer_id, sequence);
    `,
  },
]);
