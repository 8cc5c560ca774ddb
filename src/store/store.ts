import type { AuditDraft, AuditEntry, AuditHead } from '../audit/index.js';

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

/** RFC 5280 5.3.1 CRLReason names. */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL'
  | 'privilegeWithdrawn'
  | 'aACompromise';

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

/**
 * Persistence of the CA behind one interface: the SQLite adapter now, PostgreSQL later, both
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
   * Records an issued certificate with its audit entry. Throws `STORE_SERIAL_TAKEN` when the
   * issuer already has the serial (nothing is written), or `STORE_ISSUER_UNKNOWN`.
   */
  recordIssuance(certificate: NewCertificate, audit: AuditDraft): Promise<CertificateRecord>;
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
