import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createAdminServer } from '../../../src/gateway/runtime/admin-server.js';
import { GatewayMetrics } from '../../../src/gateway/runtime/gateway-metrics.js';

test('/healthz is 503 naming each stale revocation source, 200 once every source is current; the stale gauge says the same', async () => {
  const sources = [
    { bundle: 'symbolon', kind: 'feed', entries: 3, lagSeconds: 120, isStale: true },
    { bundle: 'partner', kind: 'ocsp', entries: 0, lagSeconds: undefined },
  ];
  const metrics = new GatewayMetrics({
    revocation: () => sources,
    serverCertificates: () => [],
    openConnections: () => 0,
    waitingConnections: () => 0,
    handshakingConnections: () => 0,
  });
  const server = createAdminServer(metrics.registry, () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const stale = await fetch(`${base}/healthz`);
    assert.equal(stale.status, 503);
    assert.match(await stale.text(), /stale revocation status .*\{bundle="symbolon",source="feed"\}/);
    assert.match(
      await (await fetch(`${base}/metrics`)).text(),
      /^symbolon_gateway_revocation_stale\{bundle="symbolon",source="feed"\} 1$/m,
    );
    sources[0] = { ...sources[0]!, lagSeconds: 0.2, isStale: false };
    const healthy = await fetch(`${base}/healthz`);
    assert.equal(healthy.status, 200);
    assert.equal(await healthy.text(), 'ok\n');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
