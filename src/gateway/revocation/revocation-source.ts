import type { Certificate } from '../../x509/index.js';

/** What a revocation source knows about one certificate. */
export type RevocationAnswer =
  | { readonly status: 'good' }
  | { readonly status: 'revoked'; readonly reason: string }
  /** The source cannot tell (no snapshot yet, feed lagging, CRL stale, OCSP down): the bundle's fail policy decides. */
  | { readonly status: 'unavailable'; readonly detail: string };

/** Gauges a source reports for /metrics. */
export interface RevocationSourceStats {
  /** Revoked entries held (feed and CRL), or cached answers (OCSP). */
  readonly entries: number;
  /** Seconds since the source last knew it was current (feed: last event or heartbeat; CRL: since thisUpdate); undefined before the first load. */
  readonly lagSeconds: number | undefined;
}

/**
 * The revocation status of client certificates under one trust bundle. `check` is on the hot path
 * of every request: sources that hold their answers (feed, CRL) answer synchronously in O(1);
 * OCSP answers from its cache and returns a promise only on a miss.
 */
export interface RevocationSource {
  readonly kind: 'feed' | 'crl' | 'ocsp' | 'none';
  /** The status of `leaf`, issued by `issuer` (the certificate above it in the verified chain), at `now`. */
  check(leaf: Certificate, issuer: Certificate, now: Date): RevocationAnswer | Promise<RevocationAnswer>;
  stats(now: Date): RevocationSourceStats;
  /** Loads what the source needs before answering; resolves after the first load or when it failed (answers are then `unavailable`). Never rejects. */
  start(): Promise<void>;
  close(): Promise<void>;
}
