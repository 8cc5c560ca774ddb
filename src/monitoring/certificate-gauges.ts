import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { CertificateStatistics } from '../store/index.js';

/**
 * The inventory's gauges on `registry`, read from the store's statistics at each scrape (through
 * `read`, which may cache): `symbolon_certificates{profile,status}`,
 * `symbolon_certificate_soonest_expiry_timestamp_seconds` (0 when no certificate is valid) and
 * `symbolon_certificate_revocations`.
 */
export function registerCertificateGauges(registry: Registry, read: () => Promise<CertificateStatistics>): void {
  const registers = [registry];
  // Each scrape reads once for the three gauges: the first collect fetches, the others reuse it.
  let current: Promise<CertificateStatistics> | undefined;
  const statistics = (): Promise<CertificateStatistics> => {
    current ??= read().finally(() => setImmediate(() => (current = undefined)));
    return current;
  };
  new Gauge({
    name: 'symbolon_certificates',
    help: 'Certificates in the store by profile and status (valid, expired, revoked)',
    labelNames: ['profile', 'status'],
    registers,
    async collect() {
      const { counts } = await statistics();
      this.reset();
      for (const { profile, status, count } of counts) this.set({ profile, status }, count);
    },
  });
  new Gauge({
    name: 'symbolon_certificate_soonest_expiry_timestamp_seconds',
    help: 'notAfter (Unix seconds) of the valid certificate that expires first; 0 when none is valid',
    registers,
    async collect() {
      const { soonestExpiry } = await statistics();
      this.set(soonestExpiry === null ? 0 : Math.floor(soonestExpiry.getTime() / 1000));
    },
  });
  new Gauge({
    name: 'symbolon_certificate_revocations',
    help: 'Revocations recorded in the store (all time)',
    registers,
    async collect() {
      this.set((await statistics()).revocations);
    },
  });
}
