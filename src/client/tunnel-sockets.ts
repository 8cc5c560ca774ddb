import type { Server, Socket } from 'node:net';
import type { StagedRelay } from './staged-relay.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A running tunnel (either mode). */
export interface Tunnel {
  readonly address: HostPort;
  close(): Promise<void>;
}

/**
 * Joins `streamed` and `staged` both ways: `streamed` is read as a stream; `staged` was created
 * with `toStreamed.onread` (Node takes `onread` only for sockets it connects, not accepted ones).
 * Either closing or failing ends both.
 */
export function splice(streamed: Socket, staged: Socket, toStreamed: StagedRelay): void {
  // A relay adds a hop: Nagle's algorithm on it would hold small writes for the peer's delayed ACK (~40 ms).
  streamed.setNoDelay(true);
  staged.setNoDelay(true);
  // A FIN (or TLS close_notify) from one side ends only that direction: a client that half-closes
  // after its request still gets the answer. Set here, once both are connected: a socket
  // half-closed in its TLS handshake is not kept open.
  streamed.allowHalfOpen = true;
  staged.allowHalfOpen = true;
  streamed.pipe(staged);
  toStreamed.from(staged);
  const end = (): void => {
    streamed.destroy();
    staged.destroy();
  };
  streamed.on('error', end);
  staged.on('error', end);
  streamed.on('close', end);
  staged.on('close', end);
}

/** Listens on `listen`; resolves with the port bound (port 0 gets a free one). */
export async function listening(server: Server, listen: HostPort): Promise<HostPort> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return { host: listen.host, port: typeof address === 'object' && address !== null ? address.port : listen.port };
}
