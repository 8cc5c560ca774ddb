import type { CertificateStatistics, ExpiryAlertKey } from './certificate-search.js';
import type { CertificateStatus } from './store.js';

const DAY_MS = 86_400_000;

/** Runs a query of the store's dialect (`?` placeholders; PostgreSQL's runner numbers them). */
export type QueryRunner = <Row>(sql: string, params: readonly unknown[]) => Promise<readonly Row[]>;

type Count = number | string;

/**
 * Counts by profile and status, the soonest expiry, revocations and the expiry timeline. The
 * whole-inventory counts read only the (profile, notAfter) index, never the rows; the revoked
 * certificates (few) are counted apart and taken off, so a million certificates cost an index
 * scan, not a table scan with a join per row.
 */
export async function readStatistics(run: QueryRunner, now: Date, timelineUntil: Date): Promise<CertificateStatistics> {
  const at = now.getTime();
  const until = timelineUntil.getTime();
  const all = await run<{ profile: string; total: Count; expired: Count }>(
    `SELECT profile, COUNT(*) AS total, SUM(CASE WHEN not_after <= ? THEN 1 ELSE 0 END) AS expired
     FROM certificates GROUP BY profile ORDER BY profile`,
    [at],
  );
  const revoked = await run<{ profile: string; total: Count; expired: Count }>(
    `SELECT c.profile AS profile, COUNT(*) AS total, SUM(CASE WHEN c.not_after <= ? THEN 1 ELSE 0 END) AS expired
     FROM revocations r JOIN certificates c ON c.id = r.certificate_id GROUP BY c.profile`,
    [at],
  );
  const revokedBy = new Map(revoked.map((row) => [row.profile, { total: Number(row.total), expired: Number(row.expired) }]));
  const counts: { profile: string; status: CertificateStatus; count: number }[] = [];
  for (const row of all) {
    const off = revokedBy.get(row.profile) ?? { total: 0, expired: 0 };
    const expired = Number(row.expired) - off.expired;
    const valid = Number(row.total) - Number(row.expired) - (off.total - off.expired);
    if (expired > 0) counts.push({ profile: row.profile, status: 'expired', count: expired });
    if (off.total > 0) counts.push({ profile: row.profile, status: 'revoked', count: off.total });
    if (valid > 0) counts.push({ profile: row.profile, status: 'valid', count: valid });
  }
  const [soonest] = await run<{ not_after: Count }>(
    `SELECT c.not_after AS not_after FROM certificates c
     WHERE c.not_after > ? AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.certificate_id = c.id)
     ORDER BY c.not_after LIMIT 1`,
    [at],
  );
  const [revocations] = await run<{ count: Count }>('SELECT COUNT(*) AS count FROM revocations', []);
  // The timeline per profile, each a range of the (profile, notAfter) index; revoked ones taken off.
  const days = new Map<string, number>();
  const key = (day: Count, profile: string): string => `${Math.floor(Number(day))}\u0000${profile}`;
  for (const { profile } of all) {
    const rows = await run<{ day: Count; count: Count }>(
      `SELECT not_after / ${DAY_MS} AS day, COUNT(*) AS count FROM certificates
       WHERE profile = ? AND not_after > ? AND not_after <= ? GROUP BY 1`,
      [profile, at, until],
    );
    for (const row of rows) days.set(key(row.day, profile), Number(row.count));
  }
  const revokedDays = await run<{ day: Count; profile: string; count: Count }>(
    `SELECT c.not_after / ${DAY_MS} AS day, c.profile AS profile, COUNT(*) AS count
     FROM revocations r JOIN certificates c ON c.id = r.certificate_id
     WHERE c.not_after > ? AND c.not_after <= ? GROUP BY 1, 2`,
    [at, until],
  );
  for (const row of revokedDays) {
    const k = key(row.day, row.profile);
    days.set(k, (days.get(k) ?? 0) - Number(row.count));
  }
  const timeline = [...days]
    .filter(([, count]) => count > 0)
    .map(([k, count]) => {
      const [day, profile] = k.split('\u0000') as [string, string];
      return { day: new Date(Number(day) * DAY_MS).toISOString().slice(0, 10), profile, count };
    })
    .sort((a, b) => (a.day === b.day ? (a.profile < b.profile ? -1 : 1) : a.day < b.day ? -1 : 1));
  return Object.freeze({
    counts,
    soonestExpiry: soonest === undefined ? null : new Date(Number(soonest.not_after)),
    revocations: Number(revocations?.count ?? 0),
    timeline,
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
