import type { Server, Socket } from 'node:net';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A running tunnel (either mode). */
export interface Tunnel {
  readonly address: HostPort;
  close(): Promise<void>;
}

/** Pipes `a` and `b` both ways; either closing or failing ends both. */
export function splice(a: Socket, b: Socket): void {
  // A relay adds a hop: Nagle's algorithm on it would hold small writes for the peer's delayed ACK (~40 ms).
  a.setNoDelay(true);
  b.setNoDelay(true);
  a.pipe(b);
  b.pipe(a);
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end);
  b.on('error', end);
  a.on('close', end);
  b.on('close', end);
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
