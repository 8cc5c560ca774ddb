import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { REVOCATION_STALE_METRIC } from './gateway-metrics.js';

/** The Prometheus exposition of a registry, or of a cluster's registries summed. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** The `{bundle="...",source="..."}` label sets whose stale gauge is above 0 in a Prometheus exposition. */
function staleSources(exposition: string): string[] {
  const stale: string[] = [];
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${REVOCATION_STALE_METRIC}{`)) continue;
    const space = line.lastIndexOf(' ');
    if (Number(line.slice(space + 1)) > 0) stale.push(line.slice(REVOCATION_STALE_METRIC.length, space));
  }
  return stale;
}

/**
 * The gateway's admin listener (plain HTTP, meant for 127.0.0.1): `GET /metrics` and
 * `GET /healthz`: 200 `ok`, or 503 naming each trust bundle whose revocation status is stale
 * (the gateway may still be serving from its last known set: see the feed's `whenStale`). Metrics that cannot be collected (a worker that does not answer) are 503, and
 * the reason goes to `onError`, never to the scraper.
 */
export function createAdminServer(source: MetricsSource, onError: (error: unknown) => void): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      source.metrics().then(
        (text) => res.writeHead(200, { 'content-type': source.contentType }).end(text),
        (error: unknown) => {
          onError(error);
          res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics are not available now; try again\n');
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      // Read from the same metrics as /metrics, so a cluster's primary answers for all its workers.
      source.metrics().then(
        (text) => {
          const stale = staleSources(text);
          if (stale.length === 0) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
          res
            .writeHead(503, { 'content-type': 'text/plain' })
            .end(
              `stale revocation status (see ${REVOCATION_STALE_METRIC} and symbolon_gateway_revocation_lag_seconds): ${stale.join(', ')}\n`,
            );
        },
        (error: unknown) => {
          onError(error);
          res.writeHead(503, { 'content-type': 'text/plain' }).end('health is not available now; try again\n');
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('the admin listener serves /metrics and /healthz\n');
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  return server;
}
