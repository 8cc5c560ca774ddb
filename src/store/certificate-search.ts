import type { CertificateRecord, CertificateStatus } from './store.js';

/**
 * Where a page of a certificate search ends: the last certificate's place in the search order
 * (notAfter, then serial, then the row's own id, which breaks ties between issuers).
 */
export interface SearchPosition {
  readonly notAfter: number;
  readonly serial: string;
  readonly id: number;
}

/**
 * A search of the inventory, every field optional but `now` and `limit`. Text filters are
 * case-insensitive prefixes: `subject` of the whole subject or of any of its attribute values
 * (`alice` finds `CN=alice,O=Example`), `san` of any subjectAltName's value, `serial` of the
 * serial's hex, and `text` of any of the three.
 */
export interface CertificateSearch {
  readonly now: Date;
  readonly text?: string | undefined;
  readonly subject?: string | undefined;
  readonly san?: string | undefined;
  readonly serial?: string | undefined;
  readonly profile?: string | undefined;
  readonly status?: CertificateStatus | undefined;
  /** notAfter at or after this time. */
  readonly expiresAfter?: Date | undefined;
  /** notAfter before this time. */
  readonly expiresBefore?: Date | undefined;
  readonly limit: number;
  /** Continue after this position (from the page before). */
  readonly after?: SearchPosition | undefined;
}

/** A page of a search, in order of notAfter then serial; `next` is null on the last page. */
export interface CertificatePage {
  readonly records: readonly CertificateRecord[];
  readonly next: SearchPosition | null;
}

/** What the inventory holds, for the dashboard and the gauges. */
export interface CertificateStatistics {
  readonly counts: readonly { readonly profile: string; readonly status: CertificateStatus; readonly count: number }[];
  /** The earliest notAfter of a certificate that is still valid. */
  readonly soonestExpiry: Date | null;
  readonly revocations: number;
  /** Valid certificates expiring each UTC day from now to `timelineUntil`, by profile. */
  readonly timeline: readonly { readonly day: string; readonly profile: string; readonly count: number }[];
}

/** A certificate that has come within an expiry threshold and was not yet alerted for it. */
export interface ExpiryAlertKey {
  readonly issuerId: string;
  readonly serial: string;
  readonly thresholdSeconds: number;
}
