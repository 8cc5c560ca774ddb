import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { closeServer, listen } from './listen.js';
import type { ListenAddress } from './listen.js';
import { sendProblem } from './problem.js';

/** The listener's server key and certificate chain (PEM), and the CA certificates client chains are checked against. */
export interface ServiceTls {
  readonly key: string;
  readonly cert: string;
  readonly ca: readonly string[];
}

/**
 * What a route gets: the request, the response, the path (no query), and the TLS socket. The
 * client certificate is asked for, never required: `socket.authorized` says whether the client
 * presented one that chains to `ServiceTls.ca`; each route decides whether it needs one.
 */
export interface ServiceRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: string;
  readonly socket: TLSSocket;
}

export type ServiceHandler = (request: ServiceRequest) => Promise<void>;

export interface ServiceListenerOptions {
  readonly tls: ServiceTls;
  /** Faults of a route (answered 500), told here. */
  readonly onError: (error: unknown) => void;
}

export interface ServiceListener {
  readonly server: Server;
  /**
   * Serves `prefix` (`/feed`, `/.well-known/est`) and every path under it (`prefix/...`) with
   * `handler`; the longest mounted prefix wins. Throws for a prefix mounted twice.
   */
  mount(prefix: string, handler: ServiceHandler): void;
  /** Swaps in a renewed server certificate; handshakes from now on use it. */
  setTls(tls: ServiceTls): void;
  listen(address: ListenAddress): Promise<ListenAddress>;
  close(): Promise<void>;
}

/** Longest request target served: EST labels and feed positions are far shorter. */
const MAX_TARGET_LENGTH = 2048;

function secureOptions(tls: ServiceTls): { key: string; cert: string; ca: string[] } {
  return { key: tls.key, cert: tls.cert, ca: [...tls.ca] };
}

/**
 * The one HTTPS listener of `symbolon up` for everything that needs TLS (the revocation feed,
 * EST, later the token endpoint and the admin API): TLS 1.2 and 1.3, a client certificate asked
 * for but not required, routes mounted by path prefix. Paths nothing serves are 404 problems.
 */
export function createServiceListener(options: ServiceListenerOptions): ServiceListener {
  const routes: { prefix: string; handler: ServiceHandler }[] = [];
  const server = createServer(
    { ...secureOptions(options.tls), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' },
    (req, res) => {
      const target = req.url ?? '/';
      if (target.length > MAX_TARGET_LENGTH) return sendProblem(res, 414, 'HTTP_URI_TOO_LONG');
      const path = target.split('?')[0]!;
      const route = routes.find((candidate) => path === candidate.prefix || path.startsWith(`${candidate.prefix}/`));
      if (route === undefined) {
        return sendProblem(
          res,
          404,
          'HTTP_NOT_FOUND',
          `this server answers ${routes.map((candidate) => candidate.prefix).join(', ') || 'nothing yet'}`,
        );
      }
      route.handler({ req, res, path, socket: req.socket as TLSSocket }).catch((error: unknown) => {
        options.onError(error);
        sendProblem(res, 500, 'HTTP_INTERNAL_ERROR');
      });
    },
  );
  // The feed's streams are long-lived: no limit on a whole request; idle heads still time out,
  // and each route bounds the bodies it reads.
  server.requestTimeout = 0;
  server.headersTimeout = 10_000;
  return {
    server,
    mount(prefix, handler) {
      if (!/^\/[^?#]*[^/]$/.test(prefix)) throw new Error(`a route prefix is a path without a trailing slash, not "${prefix}"`);
      if (routes.some((route) => route.prefix === prefix)) throw new Error(`${prefix} is mounted twice`);
      routes.push({ prefix, handler });
      routes.sort((a, b) => b.prefix.length - a.prefix.length);
    },
    setTls(tls) {
      server.setSecureContext(secureOptions(tls));
    },
    listen: (address) => listen(server, address),
    close: () => closeServer(server),
  };
}
