import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { GatewayMetrics } from '../../../src/gateway/runtime/gateway-metrics.js';
import { RouteLatencyHistogram } from '../../../src/gateway/runtime/route-latency-histogram.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// On a bound, between bounds, below the first, above the last, zero, and a second route.
const OBSERVATIONS: readonly (readonly [string, number])[] = [
  ['*/', 0.0005],
  ['*/', 0.0007],
  ['*/', 0.00001],
  ['*/', 42],
  ['api.example/v1', 0],
  ['*/', 0.3],
  ['api.example/v1', 0.001],
  ['*/', 0.0005],
];

/** The metric's series as the JSON form carries them, without prom-client's bookkeeping (exemplars, functions). */
function seriesOf(
  metrics: readonly {
    readonly name: string;
    readonly type: unknown;
    readonly aggregator: string;
    readonly values: readonly { readonly labels: object; readonly value: number; readonly metricName?: string }[];
  }[],
): unknown {
  return metrics.map(({ name, type, aggregator, values }) => ({
    name,
    type,
    aggregator,
    values: values.map(({ labels, value, metricName }) => ({ labels, value, metricName })),
  }));
}

/** Exposition text with its series lines sorted: the order of series carries no meaning. */
function sortedLines(text: string): string[] {
  return text.trim().split('\n').sort();
}

test("RouteLatencyHistogram's exposition is prom-client's own Histogram's for the same observations", async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const histogram = new RouteLatencyHistogram({ name: 'h_seconds', help: 'latency', buckets: BUCKETS, registers: [ours] });
  const reference = new Histogram({ name: 'h_seconds', help: 'latency', labelNames: ['route'], buckets: BUCKETS, registers: [theirs] });
  for (const [route, seconds] of OBSERVATIONS) {
    histogram.observeRoute(route, seconds);
    reference.observe({ route }, seconds);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.deepEqual(seriesOf(await ours.getMetricsAsJSON()), seriesOf(await theirs.getMetricsAsJSON()));
  // Workers' histograms are merged by the cluster primary from this JSON.
  const merged = await AggregatorRegistry.aggregate([await ours.getMetricsAsJSON(), await ours.getMetricsAsJSON()]).metrics();
  const referenceMerged = await AggregatorRegistry.aggregate([await theirs.getMetricsAsJSON(), await theirs.getMetricsAsJSON()]).metrics();
  assert.equal(merged, referenceMerged);
  assert.match(merged, /h_seconds_count\{route="\*\/"\} 12/);

  histogram.reset();
  reference.reset();
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('RouteLatencyHistogram ignores a value that is not a finite number instead of poisoning the sum', async () => {
  const registry = new Registry();
  const histogram = new RouteLatencyHistogram({ name: 'h_seconds', help: 'latency', buckets: BUCKETS, registers: [registry] });
  histogram.observeRoute('*/', Number.NaN);
  histogram.observeRoute('*/', Number.POSITIVE_INFINITY);
  histogram.observeRoute('*/', 0.002);
  const text = await registry.metrics();
  assert.match(text, /h_seconds_count\{route="\*\/"\} 1\n/);
  assert.match(text, /h_seconds_sum\{route="\*\/"\} 0.002\n/);
});

test('requests counted by countRequest appear in symbolon_gateway_requests_total as prom-client counts them, and keep counting across scrapes', async () => {
  const metrics = new GatewayMetrics({
    revocation: () => [],
    serverCertificates: () => [],
    openConnections: () => 0,
    handshakingConnections: () => 0,
    waitingConnections: () => 0,
  });
  const theirs = new Registry();
  const reference = new Counter({
    name: 'symbolon_gateway_requests_total',
    help: 'Requests by route and response status',
    labelNames: ['route', 'status'],
    registers: [theirs],
  });
  const requests: readonly (readonly [string, number])[] = [
    ['*/', 200],
    ['*/', 200],
    ['none', 400],
    ['*/', 502],
    ['api', 200],
  ];
  const ours = async (): Promise<string[]> =>
    sortedLines(await metrics.registry.getSingleMetricAsString('symbolon_gateway_requests_total'));
  const expected = async (): Promise<string[]> => sortedLines(await theirs.metrics());
  for (const [route, status] of requests) {
    metrics.countRequest(route, status);
    reference.inc({ route, status: String(status) });
  }
  assert.deepEqual(await ours(), await expected());
  // A second scrape with nothing new reads the same; new counts add to what was there.
  assert.deepEqual(await ours(), await expected());
  metrics.countRequest('*/', 200);
  reference.inc({ route: '*/', status: '200' });
  assert.deepEqual(await ours(), await expected());
  assert.ok((await ours()).includes('symbolon_gateway_requests_total{route="*/",status="200"} 3'));
});
