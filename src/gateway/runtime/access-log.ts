import { pino } from 'pino';
import type { Logger } from 'pino';
import { formatName } from '../../x509/index.js';
import type { Certificate } from '../../x509/index.js';
import { LogRateLimit } from './log-rate-limit.js';

/** One request as the access log records it. */
export interface AccessRecord {
  readonly method: string;
  readonly host: string;
  /** The path without its query: queries often carry secrets, and are left out. */
  readonly path: string;
  readonly httpVersion: string;
  readonly status: number;
  readonly route: string | undefined;
  /** `allowed`, `rejected`, or `allowed_soft_fail` when revocation status was unavailable. */
  readonly decision: 'allowed' | 'rejected' | 'allowed_soft_fail';
  readonly reason: string | undefined;
  readonly upstreamMs: number | undefined;
  readonly durationMs: number;
  readonly remoteAddress: string | undefined;
  readonly certificate: Certificate | undefined;
  /** What went wrong with the upstream, when something did (a malformed response, say). */
  readonly detail?: string | undefined;
}

/** A TLS handshake refused for its client certificate (or its absence), as the access log records it. */
export interface RefusedHandshakeRecord {
  readonly reason: string;
  /** OpenSSL's verify code, or what was missing. */
  readonly detail: string;
  readonly remoteAddress: string | undefined;
}

export type AccessLogTarget = 'stdout' | 'off' | { readonly file: string };

export interface AccessLog {
  write(record: AccessRecord): void;
  /** One line per refused handshake, at most `REFUSED_HANDSHAKE_LINES_PER_SECOND` a second; the next line counts those left out. */
  refusedHandshake(record: RefusedHandshakeRecord): void;
  close(): Promise<void>;
}

/** A handshake flood writes no more than this many lines a second (its count is in the metrics). */
export const REFUSED_HANDSHAKE_LINES_PER_SECOND = 20;

/** The client identity fields of a log line, computed once per certificate. */
const identities = new WeakMap<Certificate, object>();

function identityOf(certificate: Certificate): object {
  let identity = identities.get(certificate);
  if (identity === undefined) {
    identity = {
      subject: formatName(certificate.subject),
      issuer: formatName(certificate.issuer),
      serial: certificate.serialNumber,
      fingerprint: certificate.fingerprintSha256,
      ...(certificate.dnsNames.length > 0 ? { dns: certificate.dnsNames } : {}),
      ...(certificate.uris.length > 0 ? { uri: certificate.uris } : {}),
      ...(certificate.emails.length > 0 ? { email: certificate.emails } : {}),
    };
    identities.set(certificate, identity);
  }
  return identity;
}

/** A JSON line per request (pino, written asynchronously so the hot path does not wait on disk). */
export function createAccessLog(target: AccessLogTarget): AccessLog {
  if (target === 'off') return { write: () => undefined, refusedHandshake: () => undefined, close: () => Promise.resolve() };
  const destination = pino.destination({ dest: target === 'stdout' ? 1 : target.file, sync: false, mkdir: true, minLength: 4096 });
  // Lines are written in 4 KiB batches, and at least every second on a quiet gateway.
  const flusher = setInterval(() => destination.flush(() => undefined), 1000);
  flusher.unref();
  const logger: Logger = pino({ base: null, messageKey: 'event', timestamp: pino.stdTimeFunctions.isoTime }, destination);
  const refusals = new LogRateLimit(REFUSED_HANDSHAKE_LINES_PER_SECOND);
  return {
    refusedHandshake(record) {
      const suppressed = refusals.take(performance.now());
      if (suppressed === undefined) return;
      logger.info(
        { reason: record.reason, detail: record.detail, remote: record.remoteAddress, ...(suppressed > 0 ? { suppressed } : {}) },
        'handshake_refused',
      );
    },
    write(record) {
      logger.info(
        {
          method: record.method,
          host: record.host,
          path: record.path,
          http: record.httpVersion,
          status: record.status,
          route: record.route,
          decision: record.decision,
          reason: record.reason,
          upstreamMs: record.upstreamMs === undefined ? undefined : Math.round(record.upstreamMs * 1000) / 1000,
          durationMs: Math.round(record.durationMs * 1000) / 1000,
          remote: record.remoteAddress,
          client: record.certificate === undefined ? undefined : identityOf(record.certificate),
          detail: record.detail,
        },
        'request',
      );
    },
    close() {
      clearInterval(flusher);
      return new Promise((resolve) => {
        destination.flush((error) => {
          void error;
          destination.end();
          resolve();
        });
      });
    },
  };
}
