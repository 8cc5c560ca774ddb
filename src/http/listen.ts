import type { Server } from 'node:net';
import { SymbolonError } from '../errors.js';

/** Where a server listens. Port 0 picks a free port. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Starts `server` on `address` (with a queue of `backlog` connections not yet accepted: Node's
 * default 511 when left out); resolves with the port it got. Throws `HTTP_LISTEN_FAILED`.
 */
export function listen(server: Server, address: ListenAddress, backlog?: number): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new SymbolonError('HTTP_LISTEN_FAILED', `cannot listen on ${address.host}:${address.port} (${error.code ?? error.message})`, {
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    server.listen({ port: address.port, host: address.host, ...(backlog === undefined ? {} : { backlog }) }, () => {
      server.off('error', onError);
      const bound = server.address();
      resolve({ host: address.host, port: typeof bound === 'object' && bound !== null ? bound.port : address.port });
    });
  });
}

/** Stops accepting, ends idle and busy connections, and resolves when the server is closed. */
export function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/** The URL authority of an address: IPv6 hosts in brackets. */
export function hostPort(address: ListenAddress): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}
