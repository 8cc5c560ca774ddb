import { Counter, Gauge, Registry } from 'prom-client';
import { RouteLatencyHistogram } from './route-latency-histogram.js';

/** The gauge /healthz reads: a worker's or a cluster's sum of it above 0 means some revocation source is stale. */
export const REVOCATION_STALE_METRIC = 'symbolon_gateway_revocation_stale';

/** What the metrics read when scraped, rather than being told on every change. */
export interface GatewayGaugeSources {
  /** Per trust bundle: revoked entries held and seconds since the revocation source was current. */
  revocation(): readonly {
    readonly bundle: string;
    readonly kind: string;
    readonly entries: number;
    readonly lagSeconds: number | undefined;
    readonly isStale?: boolean;
  }[];
  /** Per listener: the server certificate's notAfter (ms since epoch). */
  serverCertificates(): readonly { readonly listener: string; readonly notAfterMs: number }[];
  /** Client connections past their handshake. */
  openConnections(): number;
  /** Client connections not yet handed to TLS. */
  waitingConnections(): number;
  /** Client connections still in their handshake. */
  handshakingConnections(): number;
}

/**
 * The gateway's Prometheus metrics, in a registry of their own (never the global one, so two
 * gateways in one process do not mix). Label values are bounded: reasons and results come from
 * closed tables, routes from the configuration.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly handshakes: Counter<'result' | 'reason'>;
  readonly requests: Counter<'route' | 'status'>;
  readonly rejections: Counter<'route' | 'reason'>;
  readonly upstreamLatency: RouteLatencyHistogram;
  readonly validatorDisagreements: Counter<'code'>;
  readonly revocationSoftFails: Counter<'bundle'>;
  readonly reloads: Counter<'result'>;
  readonly connectionDrops: Counter<'reason'>;
  readonly clientHellosParked: Counter;
  /**
   * Requests counted since the last scrape, by route label and status: plain numbers on the
   * request path, added to `requests` when it is read (prom-client hashes its label object on
   * every `inc`, even through a labelled child).
   */
  private readonly uncountedRequests = new Map<string, Map<number, number>>();

  constructor(sources: GatewayGaugeSources, now: () => number = Date.now) {
    const registers = [this.registry];
    this.handshakes = new Counter({
      name: 'symbolon_gateway_handshakes_total',
      help: 'TLS handshakes by result (accepted, rejected, failed) and reason',
      labelNames: ['result', 'reason'],
      registers,
    });
    const uncountedRequests = this.uncountedRequests;
    this.requests = new Counter({
      name: 'symbolon_gateway_requests_total',
      help: 'Requests by route and response status',
      labelNames: ['route', 'status'],
      registers,
      collect() {
        for (const [route, byStatus] of uncountedRequests) {
          for (const [status, count] of byStatus) this.inc({ route, status: String(status) }, count);
        }
        uncountedRequests.clear();
      },
    });
    this.rejections = new Counter({
      name: 'symbolon_gateway_rejections_total',
      help: 'Requests refused by the gateway, by route and reason code',
      labelNames: ['route', 'reason'],
      registers,
    });
    this.upstreamLatency = new RouteLatencyHistogram({
      name: 'symbolon_gateway_upstream_latency_seconds',
      help: 'Time from forwarding a request to the upstream response headers',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.validatorDisagreements = new Counter({
      name: 'symbolon_gateway_validator_disagreements_total',
      help: 'Client chains OpenSSL accepted and the strict RFC 5280 validator refused, by path error code',
      labelNames: ['code'],
      registers,
    });
    this.revocationSoftFails = new Counter({
      name: 'symbolon_gateway_revocation_soft_fail_total',
      help: 'Requests let through under soft-fail although revocation status was unavailable',
      labelNames: ['bundle'],
      registers,
    });
    this.reloads = new Counter({
      name: 'symbolon_gateway_reloads_total',
      help: 'Configuration reloads by result',
      labelNames: ['result'],
      registers,
    });
    new Gauge({
      name: 'symbolon_gateway_revocation_lag_seconds',
      help: 'Seconds since each trust bundle revocation source was last known current (feed event or heartbeat, CRL thisUpdate); NaN before its first load',
      labelNames: ['bundle', 'source'],
      registers,
      collect() {
        this.reset();
        for (const source of sources.revocation())
          this.set({ bundle: source.bundle, source: source.kind }, source.lagSeconds ?? Number.NaN);
      },
    });
    new Gauge({
      name: REVOCATION_STALE_METRIC,
      help: 'Whether each trust bundle revocation source is past its staleness limit (1) or current (0); /healthz is 503 while any is 1',
      labelNames: ['bundle', 'source'],
      registers,
      collect() {
        this.reset();
        for (const source of sources.revocation())
          if (source.isStale !== undefined) this.set({ bundle: source.bundle, source: source.kind }, source.isStale ? 1 : 0);
      },
    });
    new Gauge({
      name: 'symbolon_gateway_revocation_entries',
      help: 'Revoked certificates held (feed, CRL) or cached answers (OCSP), per trust bundle',
      labelNames: ['bundle', 'source'],
      registers,
      collect() {
        this.reset();
        for (const source of sources.revocation()) this.set({ bundle: source.bundle, source: source.kind }, source.entries);
      },
    });
    new Gauge({
      name: 'symbolon_gateway_server_certificate_expiry_seconds',
      help: 'Seconds until each listener server certificate expires',
      labelNames: ['listener'],
      registers,
      collect() {
        this.reset();
        for (const certificate of sources.serverCertificates())
          this.set({ listener: certificate.listener }, (certificate.notAfterMs - now()) / 1000);
      },
    });
    this.connectionDrops = new Counter({
      name: 'symbolon_gateway_connection_drops_total',
      help: 'Client connections the connection budget closed: evicted_handshake (an unfinished handshake, oldest first, for a newcomer when full), handshake_deadline (past the deadline the budget shortens as it fills), budget_full (a newcomer when every connection had finished its handshake), evicted_waiting (the oldest connection not yet handed to TLS, when the pool of those was full). A handshake closed so also counts in handshakes_total as failed, reset',
      labelNames: ['reason'],
      registers,
    });
    this.clientHellosParked = new Counter({
      name: 'symbolon_gateway_client_hellos_parked_total',
      help: 'Complete ClientHellos left unanswered in a flood (more connections waiting than maxConnections) because they waited over 0.5 s for their turn: their connections stay, without crypto, until their client gives up, their timeout or an eviction',
      registers,
    });
    new Gauge({
      name: 'symbolon_gateway_waiting_connections',
      help: 'Client connections open now, not yet handed to TLS (no complete ClientHello, or one waiting its turn)',
      registers,
      collect() {
        this.set(sources.waitingConnections());
      },
    });
    new Gauge({
      name: 'symbolon_gateway_open_connections',
      help: 'Client connections open now, past their handshake',
      registers,
      collect() {
        this.set(sources.openConnections());
      },
    });
    new Gauge({
      name: 'symbolon_gateway_handshaking_connections',
      help: 'Client connections open now, still in their TLS handshake',
      registers,
      collect() {
        this.set(sources.handshakingConnections());
      },
    });
  }

  /** One request answered with `status` on the route labelled `route` ('none' when no route took it). */
  countRequest(route: string, status: number): void {
    let byStatus = this.uncountedRequests.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.uncountedRequests.set(route, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
}
