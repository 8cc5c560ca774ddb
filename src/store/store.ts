import type { AuditDraft, AuditEntry, AuditHead } from '../audit/index.js';
import type { RevocationReason } from '../revocation-reason.js';
import type { CertificatePage, CertificateSearch, CertificateStatistics, ExpiryAlertKey } from './certificate-search.js';

/** A CA certificate of the hierarchy: the root, or an intermediate that issues. */
export interface IssuerRecord {
  /** Stable name: `root`, `intermediate-1`, `intermediate-2`, ... */
  readonly id: string;
  /** The issuer that signed it; null for the root. */
  readonly parentId: string | null;
  /** RFC 4514 text of its subject. */
  readonly subject: string;
  /** DER of its certificate. */
  readonly certificate: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The intermediate that issues now; at most one issuer is active. */
  readonly isActive: boolean;
  readonly createdAt: Date;
}

/** What `addIssuer` records. */
export type NewIssuer = IssuerRecord;

/** Names a certificate: serials are unique per issuer, not across them. */
export interface CertificateRef {
  readonly issuerId: string;
  /** Lowercase hex of the serial's magnitude, as OpenSSL prints it. */
  readonly serial: string;
}

/** An issued certificate as the CA records it. */
export interface NewCertificate extends CertificateRef {
  readonly subject: string;
  /** The subjectAltNames as `type:value` text (`dns:api.example.com`), for search and display. */
  readonly subjectAltNames: readonly string[];
  readonly profile: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 of the DER, lowercase hex. */
  readonly fingerprint: string;
  readonly der: Buffer;
  readonly issuedAt: Date;
  /** The certificate this one renews, when it is a renewal. */
  readonly renewalOf: CertificateRef | null;
}

export interface CertificateRecord extends NewCertificate {
  /** The audit entry written with it. */
  readonly auditSequence: number;
  readonly revocation: RevocationRecord | null;
}

export interface NewRevocation extends CertificateRef {
  readonly reason: RevocationReason;
  readonly revokedAt: Date;
}

export interface RevocationRecord extends NewRevocation {
  /**
   * Position in the revocation feed: strictly increasing in the order revocations are
   * recorded, never reused. Readers resume a feed from the last sequence they saw.
   */
  readonly sequence: number;
  readonly auditSequence: number;
}

export type CertificateStatus = 'valid' | 'revoked' | 'expired';

export interface CertificateFilter {
  /** Needed to tell valid from expired. */
  readonly now: Date;
  readonly issuerId?: string;
  readonly profile?: string;
  /** valid: not revoked and not expired; expired: not revoked and past notAfter; revoked. */
  readonly status?: CertificateStatus;
  /** Only certificates whose notAfter is at or before this time. */
  readonly notAfterBefore?: Date;
  readonly limit?: number;
}

/** An enrollment token as `symbolon ca token create` records it (EST first enrollment, RFC 7030 3.2.3). */
export interface NewEnrollmentToken {
  /** Public identifier: 16 lowercase hex digits (the HTTP Basic user name). */
  readonly id: string;
  /**
   * HMAC-SHA256 of the secret under the data directory's token key, lowercase hex. The secret
   * itself is never stored; it is shown once, when the token is made.
   */
  readonly secretHash: string;
  /** The profile certificates enrolled with it are issued under. */
  readonly profile: string;
  /** Name patterns every name of an enrolled certificate must match (`sensor-*`). */
  readonly names: readonly string[];
  /** The EST label (`/.well-known/est/<label>/`) it is good for; null for the unlabelled path. */
  readonly label: string | null;
  /** How many enrollments it allows in all. */
  readonly uses: number;
  readonly expiresAt: Date;
  readonly createdAt: Date;
}

export interface EnrollmentTokenRecord extends NewEnrollmentToken {
  /** Enrollments it still allows: `uses` less those taken. */
  readonly usesLeft: number;
  readonly revokedAt: Date | null;
}

/**
 * One use of an enrollment token, taken in the transaction of the write it is spent on (an
 * issuance, an enrollment held for approval), so the use and what it paid for are stored together
 * or not at all. Inside that transaction the token must be known (else `STORE_TOKEN_NOT_FOUND`),
 * not revoked (`STORE_TOKEN_REVOKED`), not expired at `at` (`STORE_TOKEN_EXPIRED`) and have a use
 * left (`STORE_TOKEN_USED_UP`): of N concurrent writes spending the last use, from any process,
 * exactly one is stored. The caller has checked the secret already.
 */
export interface EnrollmentTokenUse {
  readonly id: string;
  /** When it is used: the token must not have expired by then. */
  readonly at: Date;
  /** The `token.use` entry; the store adds `token` and `usesLeft` (as stored) to its payload. */
  readonly audit: AuditDraft;
}

/**
 * What an issuance uses up, written in the certificate's own transaction: the certificate, its
 * entry and each of these are stored together or not at all, so nothing is spent on a certificate
 * that is not stored, and nothing spent once pays for two certificates.
 */
export interface SpentOnIssuance {
  /** The enrollment token's use the certificate is paid with (`EnrollmentTokenUse`). */
  readonly tokenUse?: EnrollmentTokenUse | undefined;
  /**
   * The id of the approved enrollment (held for approval) the certificate is issued for: it moves
   * `approved` -> `issued` with the certificate's issuer and serial, and the certificate's entry
   * gets `enrollment` in its payload. Only an approved one moves (its status is the condition of
   * the update, so of concurrent issuances for one enrollment, from any process, exactly one is
   * stored); else `STORE_ENROLLMENT_DECIDED` (issued already, or not approved) or
   * `STORE_ENROLLMENT_NOT_FOUND`.
   */
  readonly approvedEnrollment?: string | undefined;
}

/** An EST enrollment held for manual approval (a profile with `requireApproval`). */
export interface NewPendingEnrollment {
  /** Derived from the request, so a client's retry of the same request finds it: 16 lowercase hex digits. */
  readonly id: string;
  /** Who asked: `token:<id>` or `certificate:<issuer>/<serial>` (re-enrollment). */
  readonly requester: string;
  readonly profile: string;
  readonly label: string | null;
  /** RFC 4514 text of the requested subject and the requested names (`dns:...`), for the approver. */
  readonly subject: string;
  readonly subjectAltNames: readonly string[];
  /** DER of the PKCS#10 request, issued from on approval. */
  readonly csr: Buffer;
  /** The certificate it replaces, for a re-enrollment. */
  readonly renewalOf: CertificateRef | null;
  readonly requestedAt: Date;
}

export type PendingEnrollmentStatus = 'pending' | 'approved' | 'rejected' | 'issued';

export interface PendingEnrollmentRecord extends NewPendingEnrollment {
  readonly status: PendingEnrollmentStatus;
  readonly decidedAt: Date | null;
  readonly decidedBy: string | null;
  /** The certificate issued after approval, once the client came back for it. */
  readonly certificate: CertificateRef | null;
}

/** RFC 8705 2: how an OAuth client authenticates at the token endpoint, by its TLS client certificate. */
export type OAuthClientAuthMethod = 'tls_client_auth' | 'self_signed_tls_client_auth';

/**
 * RFC 8705 2.1.2: the one certificate value a `tls_client_auth` client is registered with, the
 * subject DN (RFC 4514 text) or one subjectAltName.
 */
export interface OAuthCertificateName {
  readonly kind: 'subject_dn' | 'san_dns' | 'san_uri' | 'san_ip' | 'san_email';
  readonly value: string;
}

/** An OAuth client as `symbolon oauth client add` registers it. */
export interface NewOAuthClient {
  /** The client_id: 1 to 128 of letters, digits, ".", "_", "-", ":". */
  readonly id: string;
  readonly authMethod: OAuthClientAuthMethod;
  /** `tls_client_auth`: the certificate name to match; null for self-signed clients. */
  readonly certificateName: OAuthCertificateName | null;
  /** `self_signed_tls_client_auth`: the JWKS (public keys) its certificate's key must be among; null otherwise. */
  readonly jwks: { readonly keys: readonly Readonly<Record<string, unknown>>[] } | null;
  /** Scopes it may be granted. */
  readonly scopes: readonly string[];
  /** The `aud` of its tokens: the resources it may call. */
  readonly audiences: readonly string[];
  readonly createdAt: Date;
}

export type OAuthClientRecord = NewOAuthClient;

/**
 * The public half of a token signing key of one `symbolon up` node, published in the store so
 * that every node's JWKS and introspection know the keys of every node. The private key stays
 * in the data directory of the node that made it.
 */
export interface NewSigningKey {
  /** The JWS `kid`. */
  readonly kid: string;
  /** The public JWK as a JWKS serves it (no private member). */
  readonly jwk: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  /** When it leaves the JWKS: after every token it may sign has expired and every cached JWKS was refetched. */
  readonly expiresAt: Date;
}

export type SigningKeyRecord = NewSigningKey;

/**
 * Persistence of the CA behind one interface: the SQLite adapter and the PostgreSQL one, both
 * held to the contract suite in test/store/store-contract.ts. Every write that changes the
 * CA's records is one transaction together with its audit entry: both are stored or neither.
 * The store places audit entries in the hash chain itself, inside that transaction, so writers
 * in several processes still form one chain, and gives each entry the hash of the row it wrote
 * (`record-hash.ts`), so every row can be proved against the log.
 */
export interface Store {
  /**
   * Records a CA certificate. With `isActive`, it becomes the one active issuer (the entry's
   * payload gets `isActive`, so the log says which issuer is active). Throws
   * `STORE_ISSUER_EXISTS`, or `STORE_ISSUER_UNKNOWN` for an unknown parent.
   */
  addIssuer(issuer: NewIssuer, audit: AuditDraft): Promise<IssuerRecord>;
  listIssuers(): Promise<readonly IssuerRecord[]>;
  /**
   * Records an issued certificate with its audit entry, and what it uses up (`spent`: the token's
   * use with its `token.use` entry, written first; the approved enrollment's move to `issued`) in
   * the same transaction: all of them are stored or none. Throws `STORE_SERIAL_TAKEN` when the
   * issuer already has the serial, or `STORE_ISSUER_UNKNOWN`, and the refusals of what it would
   * spend (`SpentOnIssuance`); nothing is written then.
   */
  recordIssuance(certificate: NewCertificate, audit: AuditDraft, spent?: SpentOnIssuance): Promise<CertificateRecord>;
  /**
   * Records a revocation with its audit entry. The entry's payload gets the revocation as stored
   * (`issuer`, `serial`, `reason`, `revokedAt`, `feedSequence`), so the log alone can serve it.
   * Throws `STORE_NOT_FOUND` or `STORE_ALREADY_REVOKED`.
   */
  recordRevocation(revocation: NewRevocation, audit: AuditDraft): Promise<RevocationRecord>;
  /** Appends an audit entry on its own (configuration changes). */
  appendAudit(audit: AuditDraft): Promise<AuditEntry>;
  getCertificate(ref: CertificateRef): Promise<CertificateRecord | undefined>;
  /** Every certificate with this serial, whatever its issuer. */
  findCertificatesBySerial(serial: string): Promise<readonly CertificateRecord[]>;
  /**
   * A page of the inventory matching the search, in order of notAfter, then serial; bounded work
   * per page whatever the inventory's size (indexes and the choice of driver: `search-query.ts`).
   */
  searchCertificates(search: CertificateSearch): Promise<CertificatePage>;
  /** Counts by profile and status, the soonest expiry, revocations, and the expiry timeline up to `timelineUntil`. */
  certificateStatistics(now: Date, timelineUntil: Date): Promise<CertificateStatistics>;
  /**
   * Valid certificates of `profile` expiring within `thresholdSeconds` of `now` that no alert was
   * recorded for at this threshold (`recordExpiryAlerts`), soonest first, at most `limit`; only
   * certificates whose lifetime is at least twice the threshold (short-lived ones renew themselves).
   */
  dueExpiryAlerts(
    profile: string,
    thresholdSeconds: number,
    now: Date,
    limit: number,
  ): Promise<readonly { readonly issuerId: string; readonly serial: string; readonly subject: string; readonly notAfter: Date }[]>;
  /**
   * Remembers that these alerts were sent, so no restart sends them again. Monitoring state, not
   * a record of the CA: no audit entry. A second record of the same alert is ignored.
   */
  recordExpiryAlerts(keys: readonly ExpiryAlertKey[], sentAt: Date): Promise<void>;
  /** Certificates matching the filter, oldest issued first. */
  listCertificates(filter: CertificateFilter): Promise<readonly CertificateRecord[]>;
  /**
   * Every certificate in pages, in the order they are stored (the fastest to read), for the
   * audit's comparison of the tables with the log: at most `limit` after `cursor` (0 for the
   * first page), with the cursor to pass for the next page.
   */
  scanCertificates(cursor: number, limit: number): Promise<{ readonly records: readonly CertificateRecord[]; readonly cursor: number }>;
  /** How many certificates are recorded. */
  certificateCount(): Promise<number>;
  /** Revocations with a sequence greater than `afterSequence`, in sequence order, at most `limit`. */
  listRevocations(afterSequence: number, limit: number): Promise<readonly RevocationRecord[]>;
  /** Audit entries with a sequence greater than `afterSequence`, in stored order, at most `limit`. */
  readAuditLog(afterSequence: number, limit: number): Promise<readonly AuditEntry[]>;
  /** The head recorded beside the log, updated in each write's transaction. */
  auditHead(): Promise<AuditHead>;
  /** The newest entry with this action, if any. */
  lastAuditEntry(action: string): Promise<AuditEntry | undefined>;
  /** Records a new enrollment token with its audit entry (`token.create`, carrying the row's hash). Throws `STORE_TOKEN_EXISTS` for a taken id. */
  addEnrollmentToken(token: NewEnrollmentToken, audit: AuditDraft): Promise<EnrollmentTokenRecord>;
  getEnrollmentToken(id: string): Promise<EnrollmentTokenRecord | undefined>;
  /** Every token, newest first. */
  listEnrollmentTokens(): Promise<readonly EnrollmentTokenRecord[]>;
  /** Revokes a token with its audit entry (whose payload gets `revokedAt`). Throws `STORE_TOKEN_NOT_FOUND` or `STORE_TOKEN_ALREADY_REVOKED`. */
  revokeEnrollmentToken(id: string, at: Date, audit: AuditDraft): Promise<EnrollmentTokenRecord>;
  /**
   * Records an enrollment waiting for approval with its audit entry (`enrollment.request`), and
   * with `tokenUse`, the token's use in the same transaction (as `recordIssuance` takes it); when
   * one with this id is recorded already, returns it unchanged and writes nothing (the client's
   * retry of a request spends no second use). Throws the token's refusals, having written nothing.
   */
  addPendingEnrollment(
    enrollment: NewPendingEnrollment,
    audit: AuditDraft,
    tokenUse?: EnrollmentTokenUse,
  ): Promise<PendingEnrollmentRecord>;
  getPendingEnrollment(id: string): Promise<PendingEnrollmentRecord | undefined>;
  /** Enrollments in this status (every status when left out), oldest first. */
  listPendingEnrollments(status?: PendingEnrollmentStatus): Promise<readonly PendingEnrollmentRecord[]>;
  /**
   * Decides an enrollment, `pending` -> `approved` | `rejected` (by `decidedBy` at `at`), with its
   * audit entry. The move `approved` -> `issued` is the issuance's own (`SpentOnIssuance`).
   * Throws `STORE_ENROLLMENT_NOT_FOUND`, or `STORE_ENROLLMENT_DECIDED` when it is not pending.
   */
  decidePendingEnrollment(
    id: string,
    decision: { readonly status: 'approved' | 'rejected'; readonly decidedBy: string; readonly at: Date },
    audit: AuditDraft,
  ): Promise<PendingEnrollmentRecord>;

  /** Registers an OAuth client with its audit entry. Throws `STORE_OAUTH_CLIENT_EXISTS` for a taken client_id. */
  addOAuthClient(client: NewOAuthClient, audit: AuditDraft): Promise<OAuthClientRecord>;
  getOAuthClient(id: string): Promise<OAuthClientRecord | undefined>;
  /** Every registered client, oldest first. */
  listOAuthClients(): Promise<readonly OAuthClientRecord[]>;
  /** Removes a client with its audit entry; its tokens are refused by introspection from then on. Throws `STORE_OAUTH_CLIENT_NOT_FOUND`. */
  removeOAuthClient(id: string, audit: AuditDraft): Promise<OAuthClientRecord>;
  /**
   * Publishes the public half of a token signing key with its audit entry (`oauth.key.publish`,
   * carrying the row's hash); when a key with this kid is recorded already, returns it
   * unchanged and writes nothing.
   */
  publishSigningKey(key: NewSigningKey, audit: AuditDraft): Promise<SigningKeyRecord>;
  /** Published signing keys, newest first: those still in the JWKS at `at`, or every one when it is left out. */
  listSigningKeys(at?: Date): Promise<readonly SigningKeyRecord[]>;

  /**
   * Calls `listener` whenever revocations may have been recorded by another process, so a reader
   * catches up by sequence (`listRevocations`) at once instead of at its next poll. PostgreSQL:
   * on each NOTIFY of a committed revocation, and after every (re)connection of its listening
   * connection, since a notification sent while it was away is lost. SQLite has no such signal
   * and never calls it. Returns the function that stops watching; `close` stops every watch.
   */
  watchRevocations(listener: () => void): () => void;
  /** A random identifier made when the store was created: tells one store from another. */
  storeId(): Promise<string>;
  close(): Promise<void>;
}
