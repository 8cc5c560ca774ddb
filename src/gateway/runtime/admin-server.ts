import { createServer } from 'node:http';
import type { Server } from 'node:http';

/** The Prometheus exposition of a registry, or of a cluster's registries summed. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * The gateway's admin listener (plain HTTP, meant for 127.0.0.1): `GET /metrics` and
 * `GET /healthz`. Metrics that cannot be collected (a worker that does not answer) are 503, and
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
    if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    res.writeHead(404, { 'content-type': 'text/plain' }).end('the admin listener serves /metrics and /healthz\n');
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  return server;
}
