/** The actions the CA writes to its audit log. */
export const AUDIT_ACTIONS = [
  'ca.init',
  'issuer.add',
  'certificate.issue',
  'certificate.renew',
  'certificate.revoke',
  'config.change',
  'issuer.revoke',
  'root.crl',
  'token.create',
  'token.use',
  'token.revoke',
  'enrollment.request',
  'enrollment.approve',
  'enrollment.reject',
  'oauth.client.add',
  'oauth.client.remove',
  'oauth.token.issue',
  'oauth.key.publish',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** An audit entry before it is placed in the chain: what happened, who did it, when. */
export interface AuditDraft {
  readonly at: Date;
  /** Who asked: a user name, `cli:<user>`, an API client's certificate subject. */
  readonly actor: string;
  readonly action: AuditAction;
  /** What it is about: `<issuer>/<serial>` for a certificate, an issuer id, a file name. */
  readonly target: string;
  /** The details, as plain JSON values; stored as canonical JSON and hashed. */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** An entry as stored: the draft, its place in the chain and the hashes that seal it. */
export interface AuditEntry {
  /** 1, 2, 3, ... without gaps. */
  readonly sequence: number;
  /** ISO 8601 with milliseconds, UTC. */
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  /** Canonical JSON of the payload. */
  readonly payload: string;
  /** SHA-256 of `payload`, lowercase hex. */
  readonly payloadHash: string;
  /**
   * SHA-256 of the record the entry created or changed (a certificate, revocation or issuer row,
   * in the canonical form of `store/record-hash.ts`; the payload itself for an entry that stands
   * alone), lowercase hex. Null only for entries sealed before record hashes existed (format 1).
   */
  readonly recordHash: string | null;
  /** `entryHash` of the entry before, or 64 zeros for the first. */
  readonly previousHash: string;
  /** SHA-256 over `previousHash` and the canonical entry; see `auditEntryHash`. */
  readonly entryHash: string;
}

/** Where the chain stands: the last entry's sequence and hash (0 and the genesis hash when empty). */
export interface AuditHead {
  readonly sequence: number;
  readonly entryHash: string;
}
