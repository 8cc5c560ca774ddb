import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the upstream received it. */
export interface UpstreamRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Name, value, name, value... as received (case kept). */
  readonly rawHeaders: readonly string[];
}

export interface EchoUpstream {
  readonly url: string;
  readonly port: number;
  readonly requests: UpstreamRequest[];
  /** Requests whose path starts with `prefix`. */
  seen(prefix: string): UpstreamRequest[];
  /** Answers every `/held...` request received so far. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A plain HTTP upstream on 127.0.0.1 that answers 200 with the request it received as JSON.
 * `/slow...` answers after 500 ms; `/hang...` never answers (until the connection closes);
 * `/held...` answers when the test calls `release()`.
 */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const requests: UpstreamRequest[] = [];
  const held = new Set<ServerResponse>();
  const waiting = new Set<() => void>();
  const server = createServer((req, res) => {
    const record: UpstreamRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders };
    requests.push(record);
    req.resume();
    const answer = (): void => {
      const body = JSON.stringify(record);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (record.url.startsWith('/hang')) {
      held.add(res);
      res.once('close', () => held.delete(res));
      return;
    }
    if (record.url.startsWith('/held')) {
      waiting.add(answer);
      res.once('close', () => waiting.delete(answer));
      return;
    }
    if (record.url.startsWith('/slow')) {
      const timer = setTimeout(answer, 500);
      res.once('close', () => clearTimeout(timer));
      return;
    }
    answer();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    seen: (prefix) => requests.filter((request) => request.url.startsWith(prefix)),
    release: () => {
      for (const answer of waiting) answer();
      waiting.clear();
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
