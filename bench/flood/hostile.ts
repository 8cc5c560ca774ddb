/**
 * The hostile side of bench/flood.ts, run as its own process: keeps `--count` connections of one
 * `--kind` open against 127.0.0.1:`--port` until `--seconds` pass, then exits by itself. Each
 * connection the server closes is opened again after `--reconnect-ms` (an attacker keeps up its
 * numbers; a negative value: never). Connections are opened at most `--opening` at a time. Kinds:
 *   idle         TCP connect, then nothing;
 *   slow-hello   a real ClientHello, one byte a second;
 *   half         the whole ClientHello, then nothing (the server's flight is never answered);
 *   no-cert      a full TLS handshake without a client certificate (section 2: refused in it).
 * Prints one JSON line to stdout once as many connections got through their opening as there are
 * slots ({"ramped": ...}), and one when it stops
 * ({"opened": ..., "closedByServer": ...}).
 */
import { createServer, connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { parseArgs } from 'node:util';

const KINDS = ['idle', 'slow-hello', 'half', 'no-cert'] as const;
type Kind = (typeof KINDS)[number];

const { values } = parseArgs({
  options: {
    kind: { type: 'string' },
    count: { type: 'string', default: '4000' },
    port: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    'reconnect-ms': { type: 'string', default: '1000' },
    opening: { type: 'string', default: '256' },
  },
});
const kind = values.kind as Kind;
if (!(KINDS as readonly string[]).includes(kind)) throw new Error(`--kind is one of ${KINDS.join(', ')}`);
const count = Number(values.count);
const port = Number(values.port);
const reconnectMs = Number(values['reconnect-ms']);
const maxOpening = Number(values.opening);

/** A real ClientHello (TLS 1.3 and 1.2 offered), as node:tls sends it: caught by a local TCP server. */
function captureClientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        resolve(chunk);
        socket.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      const client = connectTls({ host: '127.0.0.1', port: address.port, servername: 'localhost', rejectUnauthorized: false });
      client.on('error', () => undefined);
    });
  });
}

const hello = await captureClientHello();
let opened = 0;
let closedByServer = 0;
let opening = 0;
/** Connection attempts that got through their opening (connected, or closed while opening). */
let settled = 0;
let isStopping = false;
const waiting: (() => void)[] = [];
/** Slow-hello connections and how many bytes each has sent. */
const slow = new Map<Socket, number>();
const live = new Set<{ destroy(): void }>();

function openOne(): void {
  if (isStopping) return;
  if (opening >= maxOpening) {
    waiting.push(openOne);
    return;
  }
  opening++;
  opened++;
  let isConnected = false;
  const onOpen = (): void => {
    isConnected = true;
    opening--;
    settled++;
    waiting.shift()?.();
  };
  const onClose = (): void => {
    if (!isConnected) onOpen();
    if (isStopping) return;
    closedByServer++;
    if (reconnectMs >= 0) setTimeout(openOne, reconnectMs);
  };
  if (kind === 'no-cert') {
    const socket = connectTls({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    live.add(socket);
    socket.once('secureConnect', onOpen);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      live.delete(socket);
      onClose();
    });
    return;
  }
  const socket = connectTcp({ host: '127.0.0.1', port });
  live.add(socket);
  socket.once('connect', () => {
    onOpen();
    if (kind === 'half') socket.write(hello);
    else if (kind === 'slow-hello') slow.set(socket, 0);
  });
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
  socket.once('close', () => {
    live.delete(socket);
    slow.delete(socket);
    onClose();
  });
}

// One timer for every slow ClientHello: the next byte of each, once a second.
const dripper = setInterval(() => {
  for (const [socket, sent] of slow) {
    if (sent >= hello.length) continue;
    socket.write(hello.subarray(sent, sent + 1));
    slow.set(socket, sent + 1);
  }
}, 1000);

const started = performance.now();
for (let i = 0; i < count; i++) openOne();
const ramp = setInterval(() => {
  // Ramped: as many attempts settled as there are slots (reopened ones included).
  if (settled >= count) {
    clearInterval(ramp);
    process.stdout.write(`${JSON.stringify({ ramped: true, ms: Math.round(performance.now() - started), opened })}\n`);
  }
}, 50);

setTimeout(
  () => {
    isStopping = true;
    clearInterval(dripper);
    clearInterval(ramp);
    for (const socket of live) socket.destroy();
    process.stdout.write(`${JSON.stringify({ opened, closedByServer })}\n`);
    setTimeout(() => process.exit(0), 200);
  },
  Number(values.seconds) * 1000,
);
