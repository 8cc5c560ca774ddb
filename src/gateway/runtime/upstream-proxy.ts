import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { HOP_BY_HOP_FIELDS } from '../hop-by-hop.js';
import { isStrippedRequestField } from '../strip-identity-headers.js';

export interface UpstreamOptions {
  /** `http://host:port` or `https://host:port`; a path in the URL prefixes every request path. */
  readonly url: string;
  readonly maxConnections: number;
  readonly timeoutMs: number;
  /** For https upstreams: CA certificates (PEM; default the system's), client identity for mTLS, server name. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly serverName?: string };
}

/** How a proxied exchange ended, for the access log and metrics. */
export interface ProxyOutcome {
  readonly status: number;
  /** Milliseconds until the upstream's response headers; undefined when it never answered. */
  readonly upstreamMs: number | undefined;
  /** Set when the upstream failed before answering: the caller sends the rejection. */
  readonly failure?: 'upstream_unavailable' | 'upstream_timeout';
  /** What went wrong with the upstream, for the log. */
  readonly detail?: string;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Names listed in a Connection header are hop-by-hop too (RFC 9110 7.6.1). */
function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  return new Set((Array.isArray(value) ? value.join(',') : value).split(',').map((name) => name.trim().toLowerCase()));
}

function hasBody(req: Http2ServerRequest): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  // HTTP/2 frames the body itself: a request without END_STREAM on its headers has one.
  return !req.stream.endAfterHeaders;
}

/** The upstream's response fields less hop-by-hop ones, as the flat [name, value, ...] list `writeHead` takes. */
function responseHeaders(raw: Buffer[] | string[] | null): string[] {
  const headers: string[] = [];
  if (raw === null) return headers;
  let listed: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    if (HOP_BY_HOP_FIELDS.has(name)) {
      if (name === 'connection') listed = connectionListed(raw[i + 1]!.toString('latin1'));
      continue;
    }
    headers.push(name, raw[i + 1]!.toString('latin1'));
  }
  if (listed === undefined) return headers;
  return headers.filter((_, i) => !listed.has(headers[i - (i % 2)]!));
}

/** The flat list as an object, repeated fields as arrays: what HTTP/2's compatibility `writeHead` takes. */
function headerObject(flat: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!;
    const previous = headers[name];
    if (previous === undefined) headers[name] = flat[i + 1]!;
    else if (Array.isArray(previous)) previous.push(flat[i + 1]!);
    else headers[name] = [previous, flat[i + 1]!];
  }
  return headers;
}

/**
 * A pool of keep-alive connections to one upstream, and `forward`, which sends it a client's
 * request with the identity headers the route adds. Client-sent identity headers, hop-by-hop
 * fields and pseudo-headers are dropped; `x-forwarded-for` gets the client's address appended and
 * `x-forwarded-proto` is set to https.
 */
export class UpstreamProxy {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(options: UpstreamOptions) {
    const url = new URL(options.url);
    this.basePath = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
    const tls = options.tls;
    this.pool = new Pool(url.origin, {
      connections: options.maxConnections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 10_000),
      keepAliveTimeout: 30_000,
      ...(url.protocol === 'https:' && tls !== undefined
        ? {
            connect: {
              ...(tls.ca === undefined ? {} : { ca: tls.ca }),
              ...(tls.cert === undefined ? {} : { cert: tls.cert, key: tls.key }),
              ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
            },
          }
        : {}),
    });
  }

  forward(
    req: Http2ServerRequest,
    res: Http2ServerResponse,
    added: Readonly<Record<string, string>>,
    target: string,
  ): Promise<ProxyOutcome> {
    const headers = this.requestHeaders(req, added);
    const started = performance.now();
    return new Promise((resolve) => {
      let upstreamMs: number | undefined;
      let status = 0;
      let isDone = false;
      const finish = (outcome: ProxyOutcome): void => {
        if (isDone) return;
        isDone = true;
        resolve(outcome);
      };
      let abortUpstream: ((error?: Error) => void) | undefined;
      // The head waits for the body's first piece, its end, or two turns of the event loop: a body
      // that breaks in the read that brought the head still leaves room for a 502.
      let pendingHead: (() => void) | undefined;
      const flushHead = (): void => {
        const write = pendingHead;
        pendingHead = undefined;
        write?.();
      };
      res.once('close', () => {
        if (!isDone) abortUpstream?.(new Error('the client went away'));
      });
      const handler: Dispatcher.DispatchHandlers = {
        onConnect(abort) {
          abortUpstream = abort;
        },
        onHeaders(statusCode, rawHeaders, resume) {
          upstreamMs = performance.now() - started;
          status = statusCode;
          // 1xx interim responses are not relayed (Node's servers send their own 100-continue).
          if (statusCode < 200) return true;
          const headers = responseHeaders(rawHeaders);
          pendingHead = () => res.writeHead(statusCode, headerObject(headers));
          // Two turns: undici reports a parse error when the upstream socket's close callback runs, after this turn's immediates.
          setImmediate(() => setImmediate(flushHead));
          res.on('drain', () => resume());
          return true;
        },
        onData(chunk) {
          flushHead();
          return res.write(chunk);
        },
        onComplete() {
          flushHead();
          res.end();
          finish({ status, upstreamMs });
        },
        onError(error) {
          pendingHead = undefined;
          const code = (error as { code?: string }).code ?? '';
          if (res.headersSent) {
            res.destroy();
            finish({ status, upstreamMs, detail: error.message });
            return;
          }
          finish({
            status: 0,
            upstreamMs,
            failure: TIMEOUT_CODES.has(code) ? 'upstream_timeout' : 'upstream_unavailable',
            detail: error.message,
          });
        },
      };
      this.pool.dispatch(
        { path: this.basePath + target, method: req.method as Dispatcher.HttpMethod, headers, body: hasBody(req) ? req : null },
        handler,
      );
    });
  }

  private requestHeaders(req: Http2ServerRequest, added: Readonly<Record<string, string>>): string[] {
    const raw = req.rawHeaders;
    const listed = connectionListed(req.headers.connection);
    const headers: string[] = [];
    let forwardedFor: string | undefined;
    let host: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      const lower = name.toLowerCase();
      if (lower === 'host' || lower === ':authority') host ??= raw[i + 1]!;
      if (lower.startsWith(':') || isStrippedRequestField(lower) || listed?.has(lower) === true) continue;
      if (lower === 'x-forwarded-for') {
        forwardedFor = forwardedFor === undefined ? raw[i + 1]! : `${forwardedFor}, ${raw[i + 1]!}`;
        continue;
      }
      headers.push(name, raw[i + 1]!);
    }
    // The client's Host is kept, as Envoy does: the upstream sees the name the client asked for.
    if (host !== undefined) headers.push('host', host);
    const address = req.socket.remoteAddress ?? '';
    headers.push('x-forwarded-for', forwardedFor === undefined ? address : `${forwardedFor}, ${address}`, 'x-forwarded-proto', 'https');
    for (const [name, value] of Object.entries(added)) headers.push(name, value);
    return headers;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
