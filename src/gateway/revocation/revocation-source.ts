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
  /** Past the source's own limit of staleness (feed: `staleAfterSeconds`), or never loaded; for /healthz. Absent where the source has no such limit. */
  readonly isStale?: boolean;
}

/**
 * The revocation status of client certificates under one trust bundle. `check` is on the hot path
 * of every request: sources that hold their answers (feed, CRL) answer synchronously in O(1);
 * OCSP answers from its cache and returns a promise only on a miss.
 */
export interface RevocationSource {
  readonly kind: 'feed' | 'crl' | 'ocsp' | 'none';
  /**
   * The revocation status of a verified path (leaf first, trust anchor last) at `now`: every
   * certificate below the anchor is checked, so a revoked intermediate refuses its leaves. Any
   * certificate revoked makes the path `revoked`; else any status unknown makes it `unavailable`.
   */
  check(path: readonly Certificate[], now: Date): RevocationAnswer | Promise<RevocationAnswer>;
  stats(now: Date): RevocationSourceStats;
  /** Loads what the source needs before answering; resolves after the first load or when it failed (answers are then `unavailable`). Never rejects. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The answers about each certificate of a path, as one: revoked wins, then unavailable, else good. */
export function pathAnswer(answers: readonly RevocationAnswer[]): RevocationAnswer {
  const revoked = answers.find((answer) => answer.status === 'revoked');
  if (revoked !== undefined) return revoked;
  return answers.find((answer) => answer.status === 'unavailable') ?? { status: 'good' };
}

/**
 * Runs `checkOne` on each certificate of `path` below the anchor with its issuer, for the
 * sources that answer per certificate (feed, OCSP): synchronously when every answer is, with
 * the first revoked answer ending the walk.
 */
export function checkEachCertificate(
  path: readonly Certificate[],
  checkOne: (certificate: Certificate, issuer: Certificate) => RevocationAnswer | Promise<RevocationAnswer>,
): RevocationAnswer | Promise<RevocationAnswer> {
  const answers: (RevocationAnswer | Promise<RevocationAnswer>)[] = [];
  for (let index = 0; index < path.length - 1; index++) {
    const answer = checkOne(path[index]!, path[index + 1]!);
    if (!(answer instanceof Promise) && answer.status === 'revoked') return answer;
    answers.push(answer);
  }
  if (answers.every((answer) => !(answer instanceof Promise))) return pathAnswer(answers as RevocationAnswer[]);
  // eslint-disable-next-line @typescript-eslint/await-thenable -- the mix is the point: Promise.all passes settled answers through.
  return Promise.all(answers).then(pathAnswer);
}
