import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { delay } from './support/tls-clients.js';
import { rawConnect, rawExchange } from './support/raw-http1.js';
import type { RawConnection } from './support/raw-http1.js';
import { fieldOf, startRawUpstream, targetOf } from './support/raw-upstream.js';
import type { RawUpstream, RawUpstreamConnection } from './support/raw-upstream.js';

let env: E2eEnv;
let client: CertificateFiles;

before(async () => {
  env = await startE2eEnv('http1-upstreams');
  client = await env.issue('upstreams-client');
});

after(async () => {
  await env?.close();
});

const H = 'Host: localhost\r\n';

/** A raw upstream and a gateway in front of it for one test; both closed after. */
async function withUpstream(
  onHead: (socket: Socket, head: string, connection: RawUpstreamConnection) => void | { readonly skip: number },
  fn: (gw: TestGateway, upstream: RawUpstream) => Promise<void>,
  route: Record<string, unknown> = {},
  otherRoutes: readonly Record<string, unknown>[] = [],
): Promise<void> {
  const upstream = await startRawUpstream(onHead);
  try {
    const gw = await startTestGateway(
      env,
      makeConfig(env, { isAdminless: true, routes: [{ upstream: upstream.url, ...route }, ...otherRoutes] }),
    );
    try {
      await fn(gw, upstream);
      assert.deepEqual(gw.errors.map(String), [], 'the gateway reported errors');
    } finally {
      await gw.close();
    }
  } finally {
    await upstream.close();
  }
}

async function withConnection(gw: TestGateway, fn: (connection: RawConnection) => Promise<void>): Promise<void> {
  const connection = await rawConnect(env, gw.port, { client });
  try {
    await fn(connection);
  } finally {
    connection.destroy();
  }
}

const ok = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

test('17. a chunked upstream response reaches the client whole and chunked, and the connection stays usable', async () => {
  await withUpstream(
    (socket, head) => {
      if (targetOf(head) === '/chunked')
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=x\r\nhello\r\n6\r\n world\r\n0\r\nX-Upstream-Trailer: t\r\n\r\n',
        );
      else socket.write(ok(`next ${targetOf(head)}`));
    },
    async (gw, upstream) => {
      await withConnection(gw, async (connection) => {
        connection.write(`GET /chunked HTTP/1.1\r\n${H}\r\n`);
        const first = await connection.waitForResponses(1, 3000);
        assert.equal(first.error, undefined, connection.received().toString('latin1'));
        assert.equal(first.responses[0]?.status, 200);
        assert.equal(first.responses[0].isChunked, true);
        assert.equal(first.responses[0].body.toString(), 'hello world');
        assert.equal(first.rest.length, 0);
        connection.write(`GET /second HTTP/1.1\r\n${H}\r\n`);
        const both = await connection.waitForResponses(2, 3000);
        assert.equal(both.responses[1]?.status, 200);
        assert.equal(both.responses[1].body.toString(), 'next /second');
        assert.ok(!connection.isClosed);
      });
      assert.equal(upstream.connections.length, 1, 'a chunked response ending cleanly leaves the upstream connection reusable');
    },
  );
});

test('18. a close-delimited upstream body is re-framed chunked for HTTP/1.1 and the client connection stays usable; HTTP/1.0 gets it read until close', async () => {
  const body = Array.from({ length: 3 }, (_, i) => `part ${i} ${'z'.repeat(1000 * (i + 1))}\n`);
  await withUpstream(
    (socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
      let i = 0;
      const timer = setInterval(() => {
        if (i < body.length) socket.write(body[i++]!);
        else {
          clearInterval(timer);
          socket.end();
        }
      }, 20);
      socket.once('close', () => clearInterval(timer));
    },
    async (gw, upstream) => {
      await withConnection(gw, async (connection) => {
        connection.write(`GET /close-delimited HTTP/1.1\r\n${H}\r\n`);
        const first = await connection.waitForResponses(1, 5000);
        assert.equal(first.error, undefined);
        assert.equal(first.responses.length, 1, connection.received().toString('latin1').slice(0, 300));
        assert.equal(first.responses[0]!.isChunked, true, 're-framed as chunked');
        assert.equal(first.responses[0]!.body.toString(), body.join(''));
        assert.ok(!connection.isClosed, 'the client connection stays open');
        connection.write(`GET /again HTTP/1.1\r\n${H}\r\n`);
        const both = await connection.waitForResponses(2, 5000);
        assert.equal(both.responses[1]?.status, 200);
        assert.equal(both.responses[1].body.toString(), body.join(''));
      });
      assert.equal(upstream.connections.length, 2, 'a close-delimited response uses its upstream connection up');
      const ten = await rawExchange(env, gw.port, client, `GET /ten HTTP/1.0\r\n${H}Connection: keep-alive\r\n\r\n`, {
        expectClose: true,
        timeoutMs: 5000,
      });
      assert.ok(ten.isClosed, 'HTTP/1.0 learns the end by the close');
      assert.equal(ten.responses.length, 1);
      assert.equal(ten.responses[0]!.isCloseDelimited, true);
      assert.equal(ten.responses[0]!.body.toString(), body.join(''));
    },
  );
});

test('19. 204 and 304 upstream responses carry no body and the connection stays usable', async () => {
  await withUpstream(
    (socket, head) => {
      const target = targetOf(head);
      if (target === '/204') socket.write('HTTP/1.1 204 No Content\r\nX-Kind: none\r\n\r\n');
      else if (target === '/304') socket.write('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 10\r\n\r\n');
      else socket.write(ok(`after ${target}`));
    },
    async (gw, upstream) => {
      const exchange = await rawExchange(
        env,
        gw.port,
        client,
        `GET /204 HTTP/1.1\r\n${H}\r\nGET /304 HTTP/1.1\r\n${H}If-None-Match: "v1"\r\n\r\nGET /after HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
        { expected: 3, expectClose: true },
      );
      assert.equal(exchange.error, undefined, exchange.raw.toString('latin1'));
      assert.deepEqual(
        exchange.responses.map((response) => response.status),
        [204, 304, 200],
      );
      assert.equal(exchange.responses[0]!.header('x-kind'), 'none');
      assert.equal(exchange.responses[0]!.header('transfer-encoding'), undefined);
      assert.equal(exchange.responses[1]!.header('etag'), '"v1"');
      assert.equal(exchange.responses[1]!.header('transfer-encoding'), undefined);
      assert.equal(exchange.responses[2]!.body.toString(), 'after /after');
      assert.equal(exchange.rest.length, 0);
      assert.equal(upstream.connections.length, 1, 'bodiless responses leave the upstream connection reusable');
    },
  );
});

test('20. garbage or ambiguous framing instead of a response head gives 502 upstream_unavailable', async () => {
  let breakLater = (): void => undefined;
  await withUpstream(
    (socket, head) => {
      const target = targetOf(head);
      if (target === '/ssh') socket.write('SSH-2.0-OpenSSH_9.6\r\n\r\n');
      else if (target === '/two-lengths') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!');
      else if (target === '/fold') socket.write('HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok');
      else if (target === '/bad-chunk') socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
      else if (target === '/late-bad-chunk') {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
        breakLater = () => socket.write('zz\r\n');
      } else socket.write(ok('fine'));
    },
    async (gw) => {
      for (const path of ['/ssh', '/two-lengths', '/fold']) {
        const exchange = await rawExchange(env, gw.port, client, `GET ${path} HTTP/1.1\r\n${H}\r\n`, { timeoutMs: 5000 });
        assert.equal(exchange.responses.length, 1, `${path}: ${exchange.raw.toString('latin1')}`);
        assert.equal(exchange.responses[0]!.status, 502, path);
        assert.equal(exchange.responses[0]!.json()['reason'], 'upstream_unavailable', path);
        assert.ok(!exchange.raw.toString('latin1').includes('SSH-2.0'), 'upstream garbage never reaches the client');
      }
      // Broken in the read that brought the head: nothing has been sent, so the client gets a 502.
      const early = await rawExchange(env, gw.port, client, `GET /bad-chunk HTTP/1.1\r\n${H}\r\n`, { timeoutMs: 5000 });
      assert.equal(early.responses[0]?.status, 502, early.raw.toString('latin1'));
      // A chunked body that breaks after the head was relayed: the client learns by the close.
      await withConnection(gw, async (connection) => {
        connection.write(`GET /late-bad-chunk HTTP/1.1\r\n${H}\r\n`);
        const head = await connection.waitForBytes(1, 5000);
        assert.match(head.toString('latin1'), /^HTTP\/1\.1 200 /);
        breakLater();
        assert.ok(await connection.waitForClose(5000));
        assert.equal(connection.parse().responses.length, 0, 'no complete response from a broken chunked body');
      });
    },
  );
});

test('21. an upstream closing mid-body closes the client connection without a complete response, never a hang', async () => {
  await withUpstream(
    (socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789');
      setTimeout(() => socket.end(), 50);
    },
    async (gw) => {
      const started = performance.now();
      const exchange = await rawExchange(env, gw.port, client, `GET /mid-body HTTP/1.1\r\n${H}\r\n`, {
        expectClose: true,
        timeoutMs: 5000,
      });
      const elapsed = performance.now() - started;
      assert.ok(exchange.isClosed, 'the client connection is closed');
      assert.ok(elapsed < 3000, `closed after ${elapsed.toFixed(0)} ms`);
      assert.equal(exchange.responses.length, 0, 'the response must not look complete');
      const text = exchange.raw.toString('latin1');
      assert.match(text, /^HTTP\/1\.1 200 /);
      assert.match(text, /content-length: 1000/i);
      assert.ok(text.endsWith('0123456789'), JSON.stringify(text.slice(-40)));
    },
  );
});

test('22. an upstream that never answers gives 504 upstream_timeout after the route upstreamTimeoutMs', async () => {
  await withUpstream(
    () => undefined,
    async (gw) => {
      const started = performance.now();
      const exchange = await rawExchange(env, gw.port, client, `GET /never HTTP/1.1\r\n${H}\r\n`, { timeoutMs: 5000 });
      const elapsed = performance.now() - started;
      assert.equal(exchange.responses.length, 1, exchange.raw.toString('latin1'));
      assert.equal(exchange.responses[0]!.status, 504);
      assert.equal(exchange.responses[0]!.json()['reason'], 'upstream_timeout');
      assert.ok(elapsed >= 400 && elapsed < 3000, `504 after ${elapsed.toFixed(0)} ms, expected about 500`);
    },
    { upstreamTimeoutMs: 500 },
  );
});

test('23. an upstream closing idle keep-alive connections: the next GET still gets 200; a reused connection closed under a GET is retried, under a POST it is not', async () => {
  await withUpstream(
    (socket, head) => {
      socket.write(ok(`served ${targetOf(head)}`));
      setTimeout(() => socket.end(), 50);
    },
    async (gw, upstream) => {
      await withConnection(gw, async (connection) => {
        for (let i = 1; i <= 3; i++) {
          connection.write(`GET /idle-close/${i} HTTP/1.1\r\n${H}\r\n`);
          const parsed = await connection.waitForResponses(i, 3000);
          assert.equal(parsed.responses[i - 1]?.status, 200, connection.received().toString('latin1'));
          assert.equal(parsed.responses[i - 1]!.body.toString(), `served /idle-close/${i}`);
          await delay(200);
        }
      });
      assert.equal(upstream.connections.length, 3);
    },
  );
  // The race itself: the upstream keeps the connection, then closes it as the second request arrives, unanswered.
  await withUpstream(
    (socket, head, connection) => {
      if (connection.heads.length >= 2) socket.destroy();
      else socket.write(ok(`served ${targetOf(head)}`));
    },
    async (gw, upstream) => {
      await withConnection(gw, async (connection) => {
        connection.write(`GET /race/1 HTTP/1.1\r\n${H}\r\n`);
        assert.equal((await connection.waitForResponses(1, 3000)).responses[0]?.status, 200);
        connection.write(`GET /race/2 HTTP/1.1\r\n${H}\r\n`);
        const parsed = await connection.waitForResponses(2, 3000);
        assert.equal(
          parsed.responses[1]?.status,
          200,
          `the GET is retried once on a new connection: ${connection.received().toString('latin1')}`,
        );
        assert.equal(parsed.responses[1].body.toString(), 'served /race/2');
        connection.write(`POST /race/3 HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi`);
        const post = await connection.waitForResponses(3, 3000);
        assert.equal(post.responses[2]?.status, 502, 'a POST with a body is never retried');
        assert.equal(post.responses[2].json()['reason'], 'upstream_unavailable');
      });
      assert.equal(upstream.heads.filter((entry) => targetOf(entry.head) === '/race/3').length, 1, 'the POST reached the upstream once');
    },
  );
});

test('24. an upstream answering 413 before reading a large upload: the client gets 413, then the connection closes', async () => {
  await withUpstream(
    (socket) => {
      socket.write('HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\ntoo big!');
    },
    async (gw, upstream) => {
      await withConnection(gw, async (connection) => {
        connection.write(`POST /upload HTTP/1.1\r\n${H}Content-Length: 10000000\r\n\r\n`);
        connection.write(Buffer.alloc(64 * 1024, 0x61));
        const parsed = await connection.waitForResponses(1, 5000);
        assert.equal(parsed.responses.length, 1, connection.received().toString('latin1').slice(0, 300));
        assert.equal(parsed.responses[0]!.status, 413);
        assert.equal(parsed.responses[0]!.body.toString(), 'too big!');
        assert.equal(parsed.responses[0]!.header('connection'), 'close');
        assert.ok(await connection.waitForClose(3000), 'the connection closes: the rest of the body will not be read');
      });
      assert.equal(upstream.heads.length, 1);
    },
  );
});

test('25. Connection: close from the upstream: the client still gets the response and the next request opens a new upstream connection', async () => {
  await withUpstream(
    (socket, head) => {
      const target = targetOf(head);
      if (target.startsWith('/close')) {
        socket.end(ok(`closing ${target}`, 'Connection: close\r\n'));
      } else socket.write(ok(`kept ${target}`));
    },
    async (gw, upstream) => {
      await withConnection(gw, async (connection) => {
        connection.write(`GET /close/1 HTTP/1.1\r\n${H}\r\n`);
        const first = await connection.waitForResponses(1, 3000);
        assert.equal(first.responses[0]?.status, 200);
        assert.equal(first.responses[0].body.toString(), 'closing /close/1');
        assert.notEqual(first.responses[0].header('connection'), 'close', 'the upstream connection header is hop-by-hop');
        connection.write(`GET /close/2 HTTP/1.1\r\n${H}\r\n`);
        const second = await connection.waitForResponses(2, 3000);
        assert.equal(second.responses[1]?.status, 200);
        assert.equal(second.responses[1].body.toString(), 'closing /close/2');
        assert.ok(!connection.isClosed);
      });
      assert.deepEqual(
        upstream.heads.map((entry) => [entry.connection, targetOf(entry.head)]),
        [
          [0, '/close/1'],
          [1, '/close/2'],
        ],
      );
      // Control: without Connection: close the upstream connection is reused.
      await withConnection(gw, async (connection) => {
        connection.write(`GET /keep/1 HTTP/1.1\r\n${H}\r\n`);
        await connection.waitForResponses(1, 3000);
        connection.write(`GET /keep/2 HTTP/1.1\r\n${H}\r\n`);
        const parsed = await connection.waitForResponses(2, 3000);
        assert.deepEqual(
          parsed.responses.map((response) => response.body.toString()),
          ['kept /keep/1', 'kept /keep/2'],
        );
      });
      const keeps = upstream.heads.filter((entry) => targetOf(entry.head).startsWith('/keep'));
      assert.equal(keeps.length, 2);
      assert.equal(keeps[0]!.connection, keeps[1]!.connection, 'a keep-alive upstream connection is reused');
      assert.equal(fieldOf(keeps[0]!.head, 'host'), 'localhost');
    },
  );
});

test('26. a request that timed out waiting for the pool (maxUpstreamConnections 1) gets 504, and the connection the pool hands over late goes to no one else', async () => {
  const held: Socket[] = [];
  await withUpstream(
    (socket, head) => {
      // The first request holds the only upstream connection for about 1.2 s, its body trickling in
      // well within the 500 ms timeout between reads; the others are answered at once.
      if (targetOf(head) === '/hold') {
        held.push(socket);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n');
        for (let i = 0; i < 6; i++) setTimeout(() => socket.write('held'[i] ?? '!'), 200 * (i + 1));
      } else socket.write(ok(`answer ${targetOf(head)}`));
    },
    async (gw) => {
      await withConnection(gw, async (holder) => {
        holder.write(`GET /hold HTTP/1.1\r\n${H}\r\n`);
        await delay(100);
        await withConnection(gw, async (waiter) => {
          waiter.write(`GET /waits HTTP/1.1\r\n${H}\r\n`);
          const timedOut = await waiter.waitForResponses(1, 3000);
          assert.equal(timedOut.responses[0]?.status, 504, waiter.received().toString('latin1'));
          const first = await holder.waitForResponses(1, 4000);
          assert.equal(first.responses[0]?.status, 200);
          assert.equal(first.responses[0].body.toString(), 'held!!');
          // The pool handed the held connection to the timed-out request's callback, which gave it
          // back: the next request on the waiter's connection gets it and its own answer.
          waiter.write(`GET /after HTTP/1.1\r\n${H}\r\n`);
          const next = await waiter.waitForResponses(2, 4000);
          assert.equal(next.responses[1]?.status, 200, waiter.received().toString('latin1'));
          assert.equal(next.responses[1].body.toString(), 'answer /after');
        });
      });
    },
    { maxUpstreamConnections: 1, upstreamTimeoutMs: 500 },
  );
  for (const socket of held) socket.destroy();
});

test('27. the connection a pool hands over late goes back to its own pool, even when the client has moved on to another route', async () => {
  const held: Socket[] = [];
  const other = await startRawUpstream((socket, head) => void socket.write(ok(`other ${targetOf(head)}`)));
  try {
    await withUpstream(
      (socket, head) => {
        // As in 26: the first request holds route /a's only upstream connection for about 1.2 s.
        if (targetOf(head) === '/a/hold') {
          held.push(socket);
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n');
          for (let i = 0; i < 6; i++) setTimeout(() => socket.write('held'[i] ?? '!'), 200 * (i + 1));
        } else socket.write(ok(`first ${targetOf(head)}`));
      },
      async (gw) => {
        await withConnection(gw, async (holder) => {
          holder.write(`GET /a/hold HTTP/1.1\r\n${H}\r\n`);
          await delay(100);
          await withConnection(gw, async (waiter) => {
            waiter.write(`GET /a/waits HTTP/1.1\r\n${H}\r\n`);
            assert.equal((await waiter.waitForResponses(1, 3000)).responses[0]?.status, 504, waiter.received().toString('latin1'));
            // The waiter's connection moves on to route /b before the pool of /a hands over its connection.
            waiter.write(`GET /b/one HTTP/1.1\r\n${H}\r\n`);
            assert.equal((await waiter.waitForResponses(2, 4000)).responses[1]!.body.toString(), 'other /b/one');
            assert.equal((await holder.waitForResponses(1, 4000)).responses[0]!.body.toString(), 'held!!');
            waiter.write(`GET /b/two HTTP/1.1\r\n${H}\r\n`);
            const two = await waiter.waitForResponses(3, 4000);
            assert.equal(two.responses[2]!.body.toString(), 'other /b/two', "route /b's requests go to its own upstream");
          });
          // Route /a's pool got its connection back: its one slot serves the next request.
          holder.write(`GET /a/after HTTP/1.1\r\n${H}\r\n`);
          const after = await holder.waitForResponses(2, 4000);
          assert.equal(after.responses[1]?.status, 200, holder.received().toString('latin1'));
        });
      },
      { pathPrefix: '/a', maxUpstreamConnections: 1, upstreamTimeoutMs: 500 },
      [{ pathPrefix: '/b', upstream: other.url }],
    );
  } finally {
    for (const socket of held) socket.destroy();
    await other.close();
  }
});

test('28. a chunked upstream response to an HTTP/1.0 request, which the client could not read, gives 502 upstream_unavailable', async () => {
  await withUpstream(
    (socket) => void socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
    async (gw) => {
      const exchange = await rawExchange(env, gw.port, client, `GET /chunked HTTP/1.0\r\n${H}\r\n`, { expectClose: true, timeoutMs: 5000 });
      assert.equal(exchange.responses.length, 1, exchange.raw.toString('latin1'));
      assert.equal(exchange.responses[0]!.status, 502);
      assert.equal(exchange.responses[0]!.json()['reason'], 'upstream_unavailable');
    },
  );
});
