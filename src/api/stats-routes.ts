import type { CertificateStatistics, CertificateStatus, Store } from '../store/index.js';
import { queryParameters } from './api-input.js';
import { sendJson } from './api-response.js';
import type { ApiRoute } from './api-route.js';

const DAY_MS = 86_400_000;
/** The expiry timeline's horizon. */
export const TIMELINE_DAYS = 90;
const STATUSES: readonly CertificateStatus[] = ['valid', 'revoked', 'expired'];

export interface StatisticsCache {
  read(): Promise<CertificateStatistics>;
  /** Forgets the cached figures (after a change made through the API). */
  invalidate(): void;
}

/**
 * Statistics read at most once per `maxAgeMs` (counting a million certificates takes a database a
 * noticeable fraction of a second; the dashboard asks on every page), recomputed at once after a
 * change made through the API. Concurrent readers share one read.
 */
export function createStatisticsCache(store: Store, clock: () => Date, maxAgeMs: number): StatisticsCache {
  let cached: { at: number; value: Promise<CertificateStatistics> } | undefined;
  return {
    read() {
      const now = clock();
      if (cached === undefined || now.getTime() - cached.at >= maxAgeMs) {
        const value = store.certificateStatistics(now, new Date(now.getTime() + TIMELINE_DAYS * DAY_MS));
        cached = { at: now.getTime(), value };
        // A failed read is not kept.
        value.catch(() => (cached?.value === value ? (cached = undefined) : undefined));
      }
      return cached.value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** The statistics as the contract shapes them. */
export function statisticsJson(statistics: CertificateStatistics): Record<string, unknown> {
  const byProfile: Record<string, Record<CertificateStatus, number>> = {};
  for (const { profile, status, count } of statistics.counts) {
    byProfile[profile] ??= Object.fromEntries(STATUSES.map((name) => [name, 0])) as Record<CertificateStatus, number>;
    byProfile[profile][status] += count;
  }
  return {
    byProfile,
    soonestExpiry: statistics.soonestExpiry?.toISOString() ?? null,
    revocations: statistics.revocations,
    expiryTimeline: statistics.timeline,
  };
}

export function statsRoutes(statistics: StatisticsCache): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/stats',
      isChange: false,
      async handle(call) {
        queryParameters(call.query, []);
        sendJson(call.res, 200, statisticsJson(await statistics.read()));
      },
    },
  ];
}
