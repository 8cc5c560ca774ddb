import { Histogram } from 'prom-client';
import type { LabelValues, MetricObjectWithValues, MetricType, MetricValueWithName, Registry } from 'prom-client';

interface RouteLatency {
  /** Observations per bucket (not cumulative); the last one is above every bound. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

/**
 * A per-route Prometheus histogram counted in plain numbers. prom-client's own `observe` checks
 * and hashes its label object on every call, even through a labelled child, which the gateway
 * would pay on every proxied request; here `observe` is a map lookup and a bucket search, and
 * the exposition is built in prom-client's form when the registry is read.
 */
export class RouteLatencyHistogram extends Histogram<'route'> {
  private readonly byRoute = new Map<string, RouteLatency>();
  private readonly upperBounds: readonly number[];

  constructor(
    private readonly settings: {
      readonly name: string;
      readonly help: string;
      readonly buckets: readonly number[];
      readonly registers: Registry[];
    },
  ) {
    super({
      name: settings.name,
      help: settings.help,
      labelNames: ['route'],
      buckets: [...settings.buckets],
      registers: settings.registers,
    });
    this.upperBounds = [...settings.buckets].sort((a, b) => a - b);
  }

  observeRoute(route: string, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    let latency = this.byRoute.get(route);
    if (latency === undefined) {
      latency = { buckets: new Array<number>(this.upperBounds.length + 1).fill(0), sum: 0, count: 0 };
      this.byRoute.set(route, latency);
    }
    const bounds = this.upperBounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket++;
    latency.buckets[bucket]!++;
    latency.sum += seconds;
    latency.count++;
  }

  override get(): Promise<MetricObjectWithValues<MetricValueWithName<'route'>>> {
    return this.getForPromString();
  }

  /**
   * What prom-client's registry reads for the text exposition (its own histograms answer here with
   * the route as a shared label; the text is the same).
   */
  getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<'route'>>> {
    const { name, help } = this.settings;
    const values: MetricValueWithName<'route'>[] = [];
    // `le` is the histogram's own label, which prom-client's label type leaves out.
    const withBound = (route: string, le: number | string): LabelValues<'route'> => ({ le, route }) as LabelValues<'route'>;
    for (const [route, latency] of this.byRoute) {
      let cumulative = 0;
      this.upperBounds.forEach((bound, i) => {
        cumulative += latency.buckets[i]!;
        values.push({ labels: withBound(route, bound), value: cumulative, metricName: `${name}_bucket` });
      });
      values.push(
        { labels: withBound(route, '+Inf'), value: latency.count, metricName: `${name}_bucket` },
        { labels: { route }, value: latency.sum, metricName: `${name}_sum` },
        { labels: { route }, value: latency.count, metricName: `${name}_count` },
      );
    }
    // prom-client's typings declare the type as a numeric enum it does not export; its metrics carry the string.
    return Promise.resolve({ name, help, type: 'histogram' as unknown as MetricType, values, aggregator: 'sum', collect: () => undefined });
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset() before this class's fields exist.
    (this.byRoute as Map<string, RouteLatency> | undefined)?.clear();
  }
}
