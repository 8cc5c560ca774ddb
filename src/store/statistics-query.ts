import type { CertificateStatistics, ExpiryAlertKey } from './certificate-search.js';
import type { CertificateStatus } from './store.js';

const DAY_MS = 86_400_000;

/** Runs a query of the store's dialect (`?` placeholders; PostgreSQL's runner numbers them). */
export type QueryRunner = <Row>(sql: string, params: readonly unknown[]) => Promise<readonly Row[]>;

/** Counts by profile and status, the soonest expiry, revocations and the expiry timeline, in four reads. */
export async function readStatistics(run: QueryRunner, now: Date, timelineUntil: Date): Promise<CertificateStatistics> {
  const at = now.getTime();
  const counts = await run<{ profile: string; status: CertificateStatus; count: number | string }>(
    `SELECT c.profile AS profile,
            CASE WHEN r.sequence IS NOT NULL THEN 'revoked' WHEN c.not_after <= ? THEN 'expired' ELSE 'valid' END AS status,
            COUNT(*) AS count
     FROM certificates c LEFT JOIN revocations r ON r.certificate_id = c.id
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [at],
  );
  const [soonest] = await run<{ not_after: number | string }>(
    `SELECT c.not_after AS not_after FROM certificates c
     WHERE c.not_after > ? AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.certificate_id = c.id)
     ORDER BY c.not_after LIMIT 1`,
    [at],
  );
  const [revoked] = await run<{ count: number | string }>('SELECT COUNT(*) AS count FROM revocations', []);
  const timeline = await run<{ day: number | string; profile: string; count: number | string }>(
    `SELECT c.not_after / ${DAY_MS} AS day, c.profile AS profile, COUNT(*) AS count
     FROM certificates c LEFT JOIN revocations r ON r.certificate_id = c.id
     WHERE c.not_after > ? AND c.not_after <= ? AND r.sequence IS NULL
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [at, timelineUntil.getTime()],
  );
  return Object.freeze({
    counts: counts.map((row) => ({ profile: row.profile, status: row.status, count: Number(row.count) })),
    soonestExpiry: soonest === undefined ? null : new Date(Number(soonest.not_after)),
    revocations: Number(revoked?.count ?? 0),
    timeline: timeline.map((row) => ({
      day: new Date(Math.floor(Number(row.day)) * DAY_MS).toISOString().slice(0, 10),
      profile: row.profile,
      count: Number(row.count),
    })),
  });
}

/**
 * Valid certificates of `profile` whose notAfter is within `thresholdSeconds` of `now` and that
 * were not alerted for this threshold yet, soonest first, at most `limit`. A threshold applies
 * only to certificates that live at least twice as long: a short-lived certificate is renewed by
 * its holder well before, and alerting it from its first day on would only be noise.
 */
export async function readDueExpiryAlerts(
  run: QueryRunner,
  profile: string,
  thresholdSeconds: number,
  now: Date,
  limit: number,
): Promise<{ issuerId: string; serial: string; subject: string; notAfter: Date }[]> {
  const at = now.getTime();
  const rows = await run<{ issuer_id: string; serial: string; subject: string; not_after: number | string }>(
    `SELECT c.issuer_id AS issuer_id, c.serial AS serial, c.subject AS subject, c.not_after AS not_after
     FROM certificates c
     WHERE c.profile = ? AND c.not_after > ? AND c.not_after <= ? AND c.not_after - c.not_before >= ?
       AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.certificate_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM expiry_alerts a WHERE a.issuer_id = c.issuer_id AND a.serial = c.serial AND a.threshold_seconds = ?)
     ORDER BY c.not_after LIMIT ?`,
    [profile, at, at + thresholdSeconds * 1000, 2 * thresholdSeconds * 1000, thresholdSeconds, limit],
  );
  return rows.map((row) => ({
    issuerId: row.issuer_id,
    serial: row.serial,
    subject: row.subject,
    notAfter: new Date(Number(row.not_after)),
  }));
}

/** The insert that remembers sent alerts (a second record of the same one is ignored). */
export function expiryAlertInsert(key: ExpiryAlertKey, sentAt: Date): { sql: string; params: unknown[] } {
  return {
    sql: 'INSERT INTO expiry_alerts (issuer_id, serial, threshold_seconds, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    params: [key.issuerId, key.serial, key.thresholdSeconds, sentAt.getTime()],
  };
}
