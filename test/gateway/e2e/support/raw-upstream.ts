import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** One connection the raw upstream accepted: what it read so far. */
export interface RawUpstreamConnection {
  readonly index: number;
  readonly socket: Socket;
  received: Buffer;
  /** Request heads seen on this connection (up to each CRLFCRLF), in order. */
  readonly heads: string[];
}

export interface RawUpstream {
  readonly url: string;
  readonly port: number;
  readonly connections: RawUpstreamConnection[];
  /** Every request head received, across connections, with the connection index. */
  readonly heads: { readonly connection: number; readonly head: string }[];
  close(): Promise<void>;
}

/**
 * A raw TCP upstream on 127.0.0.1 port 0. `onHead` is called for every complete request head
 * (`head` is the text up to CRLFCRLF, `body` any bytes after it already read); it answers by
 * writing to the socket. Request bodies are not parsed: the next head is searched from after the
 * previous head only when `onHead` returns `consumed` (bytes of body to skip), else the rest of
 * the connection's bytes are left alone.
 */
export async function startRawUpstream(
  onHead: (socket: Socket, head: string, connection: RawUpstreamConnection) => void | { readonly skip: number },
): Promise<RawUpstream> {
  const connections: RawUpstreamConnection[] = [];
  const heads: { connection: number; head: string }[] = [];
  const server = createServer((socket) => {
    const connection: RawUpstreamConnection = { index: connections.length, socket, received: Buffer.alloc(0), heads: [] };
    connections.push(connection);
    let parsedTo = 0;
    let skipping = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      connection.received = Buffer.concat([connection.received, chunk]);
      for (;;) {
        if (skipping > 0) {
          const available = connection.received.length - parsedTo;
          const taken = Math.min(available, skipping);
          parsedTo += taken;
          skipping -= taken;
          if (skipping > 0) return;
        }
        const end = connection.received.indexOf('\r\n\r\n', parsedTo, 'latin1');
        if (end < 0) return;
        const head = connection.received.toString('latin1', parsedTo, end);
        parsedTo = end + 4;
        connection.heads.push(head);
        heads.push({ connection: connection.index, head });
        const result = onHead(socket, head, connection);
        if (result === undefined) return;
        skipping = result.skip;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections,
    heads,
    close: () =>
      new Promise((resolve) => {
        for (const connection of connections) connection.socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The request line's target of a head ("GET /x HTTP/1.1" -> "/x"). */
export function targetOf(head: string): string {
  return head.split('\r\n')[0]!.split(' ')[1] ?? '';
}

/** The first value of a field in a head (case-insensitive). */
export function fieldOf(head: string, name: string): string | undefined {
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).toLowerCase() === name.toLowerCase()) return line.slice(colon + 1).trim();
  }
  return undefined;
}
