import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as connectHttp2 } from 'node:http2';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { readText, startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { rawConnect, rawExchange } from './support/raw-http1.js';
import { startRawUpstream } from './support/raw-upstream.js';
import { waitFor } from './support/tls-clients.js';
import type { RawUpstream, RawUpstreamConnection } from './support/raw-upstream.js';

// Faults at the edges of an exchange: a response whose framing breaks in the read that brought
// its head (HTTP/1.1 and HTTP/2 clients), a request body whose framing breaks after its head, a
// response head too large.

let env: E2eEnv;
let client: CertificateFiles;
let logCount = 0;

before(async () => {
  env = await startE2eEnv('http1-upstream-faults');
  client = await env.issue('faults-client');
});

after(async () => {
  await env?.close();
});

const H = 'Host: localhost\r\n';

async function withUpstream(
  onHead: (socket: Socket, head: string, connection: RawUpstreamConnection) => void | { readonly skip: number },
  fn: (gw: TestGateway, upstream: RawUpstream, logFile: string) => Promise<void>,
  limits: Record<string, unknown> = {},
): Promise<void> {
  const upstream = await startRawUpstream(onHead);
  const logFile = join(env.dir, 'logs', `faults-${++logCount}.jsonl`);
  try {
    const gw = await startTestGateway(
      env,
      makeConfig(env, { isAdminless: true, accessLog: { file: logFile }, limits, routes: [{ upstream: upstream.url }] }),
    );
    try {
      await fn(gw, upstream, logFile);
    } finally {
      await gw.close();
    }
    assert.deepEqual(gw.errors.map(String), [], 'the gateway reported errors');
  } finally {
    await upstream.close();
  }
}

function logLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('an upstream whose first chunk is malformed in the read that brought its head: the client gets 502 and the log says what happened', async () => {
  let logFile = '';
  await withUpstream(
    (socket) => void socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'),
    async (gw, _upstream, file) => {
      logFile = file;
      const exchange = await rawExchange(env, gw.port, client, `GET /bad-chunk HTTP/1.1\r\n${H}\r\n`, { timeoutMs: 5000 });
      assert.equal(exchange.responses[0]?.status, 502, exchange.raw.toString('latin1'));
      assert.equal(exchange.responses[0].json()['reason'], 'upstream_unavailable');
    },
  );
  const line = logLines(logFile).find((entry) => entry['path'] === '/bad-chunk');
  assert.ok(line !== undefined);
  assert.equal(line['status'], 502);
  assert.equal(line['reason'], 'upstream_unavailable');
  assert.match(String(line['detail']), /chunked body is malformed/);
});

test('HTTP/2: an upstream whose first chunk is malformed in the read that brought its head gets the client a 502, logged with what happened', async () => {
  let logFile = '';
  await withUpstream(
    (socket) => void socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'),
    async (gw, _upstream, file) => {
      logFile = file;
      const session = connectHttp2(`https://127.0.0.1:${gw.port}`, {
        ca: readText(env.rootPem),
        cert: readText(client.chain),
        key: readText(client.key),
        servername: 'localhost',
      });
      try {
        const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const stream = session.request({ ':method': 'GET', ':path': '/bad-chunk-h2', ':authority': 'localhost' });
          let answered = 0;
          let text = '';
          stream.on('response', (head) => (answered = Number(head[':status'])));
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => (text += chunk));
          stream.on('end', () => resolve({ status: answered, body: text }));
          stream.on('error', reject);
        });
        assert.equal(status, 502, body);
        assert.equal((JSON.parse(body) as { reason: string }).reason, 'upstream_unavailable');
      } finally {
        session.close();
      }
    },
  );
  const line = logLines(logFile).find((entry) => entry['path'] === '/bad-chunk-h2');
  assert.equal(line?.['status'], 502);
  assert.ok(typeof line['detail'] === 'string' && line['detail'] !== '', JSON.stringify(line));
});

test('a malformed chunked request body within bufferedChunkedBodyBytes is refused 400 and nothing reaches the upstream', async () => {
  await withUpstream(
    (socket) => void socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    async (gw, upstream) => {
      // The second chunk's data is 2 bytes longer than its size says.
      const body = `400\r\n${'a'.repeat(1024)}\r\n8\r\nbbbbbbbbXX\r\n0\r\n\r\n`;
      const exchange = await rawExchange(env, gw.port, client, `POST /upload HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${body}`, {
        expectClose: true,
        timeoutMs: 5000,
      });
      assert.equal(exchange.responses[0]?.status, 400, exchange.raw.toString('latin1'));
      assert.equal(exchange.isClosed, true);
      assert.equal(upstream.heads.length, 0, 'the request head never went upstream');
      assert.equal(upstream.connections.length, 0);
    },
  );
});

test('a well-formed chunked body sent in pieces, with Expect: 100-continue, is held, then relayed whole', async () => {
  await withUpstream(
    (socket, _head, connection) => {
      // The re-framed body follows the head: answer once its last chunk is in.
      const answer = (): void => {
        if (connection.received.toString('latin1').endsWith('0\r\n\r\n')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.once('data', answer);
      };
      answer();
    },
    async (gw, upstream) => {
      const connection = await rawConnect(env, gw.port, { client });
      try {
        connection.write(`POST /pieces HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n`);
        await connection.waitForBytes(25, 3000);
        assert.match(connection.received().toString('latin1'), /^HTTP\/1\.1 100 Continue\r\n\r\n/);
        connection.write('5\r\nhello\r\n');
        connection.write('6\r\n world\r\n');
        connection.write('0\r\n\r\n');
        const done = await connection.waitForResponses(1, 5000);
        const final = done.responses.find((response) => response.status >= 200);
        assert.equal(final?.status, 200, connection.received().toString('latin1'));
      } finally {
        connection.destroy();
      }
      assert.equal(upstream.connections.length, 1);
      const sent = upstream.connections[0]!.received.toString('latin1');
      assert.ok(sent.endsWith('\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'), sent);
    },
  );
});

test('a chunked body past bufferedChunkedBodyBytes streams as before: a fault after the limit is still 400', async () => {
  await withUpstream(
    () => undefined,
    async (gw, upstream) => {
      const connection = await rawConnect(env, gw.port, { client });
      try {
        connection.write(
          `POST /streamed HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n400\r\n${'a'.repeat(1024)}\r\n400\r\n${'b'.repeat(1024)}\r\n`,
        );
        assert.ok(await waitFor(() => upstream.heads.length === 1, 5000), 'past the limit the head goes upstream before the body ends');
        connection.write('zz\r\n');
        const answer = await connection.waitForResponses(1, 5000);
        assert.equal(answer.responses[0]?.status, 400, connection.received().toString('latin1'));
      } finally {
        connection.destroy();
      }
    },
    { bufferedChunkedBodyBytes: 1024 },
  );
});

test('a response head over 64 KiB is refused with 502 even when its end arrives in the same read', async () => {
  const filler = Array.from({ length: 70 }, (_, i) => `X-Filler-${i}: ${'f'.repeat(1000)}\r\n`).join('');
  await withUpstream(
    (socket) => void socket.write(`HTTP/1.1 200 OK\r\n${filler}Content-Length: 2\r\n\r\nok`),
    async (gw) => {
      const exchange = await rawExchange(env, gw.port, client, `GET /big-head HTTP/1.1\r\n${H}\r\n`, { timeoutMs: 5000 });
      assert.equal(exchange.responses[0]?.status, 502, exchange.raw.toString('latin1').slice(0, 200));
      assert.equal(exchange.responses[0].json()['reason'], 'upstream_unavailable');
    },
  );
});
