import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, OnReadOpts, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { StagedRelay } from '../../src/client/staged-relay.js';
import { selfSignedServer } from '../support/self-signed-server.js';

const dir = mkdtempSync(join(tmpdir(), 'symbolon-staged-relay-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A source that writes `payload` in pieces of random sizes, then ends. */
function sendInPieces(socket: Socket, payload: Buffer): void {
  let at = 0;
  const next = (): void => {
    while (at < payload.length) {
      const piece = payload.subarray(at, at + 1 + Math.floor(Math.random() * 200_000));
      at += piece.length;
      if (!socket.write(piece)) return void socket.once('drain', next);
    }
    socket.end();
  };
  next();
}

/**
 * A sink that reads slowly (stops for 20 ms after every 256 KiB), so the relay meets backpressure:
 * resolves with the SHA-256 of all it received once the relay ended it.
 */
function slowSink(): { port: Promise<number>; digest: Promise<{ sha256: string; bytes: number }>; close: () => void } {
  let resolveDigest: (value: { sha256: string; bytes: number }) => void;
  const digest = new Promise<{ sha256: string; bytes: number }>((resolve) => (resolveDigest = resolve));
  const server = createNetServer((socket) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let sinceStop = 0;
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      sinceStop += chunk.length;
      if (sinceStop >= 256 * 1024) {
        sinceStop = 0;
        socket.pause();
        setTimeout(() => socket.resume(), 20);
      }
    });
    socket.on('end', () => {
      resolveDigest({ sha256: hash.digest('hex'), bytes });
      socket.end();
    });
  });
  return { port: listen(server), digest, close: () => server.close() };
}

/**
 * Relays one connection from a source to the slow sink through a StagedRelay and checks that
 * every byte arrived in order, that the sink's end came after them, and that the relay kept
 * memory bounded while the sink stalled (it paused the source instead of queueing).
 */
async function relayThrough(connectSource: (onread: OnReadOpts) => Socket, payload: Buffer): Promise<void> {
  const sink = slowSink();
  const to = netConnect(await sink.port, '127.0.0.1');
  const relay = new StagedRelay(to);
  let mostQueued = 0;
  const watch = setInterval(() => (mostQueued = Math.max(mostQueued, to.writableLength)), 1);
  const from = connectSource(relay.onread);
  relay.from(from);
  const received = await sink.digest;
  clearInterval(watch);
  from.destroy();
  to.destroy();
  sink.close();
  assert.equal(received.bytes, payload.length);
  assert.equal(received.sha256, createHash('sha256').update(payload).digest('hex'));
  // Without the pause, the whole payload would sit in the queue of the stalled sink's socket.
  assert.ok(mostQueued < 2 * 1024 * 1024, `queued at most ${mostQueued} bytes toward the stalled sink`);
}

test('a plain TCP source: 24 MiB in random pieces reach a stalling sink whole and in order, with bounded queueing', async () => {
  const payload = randomBytes(24 * 1024 * 1024);
  const source = createNetServer((socket) => sendInPieces(socket, payload));
  const port = await listen(source);
  try {
    await relayThrough((onread) => netConnect({ host: '127.0.0.1', port, onread }), payload);
  } finally {
    source.close();
  }
});

test('a TLS source (reads arrive as TLS records): 24 MiB reach a stalling sink whole and in order', async () => {
  const payload = randomBytes(24 * 1024 * 1024);
  const { key, cert } = await selfSignedServer(dir, 'source');
  const source = createTlsServer({ key, cert }, (socket) => sendInPieces(socket, payload));
  const port = await listen(source);
  try {
    await relayThrough((onread) => {
      const options: ConnectionOptions & { onread: OnReadOpts } = { host: '127.0.0.1', port, ca: cert, onread };
      return tlsConnect(options);
    }, payload);
  } finally {
    source.close();
  }
});

test('bytes staged when the source ends are written before the end: many small messages then an immediate end', async () => {
  const payload = Buffer.concat(Array.from({ length: 2000 }, (_, i) => Buffer.from(`message ${i}\n`)));
  const source = createNetServer((socket) => {
    for (let at = 0; at < payload.length; at += 100) socket.write(payload.subarray(at, at + 100));
    socket.end();
  });
  const port = await listen(source);
  try {
    await relayThrough((onread) => netConnect({ host: '127.0.0.1', port, onread }), payload);
  } finally {
    source.close();
  }
});
