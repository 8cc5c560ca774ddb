import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { registerCertificateGauges } from '../../src/monitoring/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import { createUpHealth } from '../../src/services/index.js';
import { GatewayMetrics } from '../../src/gateway/runtime/gateway-metrics.js';
import { certificate, draft, issuer } from '../store/store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'symbolon-gauges-'));
after(() => rmSync(root, { recursive: true, force: true }));
const NOW = new Date(Date.UTC(2030, 0, 1));
const DAY = 86_400_000;

test('the gauges count certificates by profile and status, the soonest expiry and revocations, at each scrape', async () => {
  const store = openSqliteStore({ path: join(root, 'gauges.db') });
  try {
    await store.addIssuer(issuer('root', null, false), draft('ca.init', 'root'));
    await store.addIssuer(issuer('intermediate-1', 'root', true), draft('issuer.add', 'intermediate-1'));
    const add = (serial: string, profile: string, days: number) =>
      store.recordIssuance(
        certificate('intermediate-1', serial, { profile, notAfter: new Date(NOW.getTime() + days * DAY) }),
        draft('certificate.issue', serial),
      );
    await add('a1', 'client', 10);
    await add('a2', 'client', 3);
    await add('a3', 'client', -1);
    await add('b1', 'server', 40);
    const registry = new Registry();
    registerCertificateGauges(registry, () => store.certificateStatistics(NOW, NOW));
    let text = await registry.metrics();
    assert.match(text, /^symbolon_certificates\{profile="client",status="valid"\} 2$/m);
    assert.match(text, /^symbolon_certificates\{profile="client",status="expired"\} 1$/m);
    assert.match(text, /^symbolon_certificates\{profile="server",status="valid"\} 1$/m);
    assert.match(text, new RegExp(`^symbolon_certificate_soonest_expiry_timestamp_seconds ${(NOW.getTime() + 3 * DAY) / 1000}$`, 'm'));
    assert.match(text, /^symbolon_certificate_revocations 0$/m);
    await store.recordRevocation(
      { issuerId: 'intermediate-1', serial: 'a2', reason: 'superseded', revokedAt: NOW },
      draft('certificate.revoke', 'a2'),
    );
    text = await registry.metrics();
    assert.match(text, /^symbolon_certificates\{profile="client",status="revoked"\} 1$/m);
    assert.match(text, /^symbolon_certificate_revocations 1$/m);
    assert.match(text, new RegExp(`^symbolon_certificate_soonest_expiry_timestamp_seconds ${(NOW.getTime() + 10 * DAY) / 1000}$`, 'm'));
  } finally {
    await store.close();
  }
});

test('the example alerting rules in docs/ parse and use only metrics that up and the gateways expose', async () => {
  const rules = parse(readFileSync(new URL('../../docs/prometheus/symbolon-alerts.yml', import.meta.url), 'utf8')) as {
    groups: { name: string; rules: { alert: string; expr: string; labels: { severity: string } }[] }[];
  };
  const store = openSqliteStore({ path: join(root, 'rules.db') });
  const health = createUpHealth();
  registerCertificateGauges(health.registry, () => store.certificateStatistics(NOW, NOW));
  const gateway = new GatewayMetrics({
    revocation: () => [],
    serverCertificates: () => [],
    openConnections: () => 0,
    waitingConnections: () => 0,
    handshakingConnections: () => 0,
  });
  const exposed = new Set(
    [...(await health.registry.getMetricsAsJSON()), ...(await gateway.registry.getMetricsAsJSON())].map((metric) => metric.name),
  );
  await store.close();
  let count = 0;
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      count++;
      assert.match(rule.alert, /^Symbolon[A-Za-z]+$/);
      assert.ok(['warning', 'critical'].includes(rule.labels.severity));
      const used = [...rule.expr.matchAll(/\b(symbolon_[a-z_]+)\b/g)].map((m) => m[1]!);
      assert.ok(used.length > 0, rule.alert);
      for (const name of used) assert.ok(exposed.has(name), `${rule.alert} uses ${name}, which nothing exposes`);
    }
  }
  assert.ok(count >= 5);
});
