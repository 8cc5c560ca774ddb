import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { test } from 'node:test';
import { closeServer, createFastPathServer, listen } from '../../src/http/index.js';
import type { FastPath } from '../../src/http/index.js';

/** Fast: POST /fast with a text/plain body, answered with the body reversed (`slow` after 200 ms). Everything else: the fallback, which names itself. */
const fastPath: FastPath = {
  claims: (head) =>
    head.method === 'POST' &&
    head.target === '/fast' &&
    head.fields.some((field, i) => i % 2 === 0 && field.toLowerCase() === 'content-type' && head.fields[i + 1] === 'text/plain'),
  serve: async (head, body) => {
    if (body.toString() === 'throw') throw new Error('the fast path failed');
    if (body.toString() === 'slow') await new Promise((resolve) => setTimeout(resolve, 200));
    return {
      status: 200,
      fields: [
        ['Content-Type', 'text/plain'],
        ['X-Served-By', 'fast'],
      ],
      body: Buffer.from([...body.toString()].reverse().join('')),
    };
  },
};

async function withServer(
  fn: (port: number, errors: unknown[], server: Server) => Promise<void>,
  timeouts = { requestTimeoutMs: 10_000, idleTimeoutMs: 5_000 },
): Promise<void> {
  const fallback = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = `fallback ${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': 'fallback', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  const errors: unknown[] = [];
  const server = createFastPathServer({
    fastPath,
    fallback,
    maxHeaderBytes: 4096,
    maxBodyBytes: 64,
    ...timeouts,
    onError: (error) => errors.push(error),
  });
  const { port } = await listen(server, { host: '127.0.0.1', port: 0 });
  try {
    await fn(port, errors, server);
  } finally {
    await closeServer(server);
  }
}

/** Writes `parts` (with pauses between them) on one connection and reads until `count` responses or close. */
async function exchange(
  port: number,
  parts: readonly string[],
  count: number,
  timeoutMs = 3000,
): Promise<{ responses: { status: number; servedBy: string; body: string; connection: string }[]; isClosed: boolean }> {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  let isClosed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('close', () => (isClosed = true));
  socket.on('error', () => undefined);
  const parse = (): { status: number; servedBy: string; body: string; connection: string }[] => {
    const responses = [];
    let rest = received;
    for (;;) {
      const end = rest.indexOf('\r\n\r\n');
      if (end < 0) break;
      const head = rest.slice(0, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (rest.length < end + 4 + length) break;
      const status = Number(head.slice(9, 12));
      const body = rest.slice(end + 4, end + 4 + length);
      rest = rest.slice(end + 4 + length);
      // An interim 100 Continue is not an answer.
      if (status < 200) continue;
      responses.push({
        status,
        servedBy: /\r\nx-served-by: *(\S+)/i.exec(head)?.[1] ?? '',
        body,
        connection: /\r\nconnection: *(\S+)/i.exec(head)?.[1]?.toLowerCase() ?? '',
      });
    }
    return responses;
  };
  try {
    for (const part of parts) {
      socket.write(part);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const started = Date.now();
    while (parse().length < count && !isClosed && Date.now() - started < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 10));
    return { responses: parse(), isClosed };
  } finally {
    socket.destroy();
  }
}

const fast = (body: string, extra = ''): string =>
  `POST /fast HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

test('claimed requests are answered by the fast path, pipelined ones in order, split across reads too', async () => {
  await withServer(async (port) => {
    const whole = fast('abc') + fast('defg');
    const { responses } = await exchange(port, [whole.slice(0, 30), whole.slice(30, 75), whole.slice(75)], 2);
    assert.deepEqual(
      responses.map((r) => [r.status, r.servedBy, r.body]),
      [
        [200, 'fast', 'cba'],
        [200, 'fast', 'gfed'],
      ],
    );
  });
});

test('the first request the fast path does not claim hands the connection, with the bytes already read, to node:http for good', async () => {
  await withServer(async (port) => {
    const { responses } = await exchange(port, [fast('one') + 'GET /crl HTTP/1.1\r\nHost: a\r\n\r\n' + fast('two'), fast('three')], 4);
    assert.deepEqual(
      responses.map((r) => [r.servedBy, r.body]),
      [
        ['fast', 'eno'],
        ['fallback', 'fallback GET /crl '],
        ['fallback', 'fallback POST /fast two'],
        ['fallback', 'fallback POST /fast three'],
      ],
    );
  });
});

test('what the fast path leaves alone goes to the fallback: another type, a body over the cap, chunked, Expect, HTTP/1.0, a malformed head', async () => {
  await withServer(async (port) => {
    const cases: [string, string][] = [
      ['POST /fast HTTP/1.1\r\nHost: a\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi', 'fallback POST /fast hi'],
      [fast('x'.repeat(65)), `fallback POST /fast ${'x'.repeat(65)}`],
      [
        'POST /fast HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
        'fallback POST /fast hi',
      ],
      [fast('hi', 'Expect: 100-continue\r\n'), 'fallback POST /fast hi'],
      ['POST /fast HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi', 'fallback POST /fast hi'],
    ];
    for (const [request, body] of cases) {
      const { responses } = await exchange(port, [request], 1);
      assert.equal(responses[0]?.body, body, request);
    }
    // A head the strict parser refuses is node:http's to refuse too (400, closed), not a crash here.
    const bad = await exchange(port, ['POST /fast HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'], 1);
    assert.ok(bad.isClosed || bad.responses[0]?.status === 400, JSON.stringify(bad));
    // A head ended by bare LFs goes to node:http at once (the gateway's reader refuses it too), not after the request timeout.
    const bareLf = await exchange(port, ['POST /fast HTTP/1.1\nHost: a\nContent-Length: 2\n\nhi'], 1);
    assert.ok(bareLf.isClosed || bareLf.responses.length === 1, JSON.stringify(bareLf));
  });
});

test('Connection: close is honoured, a failing fast path is a 500 that closes the connection and is reported, and the server keeps serving', async () => {
  await withServer(async (port, errors) => {
    const closing = await exchange(port, [fast('bye', 'Connection: close\r\n')], 1);
    assert.equal(closing.responses[0]?.connection, 'close');
    assert.equal(closing.responses[0]?.body, 'eyb');
    const failed = await exchange(port, [fast('throw')], 1);
    assert.equal(failed.responses[0]?.status, 500);
    assert.equal(errors.length, 1);
    assert.equal((await exchange(port, [fast('ok')], 1)).responses[0]?.body, 'ko');
  });
});

test('a request body that stops coming is cut off after the request timeout, and an idle keep-alive connection after the idle timeout', async () => {
  await withServer(
    async (port) => {
      const started = Date.now();
      const stalled = await exchange(
        port,
        ['POST /fast HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nabc'],
        1,
        3000,
      );
      assert.equal(stalled.isClosed, true);
      assert.ok(Date.now() - started < 2000, `closed after ${Date.now() - started} ms`);
      const idle = connect(port, '127.0.0.1');
      const closedAfter = await new Promise<number>((resolve) => {
        const opened = Date.now();
        idle.on('close', () => resolve(Date.now() - opened));
        idle.on('error', () => undefined);
      });
      assert.ok(closedAfter >= 250 && closedAfter < 2000, `idle connection closed after ${closedAfter} ms`);
    },
    { requestTimeoutMs: 500, idleTimeoutMs: 300 },
  );
});

test('closeServer ends fast-path and handed-over connections alike', async () => {
  const fallback = createHttpServer((_req, res) => res.end('x'));
  const server = createFastPathServer({
    fastPath,
    fallback,
    maxHeaderBytes: 4096,
    maxBodyBytes: 64,
    requestTimeoutMs: 10_000,
    idleTimeoutMs: 10_000,
    onError: () => undefined,
  });
  const { port } = await listen(server, { host: '127.0.0.1', port: 0 });
  const sockets = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
  sockets[0]!.write(fast('a'));
  sockets[1]!.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const closed = sockets.map((socket) => new Promise<void>((resolve) => socket.on('close', () => resolve())));
  for (const socket of sockets) {
    socket.on('error', () => undefined);
    socket.resume();
  }
  await closeServer(server);
  await Promise.race([
    Promise.all(closed),
    new Promise((_, reject) => setTimeout(() => reject(new Error('connections still open')), 2000)),
  ]);
  assert.equal(server.listening, false);
});

test('a client that stops reading after a Connection: close request does not keep its connection: it is closed once the answer is written', async () => {
  await withServer(async (port, _errors, server) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      // Never read: the client would never see the FIN, so it would never answer it.
      socket.pause();
      socket.write(fast('bye', 'Connection: close\r\n'));
      const started = Date.now();
      let open = 1;
      while (open > 0 && Date.now() - started < 3000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        open = await new Promise<number>((resolve) => server.getConnections((_error, count) => resolve(count)));
      }
      assert.equal(open, 0, 'the connection is still open');
    } finally {
      socket.destroy();
    }
  });
});

/** Writes `text` and half-closes (TCP FIN), then reads until the server closes. */
function sendAndHalfClose(port: number, text: string, timeoutMs = 5000): Promise<{ received: string; isClosedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ received, isClosedByServer: false });
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, isClosedByServer: true });
    });
    socket.end(text);
  });
}

test('a client that half-closes after its requests (TCP FIN) gets every answer, even one that takes a while, then the server closes', async () => {
  await withServer(async (port) => {
    const { received, isClosedByServer } = await sendAndHalfClose(port, fast('slow') + fast('xyz'));
    assert.ok(isClosedByServer, 'the server closes once it has answered');
    assert.equal(received.match(/HTTP\/1\.1 200 /g)?.length, 2, received);
    assert.ok(received.includes('\r\n\r\nwols') && received.endsWith('\r\n\r\nzyx'), received);
  });
});

test('a client that half-closes in the middle of a request gets no answer and the connection closes', async () => {
  await withServer(async (port) => {
    const { received, isClosedByServer } = await sendAndHalfClose(port, fast('abc') + fast('xyz').slice(0, 30));
    assert.ok(isClosedByServer);
    assert.equal(received.match(/HTTP\/1\.1 200 /g)?.length, 1, received);
  });
});
