import type { RevocationReason, RevocationRecord } from '../store/index.js';

/** One revocation as the feed carries it: `{issuer, serial, reason, at}` and its position. */
export interface RevocationEvent {
  /** Position in the feed: strictly increasing, never reused (the store's revocation sequence). */
  readonly sequence: number;
  readonly issuerId: string;
  /** Lowercase hex of the serial's magnitude. */
  readonly serial: string;
  readonly reason: RevocationReason;
  readonly revokedAt: Date;
}

/** The feed's view of a stored revocation. */
export function revocationEventOf(record: RevocationRecord): RevocationEvent {
  return Object.freeze({
    sequence: record.sequence,
    issuerId: record.issuerId,
    serial: record.serial,
    reason: record.reason,
    revokedAt: record.revokedAt,
  });
}
