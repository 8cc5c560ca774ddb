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
  {
    version: 2,
    name: 'enrollment tokens and enrollments waiting for approval',
    // SQLite's migration 3. added_order stands in for SQLite's rowid: the order rows were added
    // in, which breaks ties between equal times when listing.
    sql: `
      CREATE TABLE enrollment_tokens (
        id          TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL,
        profile     TEXT NOT NULL,
        names       TEXT NOT NULL,
        label       TEXT,
        uses        INTEGER NOT NULL CHECK (uses >= 1),
        uses_left   INTEGER NOT NULL CHECK (uses_left >= 0 AND uses_left <= uses),
        expires_at  BIGINT NOT NULL,
        created_at  BIGINT NOT NULL,
        revoked_at  BIGINT,
        added_order BIGSERIAL NOT NULL
      );

      CREATE TABLE pending_enrollments (
        id                TEXT PRIMARY KEY,
        requester         TEXT NOT NULL,
        profile           TEXT NOT NULL,
        label             TEXT,
        subject           TEXT NOT NULL,
        subject_alt_names TEXT NOT NULL,
        csr               BYTEA NOT NULL,
        renewal_of_issuer TEXT,
        renewal_of_serial TEXT,
        requested_at      BIGINT NOT NULL,
        status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'issued')),
        decided_at        BIGINT,
        decided_by        TEXT,
        cert_issuer       TEXT,
        cert_serial       TEXT,
        added_order       BIGSERIAL NOT NULL
      );
      CREATE INDEX pending_enrollments_status ON pending_enrollments (status, requested_at);
    `,
  },
  {
    version: 3,
    name: 'OAuth clients',
    // SQLite's migration 4.
    sql: `
      CREATE TABLE oauth_clients (
        id               TEXT PRIMARY KEY,
        auth_method      TEXT NOT NULL CHECK (auth_method IN ('tls_client_auth', 'self_signed_tls_client_auth')),
        certificate_name TEXT,
        jwks             TEXT,
        scopes           TEXT NOT NULL,
        audiences        TEXT NOT NULL,
        created_at       BIGINT NOT NULL,
        added_order      BIGSERIAL NOT NULL
      );
    `,
  },
  {
    // SQLite's migration 5; 4, not 3: the numbers are handed out per branch of work, and the
    // runner applies whichever it lacks.
    version: 4,
    name: 'certificate search terms, expiry-ordered indexes, expiry alerts sent',
    // The terms are made here in SQL, by a trigger on every insert (single or batched) and for the
    // certificates recorded before: the same terms as store/search-terms.ts makes for SQLite.
    // COLLATE "C": byte order, so a prefix is a range of the index whatever the database's locale.
    sql: `
      CREATE TABLE certificate_terms (
        term           TEXT COLLATE "C" NOT NULL,
        certificate_id BIGINT NOT NULL,
        not_after      BIGINT NOT NULL,
        serial         TEXT NOT NULL,
        profile        TEXT NOT NULL,
        -- INCLUDE: a search driven by its terms is an index-only scan, no heap page per match.
        PRIMARY KEY (term, certificate_id) INCLUDE (not_after, serial, profile)
      );
      CREATE INDEX certificate_terms_certificate ON certificate_terms (certificate_id, term);

      CREATE FUNCTION symbolon_certificate_terms(subject TEXT, sans TEXT, serial TEXT) RETURNS SETOF TEXT
      LANGUAGE sql IMMUTABLE AS $$
        SELECT DISTINCT t FROM (
          SELECT 's:' || lower(subject) AS t WHERE subject <> ''
          UNION ALL
          SELECT 's:' || substr(part, strpos(part, '=') + 1)
            FROM regexp_split_to_table(lower(subject), '(?<!\\\\)[,+]') AS part
            WHERE substr(part, strpos(part, '=') + 1) <> ''
          UNION ALL
          SELECT 'a:' || lower(substr(name, strpos(name, ':') + 1))
            FROM jsonb_array_elements_text(sans::jsonb) AS name
            WHERE substr(name, strpos(name, ':') + 1) <> ''
          UNION ALL
          SELECT 'n:' || serial
        ) AS terms
      $$;
      CREATE FUNCTION symbolon_index_certificate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO certificate_terms (term, certificate_id, not_after, serial, profile)
          SELECT t, NEW.id, NEW.not_after, NEW.serial, NEW.profile FROM symbolon_certificate_terms(NEW.subject, NEW.subject_alt_names, NEW.serial) AS t
          ON CONFLICT DO NOTHING;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER certificates_search_terms AFTER INSERT ON certificates
        FOR EACH ROW EXECUTE FUNCTION symbolon_index_certificate();
      INSERT INTO certificate_terms (term, certificate_id, not_after, serial, profile)
        SELECT t, c.id, c.not_after, c.serial, c.profile FROM certificates c, symbolon_certificate_terms(c.subject, c.subject_alt_names, c.serial) AS t
        ON CONFLICT DO NOTHING;

      DROP INDEX certificates_not_after;
      DROP INDEX certificates_profile;
      CREATE INDEX certificates_expiry ON certificates (not_after, serial, id);
      CREATE INDEX certificates_profile_expiry ON certificates (profile, not_after, serial, id);

      CREATE TABLE expiry_alerts (
        issuer_id         TEXT NOT NULL,
        serial            TEXT NOT NULL,
        threshold_seconds BIGINT NOT NULL,
        sent_at           BIGINT NOT NULL,
        PRIMARY KEY (issuer_id, serial, threshold_seconds)
      );
    `,
  },
  {
    version: 5,
    name: 'published token signing keys',
    // SQLite's migration 6: the public halves only; the private keys stay in each node's data directory.
    sql: `
      CREATE TABLE oauth_signing_keys (
        kid            TEXT PRIMARY KEY,
        jwk            TEXT NOT NULL,
        created_at     BIGINT NOT NULL,
        expires_at     BIGINT NOT NULL,
        audit_sequence BIGINT NOT NULL REFERENCES audit_log (sequence)
      );
      CREATE INDEX oauth_signing_keys_expires ON oauth_signing_keys (expires_at);
    `,
  },
]);
