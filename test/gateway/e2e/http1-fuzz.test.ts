import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { rawConnect } from './support/raw-http1.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import { curl } from './support/tls-clients.js';
import { seededRandom } from '../../support/seeded-random.js';

let env: E2eEnv;
let client: CertificateFiles;

before(async () => {
  env = await startE2eEnv('http1-fuzz');
  client = await env.issue('fuzz-client');
});

after(async () => {
  await env?.close();
});

const SEEDS: readonly string[] = [
  'GET /a?x=1 HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n',
  'POST /b HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world',
  'PUT /c HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n',
  'GET /d HTTP/1.1\r\nHost: localhost\r\n\r\nGET /e HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
  'POST /f HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc',
  'GET http://localhost/g HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Client-Cert: spoof\r\n\r\n',
  'HEAD /h HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
];
/** Bytes that matter to HTTP/1.1 framing: the mutations insert and substitute these most. */
const INTERESTING = [0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x30, 0x35, 0x66, 0x00, 0x7f, 0x80, 0xff, 0x2d, 0x2b];

function mutate(random: () => number, seed: Buffer): Buffer {
  let bytes = [...seed];
  const edits = 1 + Math.floor(random() * 4);
  for (let edit = 0; edit < edits && bytes.length > 0; edit++) {
    const at = Math.floor(random() * bytes.length);
    const byte = random() < 0.7 ? INTERESTING[Math.floor(random() * INTERESTING.length)]! : Math.floor(random() * 256);
    const kind = random();
    if (kind < 0.35) bytes[at] = byte;
    else if (kind < 0.7) bytes.splice(at, 0, byte);
    else if (kind < 0.85) bytes.splice(at, 1);
    else {
      // Repeat a whole line (a second Content-Length, Host, Transfer-Encoding...).
      const text = Buffer.from(bytes).toString('latin1');
      const lines = text.split('\r\n');
      const line = lines[1 + Math.floor(random() * Math.max(1, lines.length - 2))] ?? '';
      bytes = [...Buffer.from(text.replace(`${line}\r\n`, `${line}\r\n${line}\r\n`), 'latin1')];
    }
  }
  return Buffer.from(bytes);
}

/** SYMBOLON_FUZZ_SEED and SYMBOLON_FUZZ_CASES replay or widen a run; the default is fixed. */
const SEED = Number(process.env.SYMBOLON_FUZZ_SEED ?? 0x5eed);
const CASES = Number(process.env.SYMBOLON_FUZZ_CASES ?? 240);
const CONCURRENCY = 40;
/** Far above the 2 s headers timeout and 1 s upstream timeout the cases can wait on, for a loaded CI machine. */
const PER_CASE_MS = 6000;
/**
 * What the gateway may answer to a mangled request: the upstream's 200, a refusal, or 502 when
 * the upstream refused what HTTP allows (llhttp knows only registered methods: "POT" is a token).
 */
const ALLOWED = new Set([200, 400, 404, 408, 417, 431, 501, 502, 505]);
/**
 * The upstream's parser errors that are no fault of the forwarded framing: a method llhttp does
 * not know, and a request the gateway abandoned mid-body (its client stalled, 408) by closing.
 */
const EXPECTED_UPSTREAM_ERRORS = new Set(['HPE_INVALID_METHOD', 'HPE_INVALID_EOF_STATE']);

test(`${CASES} mutated HTTP/1.1 requests (seeded): no internal error, no hang, only well-formed answers, and nothing the upstream's strict parser (llhttp) refuses ever reaches it`, async (t) => {
  const upstreamErrors: string[] = [];
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  upstream.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!EXPECTED_UPSTREAM_ERRORS.has(error.code ?? ''))
      upstreamErrors.push(
        `${error.code ?? ''} ${error.message}: ${JSON.stringify((error as { rawPacket?: Buffer }).rawPacket?.toString('latin1').slice(0, 300))}`,
      );
    socket.destroy();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  const gw = await startTestGateway(
    env,
    makeConfig(env, {
      isAdminless: true,
      limits: { handshakeTimeoutMs: 1000, idleTimeoutMs: 1000, maxHeaderBytes: 4096 },
      routes: [{ upstream: `http://127.0.0.1:${port}`, upstreamTimeoutMs: 2000 }],
    }),
  );
  const random = seededRandom(SEED);
  const cases = Array.from({ length: CASES }, (_, index) => mutate(random, Buffer.from(SEEDS[index % SEEDS.length]!, 'latin1')));
  const statuses = new Map<number, number>();
  const problems: string[] = [];
  const started = performance.now();
  try {
    for (let wave = 0; wave < CASES; wave += CONCURRENCY) {
      await Promise.all(
        cases.slice(wave, wave + CONCURRENCY).map(async (bytes, offset) => {
          const index = wave + offset;
          const connection = await rawConnect(env, gw.port, { client });
          try {
            connection.write(bytes);
            // A mangled request may leave the gateway waiting for more (a body, the end of a head):
            // it must then close by its own timeouts, within the case's time.
            const isClosed = await connection.waitForClose(PER_CASE_MS);
            const parsed = connection.parse({ methods: ['GET', 'GET'] });
            for (const response of parsed.responses) {
              statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
              if (!ALLOWED.has(response.status) && response.status !== 100)
                problems.push(`case ${index}: status ${response.status} for ${JSON.stringify(bytes.toString('latin1'))}`);
            }
            if (parsed.error !== undefined) problems.push(`case ${index}: the gateway's answer does not parse: ${parsed.error}`);
            if (!isClosed && parsed.responses.length === 0)
              problems.push(`case ${index}: no answer and still open after ${PER_CASE_MS} ms: ${JSON.stringify(bytes.toString('latin1'))}`);
          } finally {
            connection.destroy();
          }
        }),
      );
    }
    t.diagnostic(
      `seed ${SEED}: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))} in ${(performance.now() - started).toFixed(0)} ms`,
    );
    assert.deepEqual({ problems, upstreamErrors }, { problems: [], upstreamErrors: [] });
    assert.deepEqual(upstreamErrors, [], 'the upstream refused something the gateway forwarded');
    assert.deepEqual(gw.errors.map(String), [], 'the gateway reported internal errors');
    assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(200) ?? 0) > 0, 'the mutations produced both accepted and refused requests');
    assert.equal((await curl(env, gw.port, '/after-fuzz', { client })).status, 200);
  } finally {
    await gw.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
});

const RESPONSE_SEEDS: readonly string[] = [
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nread until close',
  'HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\nok',
  'HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc',
];

test(`${CASES} mutated upstream responses (seeded): the client gets a well-formed response or a closed connection, never garbage, a hang or an internal error`, async (t) => {
  const { createServer: createTcpServer } = await import('node:net');
  const random = seededRandom(SEED + 1);
  const responses = Array.from({ length: CASES }, (_, index) =>
    mutate(random, Buffer.from(RESPONSE_SEEDS[index % RESPONSE_SEEDS.length]!, 'latin1')),
  );
  const upstream = createTcpServer((socket) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const match = /^GET \/case\/(\d+) /.exec(head);
      if (!head.includes('\r\n\r\n') || match === null) return;
      head = '';
      const index = Number(match[1]);
      // Each answer names its case right after its first line, so that an answer relayed to the
      // wrong client shows. Close-delimited seeds end the connection; the others keep it.
      const bytes = responses[index]!.toString('latin1');
      const firstLine = bytes.indexOf('\r\n');
      socket.write(firstLine < 0 ? bytes : `${bytes.slice(0, firstLine + 2)}X-Case: ${index}\r\n${bytes.slice(firstLine + 2)}`, 'latin1');
      if (index % RESPONSE_SEEDS.length === 2) socket.end();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  const gw = await startTestGateway(
    env,
    makeConfig(env, {
      isAdminless: true,
      limits: { handshakeTimeoutMs: 1000, idleTimeoutMs: 1000 },
      routes: [{ upstream: `http://127.0.0.1:${port}`, upstreamTimeoutMs: 1000 }],
    }),
  );
  const statuses = new Map<number, number>();
  const problems: string[] = [];
  try {
    for (let wave = 0; wave < CASES; wave += CONCURRENCY) {
      await Promise.all(
        responses.slice(wave, wave + CONCURRENCY).map(async (_, offset) => {
          const index = wave + offset;
          const connection = await rawConnect(env, gw.port, { client });
          try {
            connection.write(`GET /case/${index} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
            const parsed = await connection.waitForResponses(1, PER_CASE_MS);
            for (const response of parsed.responses) {
              statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
              const answered = response.header('x-case');
              if (answered !== undefined && answered !== String(index)) problems.push(`case ${index}: got the answer to case ${answered}`);
            }
            if (parsed.error !== undefined)
              problems.push(
                `case ${index}: the gateway's answer does not parse (${parsed.error}) for upstream bytes ${JSON.stringify(responses[index]!.toString('latin1'))}`,
              );
            if (parsed.responses.length === 0 && !(await connection.waitForClose(PER_CASE_MS)))
              problems.push(
                `case ${index}: no answer and still open for upstream bytes ${JSON.stringify(responses[index]!.toString('latin1'))}`,
              );
          } finally {
            connection.destroy();
          }
        }),
      );
    }
    t.diagnostic(`seed ${SEED + 1}: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    assert.deepEqual(problems, []);
    assert.deepEqual(gw.errors.map(String), [], 'the gateway reported internal errors');
    assert.ok(
      (statuses.get(502) ?? 0) > 0 && [...statuses.keys()].some((status) => status < 300),
      'the mutations produced both relayed and refused responses',
    );
  } finally {
    await gw.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
});
