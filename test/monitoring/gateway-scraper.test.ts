import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { test } from 'node:test';
import { createGatewayScraper, gatewaySample } from '../../src/monitoring/index.js';
import { GatewayMetrics } from '../../src/gateway/runtime/gateway-metrics.js';

const AT = new Date(Date.UTC(2030, 0, 1));

test("a sample from the gateway's own metrics page: requests over every route, rejections by reason from refused requests and handshakes", async () => {
  const metrics = new GatewayMetrics({
    revocation: () => [],
    serverCertificates: () => [],
    openConnections: () => 0,
    waitingConnections: () => 0,
    handshakingConnections: () => 0,
  });
  metrics.requests.inc({ route: 'api', status: '200' }, 40);
  metrics.requests.inc({ route: 'api', status: '403' }, 3);
  metrics.requests.inc({ route: 'admin', status: '200' }, 7);
  metrics.rejections.inc({ route: 'api', reason: 'GATEWAY_ROUTE_DENIED' }, 3);
  metrics.handshakes.inc({ result: 'accepted', reason: '' }, 50);
  metrics.handshakes.inc({ result: 'rejected', reason: 'revoked' }, 2);
  const page = await metrics.registry.metrics();
  assert.deepEqual(gatewaySample(page, AT), { at: AT.toISOString(), requests: 50, rejections: { GATEWAY_ROUTE_DENIED: 3, revoked: 2 } });
});

test('lines that do not parse, other metrics and escaped label values are handled, never thrown on', () => {
  const text = [
    'symbolon_gateway_handshakes_total{result="rejected",reason="revoked"} garbage',
    'symbolon_gateway_rejections_total{route="x",reason="tricky\\"quote"} 1',
    'symbolon_gateway_rejections_total{route="x",reason=unquoted} 1',
    'not a metric line at all',
    'symbolon_other_total 99',
    'symbolon_gateway_requests_total 4 1700000000000',
  ].join('\n');
  assert.deepEqual(gatewaySample(text, AT), { at: AT.toISOString(), requests: 4, rejections: { 'tricky"quote': 1 } });
});

test('the scraper keeps a bounded ring per gateway and marks one down when it stops answering or answers too much', async () => {
  let requests = 0;
  let mode: 'ok' | 'fail' | 'huge' = 'ok';
  const server: Server = createServer((req, res) => {
    if (mode === 'fail') return res.writeHead(500).end();
    requests += 5;
    if (mode === 'huge') return res.writeHead(200).end('#'.repeat(20_000));
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`symbolon_gateway_requests_total{route="r",status="200"} ${requests}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
  const errors: unknown[] = [];
  const scraper = createGatewayScraper({
    targets: [{ name: 'edge', metricsUrl: url }],
    ringSize: 3,
    timeoutMs: 2000,
    maxBytes: 10_000,
    clock: () => AT,
    onError: (e) => errors.push(e),
  });
  scraper.addTarget({ name: 'gone', metricsUrl: 'http://127.0.0.1:1/metrics' });
  try {
    for (let i = 0; i < 5; i++) await scraper.scrape();
    const [edge, gone] = scraper.health();
    assert.equal(edge!.up, true);
    assert.deepEqual(
      edge!.series.map((sample) => sample.requests),
      [15, 20, 25],
    );
    assert.equal(gone!.up, false);
    assert.equal(gone!.series.length, 0);
    mode = 'fail';
    await scraper.scrape();
    assert.equal(scraper.health()[0]!.up, false);
    assert.equal(scraper.health()[0]!.series.length, 3, 'the samples stay');
    mode = 'huge';
    await scraper.scrape();
    assert.equal(scraper.health()[0]!.up, false);
    assert.equal(errors.length, 1, 'told once, when it went down');
  } finally {
    await scraper.stop();
    await new Promise((resolve) => server.close(resolve));
  }
});
