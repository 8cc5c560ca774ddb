import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataDir, DataDirPaths } from '../ca/index.js';
import { errorCodeOf, SymbolonError } from '../errors.js';
import { createExpiryMonitor, createGatewayScraper, registerCertificateGauges } from '../monitoring/index.js';
import type { ExpiryAlert, GatewayHealth } from '../monitoring/index.js';
import type { Store } from '../store/index.js';
import type { UpHealth } from './up-health.js';

/** The file beside the database holding the key alert webhooks are signed with (64 hex digits). */
export function alertWebhookSecretPath(paths: DataDirPaths): string {
  return join(paths.root, 'alert-webhook.secret');
}

/**
 * The data directory's webhook key: read, or made (random, mode 0600, never overwritten). The
 * receiver is given the same text to check the signature header. Throws `CA_DATA_DIR_CORRUPT`.
 */
export async function alertWebhookSecret(paths: DataDirPaths): Promise<string> {
  const path = alertWebhookSecretPath(paths);
  try {
    await writeFile(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (errorCodeOf(error) !== 'EEXIST')
      throw new SymbolonError('CA_DATA_DIR_CORRUPT', `cannot write ${path} (${errorCodeOf(error) ?? 'error'})`, { cause: error });
  }
  const secret = (await readFile(path, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(secret))
    throw new SymbolonError('CA_DATA_DIR_CORRUPT', `${path} is not 64 hex digits: restore it, or remove it to make a new one`);
  return secret;
}

/** Profiles whose certificates up renews by itself: not alerted unless config.yaml names them. */
const SELF_RENEWED_PROFILES = new Set(['ocsp-signer']);

export interface UpMonitoringOptions {
  readonly dataDir: DataDir;
  readonly store: Store;
  readonly health: UpHealth;
  readonly clock: () => Date;
  /** Each alert, as a line for the log. */
  readonly log: (line: string) => void;
  readonly onError: (error: unknown) => void;
  /** Delays of the webhook's retries: the first, doubled at each next one. */
  readonly webhookBackoffMs?: number;
}

export interface UpMonitoring {
  readonly gateways: () => readonly GatewayHealth[];
  /** Scrapes this gateway too (up's own, once it listens). */
  addGateway(name: string, metricsUrl: string): void;
  /** Where the webhook key is, when a webhook is configured. */
  readonly webhookSecretPath: string | undefined;
  close(): Promise<void>;
}

function alertLine(alert: ExpiryAlert, delivered: boolean, hasWebhook: boolean): string {
  const days = Math.round((alert.thresholdSeconds / 86_400) * 10) / 10;
  const note = hasWebhook ? (delivered ? ' (sent to the webhook)' : ' (the webhook did not take it; retried at the next check)') : '';
  return `symbolon: expiry alert: certificate ${alert.issuerId}/${alert.serial} (${alert.subject}, profile ${alert.profile}) expires ${alert.notAfter}, within ${days}d${note}\n`;
}

/**
 * What up watches, started: expiry alerts on config.yaml's thresholds (every profile but those up
 * renews itself, unless named), the inventory's gauges on /metrics, the gateways' metrics.
 */
export async function startUpMonitoring(options: UpMonitoringOptions): Promise<UpMonitoring> {
  const { dataDir, store, clock } = options;
  const monitoring = dataDir.config.monitoring;
  const webhookSecretPath = monitoring.webhookUrl === undefined ? undefined : alertWebhookSecretPath(dataDir.paths);
  const webhook =
    monitoring.webhookUrl === undefined
      ? undefined
      : {
          url: monitoring.webhookUrl,
          secret: await alertWebhookSecret(dataDir.paths),
          retries: monitoring.webhookRetries,
          backoffMs: options.webhookBackoffMs ?? 1000,
          timeoutMs: 10_000,
        };
  const thresholds: Record<string, readonly number[]> = {};
  for (const profile of Object.keys(dataDir.config.profiles)) {
    const configured = monitoring.profileThresholdsSeconds[profile];
    if (configured !== undefined) thresholds[profile] = configured;
    else if (!SELF_RENEWED_PROFILES.has(profile)) thresholds[profile] = monitoring.expiryThresholdsSeconds;
  }
  const expiry = createExpiryMonitor({
    store,
    thresholds: () => thresholds,
    webhook,
    log: (alert, delivered) => options.log(alertLine(alert, delivered, webhook !== undefined)),
    clock,
    onError: options.onError,
  });
  expiry.start(monitoring.checkIntervalSeconds * 1000);
  // Counting the inventory reads a whole index: at most every 30 s, whatever the scrape interval.
  let counted: { readonly at: number; readonly value: ReturnType<Store['certificateStatistics']> } | undefined;
  registerCertificateGauges(options.health.registry, () => {
    const now = clock();
    if (counted === undefined || now.getTime() - counted.at >= 30_000) {
      const value = store.certificateStatistics(now, now);
      counted = { at: now.getTime(), value };
      value.catch(() => (counted = undefined));
    }
    return counted.value;
  });
  const scraper = createGatewayScraper({
    targets: monitoring.gateways,
    // An hour of samples at the default 15 s.
    ringSize: 240,
    timeoutMs: 5000,
    maxBytes: 4 * 1024 * 1024,
    clock,
    onError: options.onError,
  });
  scraper.start(monitoring.scrapeIntervalSeconds * 1000);
  return {
    gateways: () => scraper.health(),
    addGateway: (name, metricsUrl) => scraper.addTarget({ name, metricsUrl }),
    webhookSecretPath,
    async close() {
      await Promise.all([expiry.stop(), scraper.stop()]);
    },
  };
}
