import type { Store } from '../store/index.js';
import { deliverWebhook } from './webhook-delivery.js';
import type { WebhookTarget } from './webhook-delivery.js';

/** One alert: a certificate has come within `thresholdSeconds` of its notAfter. */
export interface ExpiryAlert {
  readonly issuerId: string;
  readonly serial: string;
  readonly subject: string;
  readonly profile: string;
  readonly notAfter: string;
  readonly thresholdSeconds: number;
}

export interface ExpiryMonitorOptions {
  readonly store: Store;
  /** The profiles to watch, each with its thresholds in seconds (any order). */
  readonly thresholds: () => Readonly<Record<string, readonly number[]>>;
  /** Undefined: alerts go to the log only. */
  readonly webhook: WebhookTarget | undefined;
  /** Every alert is told here (the log), delivered or not. */
  readonly log: (alert: ExpiryAlert, delivered: boolean) => void;
  readonly clock: () => Date;
  /** Faults of a check (a webhook that failed every attempt, a store that failed). */
  readonly onError: (error: unknown) => void;
  /** Most alerts read per profile and threshold per check; the rest come at the next check. */
  readonly batchSize?: number;
}

export interface ExpiryMonitor {
  /** One pass: finds what is due, sends it, remembers what was sent. Resolves with the alerts sent. */
  check(): Promise<readonly ExpiryAlert[]>;
  /** Checks now and every `intervalMs` until `stop`. */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

/**
 * Expiry alerts: each valid certificate is alerted once per threshold of its profile, at the
 * tightest threshold it has reached (a certificate issued for two days is alerted at 7d, not also
 * at 30d: both are remembered as sent). What was sent is kept in the store (`recordExpiryAlerts`),
 * only after delivery, so a restart sends nothing twice and a failed delivery is tried again at
 * the next check. Checks never overlap.
 */
export function createExpiryMonitor(options: ExpiryMonitorOptions): ExpiryMonitor {
  const batchSize = options.batchSize ?? 500;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<readonly ExpiryAlert[]> | undefined;

  async function checkProfile(profile: string, thresholds: readonly number[], now: Date): Promise<ExpiryAlert[]> {
    const ascending = [...new Set(thresholds)].sort((a, b) => a - b);
    const sent: ExpiryAlert[] = [];
    for (const [index, thresholdSeconds] of ascending.entries()) {
      const due = await options.store.dueExpiryAlerts(profile, thresholdSeconds, now, batchSize);
      if (due.length === 0) continue;
      const alerts = due.map((certificate) => ({
        issuerId: certificate.issuerId,
        serial: certificate.serial,
        subject: certificate.subject,
        profile,
        notAfter: certificate.notAfter.toISOString(),
        thresholdSeconds,
      }));
      let delivered = options.webhook === undefined;
      try {
        if (options.webhook !== undefined) {
          await deliverWebhook(
            options.webhook,
            JSON.stringify({ kind: 'symbolon.certificate.expiry', sentAt: now.toISOString(), alerts }),
            options.clock,
          );
          delivered = true;
        }
      } finally {
        for (const alert of alerts) options.log(alert, delivered);
      }
      // This threshold and every wider one: a wider alert would say less, and later.
      const covered = ascending.slice(index);
      await options.store.recordExpiryAlerts(
        alerts.flatMap((alert) =>
          covered.map((seconds) => ({ issuerId: alert.issuerId, serial: alert.serial, thresholdSeconds: seconds })),
        ),
        now,
      );
      sent.push(...alerts);
    }
    return sent;
  }

  async function check(): Promise<readonly ExpiryAlert[]> {
    const now = options.clock();
    const sent: ExpiryAlert[] = [];
    for (const [profile, thresholds] of Object.entries(options.thresholds())) {
      if (thresholds.length > 0) sent.push(...(await checkProfile(profile, thresholds, now)));
    }
    return sent;
  }

  const once = (): Promise<readonly ExpiryAlert[]> => {
    running ??= check().finally(() => (running = undefined));
    return running;
  };

  return {
    check: once,
    start(intervalMs) {
      const tick = (): void => {
        once()
          .catch(options.onError)
          .finally(() => {
            if (timer !== undefined) timer = setTimeout(tick, intervalMs).unref();
          });
      };
      timer = setTimeout(tick, 0).unref();
    },
    async stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
