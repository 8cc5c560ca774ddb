import { request } from 'undici';
import { SymbolonError } from '../errors.js';
import { readPrometheusSamples } from './prometheus-text.js';

/** One sample of a gateway's metrics: its cumulative counts at `at`. */
export interface GatewaySample {
  readonly at: string;
  readonly requests: number;
  readonly rejections: Readonly<Record<string, number>>;
}

/** A gateway as the dashboard shows it: whether its last scrape answered, and its recent samples, oldest first. */
export interface GatewayHealth {
  readonly name: string;
  readonly metricsUrl: string;
  readonly up: boolean;
  readonly series: readonly GatewaySample[];
}

export interface GatewayScraperOptions {
  readonly targets: readonly { readonly name: string; readonly metricsUrl: string }[];
  /** Samples kept per gateway (a ring: the oldest goes first). */
  readonly ringSize: number;
  readonly timeoutMs: number;
  /** Largest metrics page read; a bigger one counts as a failed scrape. */
  readonly maxBytes: number;
  readonly clock: () => Date;
  readonly onError: (error: unknown) => void;
}

export interface GatewayScraper {
  /** Every gateway's health now. */
  health(): readonly GatewayHealth[];
  /** Adds a gateway to scrape from the next round on (up's own, once it listens). */
  addTarget(target: { readonly name: string; readonly metricsUrl: string }): void;
  /** Scrapes every gateway once (concurrently). */
  scrape(): Promise<void>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

const REQUESTS = 'symbolon_gateway_requests_total';
const REJECTIONS = 'symbolon_gateway_rejections_total';
const HANDSHAKES = 'symbolon_gateway_handshakes_total';
const WANTED = new Set([REQUESTS, REJECTIONS, HANDSHAKES]);

/**
 * A sample from a gateway's metrics page: requests (every route and status), and rejections by
 * reason, both of requests refused by route rules and of handshakes refused (the TLS refusals
 * show only in the metrics), summed over routes.
 */
export function gatewaySample(text: string, at: Date): GatewaySample {
  let requests = 0;
  const rejections: Record<string, number> = {};
  for (const sample of readPrometheusSamples(text, WANTED)) {
    if (sample.name === REQUESTS) requests += sample.value;
    const isRefusal = sample.name === REJECTIONS || (sample.name === HANDSHAKES && sample.labels['result'] === 'rejected');
    if (isRefusal) {
      const reason = sample.labels['reason'] ?? 'unknown';
      rejections[reason] = (rejections[reason] ?? 0) + sample.value;
    }
  }
  return { at: at.toISOString(), requests, rejections };
}

/** Reads the gateways' Prometheus metrics periodically into a bounded ring of samples per gateway. */
export function createGatewayScraper(options: GatewayScraperOptions): GatewayScraper {
  const states = options.targets.map((target) => ({ ...target, up: false, series: [] as GatewaySample[] }));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let intervalMs: number | undefined;

  async function scrapeOne(state: (typeof states)[number]): Promise<void> {
    try {
      const answer = await request(state.metricsUrl, {
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        maxRedirections: 0,
      });
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        length += chunk.length;
        if (length > options.maxBytes) {
          answer.body.destroy();
          throw new Error(`the metrics page is larger than ${options.maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
      if (answer.statusCode !== 200) throw new Error(`HTTP ${answer.statusCode}`);
      state.series.push(gatewaySample(Buffer.concat(chunks).toString('utf8'), options.clock()));
      if (state.series.length > options.ringSize) state.series.splice(0, state.series.length - options.ringSize);
      state.up = true;
    } catch (error) {
      if (state.up)
        options.onError(
          new SymbolonError(
            'GATEWAY_SCRAPE_FAILED',
            `the metrics of gateway ${state.name} (${state.metricsUrl}) could not be read: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          ),
        );
      state.up = false;
    }
  }

  const scrape = (): Promise<void> => {
    running ??= Promise.all(states.map(scrapeOne))
      .then(() => undefined)
      .finally(() => (running = undefined));
    return running;
  };

  return {
    health: () => states.map((state) => ({ name: state.name, metricsUrl: state.metricsUrl, up: state.up, series: [...state.series] })),
    addTarget(target) {
      states.push({ ...target, up: false, series: [] });
      if (intervalMs !== undefined && timer === undefined) this.start(intervalMs);
    },
    scrape,
    start(every) {
      intervalMs = every;
      if (states.length === 0) return;
      const tick = (): void => {
        void scrape().finally(() => {
          if (timer !== undefined) timer = setTimeout(tick, every).unref();
        });
      };
      timer = setTimeout(tick, 0).unref();
    },
    async stop() {
      intervalMs = undefined;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
