import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { ConfigParts, TestGateway } from './support/test-gateway.js';
import { curl, delay, waitFor } from './support/tls-clients.js';
import { rawConnect, rawExchange } from './support/raw-http1.js';
import type { RawConnection, RawExchange, RawResponse } from './support/raw-http1.js';

let env: E2eEnv;
let echo: EchoUpstream;
let client: CertificateFiles;
let hash: {
  url: string;
  server: Server;
  seen: {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    trailers: Record<string, string | undefined>;
    length: number;
    sha256: string;
  }[];
};

before(async () => {
  env = await startE2eEnv('http1-relay');
  echo = await startEchoUpstream();
  client = await env.issue('relay-client');
  // An upstream that reads the whole body and answers its length and SHA-256; `/hash/fixed-length` answers a 1234-byte body (none to HEAD).
  const seen: (typeof hash)['seen'] = [];
  const server = createServer((req, res) => {
    const digest = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      digest.update(chunk);
      length += chunk.length;
    });
    req.on('end', () => {
      if (req.url?.startsWith('/hash/fixed-length') === true) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1234' });
        res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1234));
        return;
      }
      const record = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        trailers: { ...req.trailers },
        length,
        sha256: digest.digest('hex'),
      };
      seen.push(record);
      const body = JSON.stringify(record);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hash = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
});

after(async () => {
  await echo?.close();
  if (hash !== undefined) {
    hash.server.closeAllConnections();
    await new Promise<void>((resolve) => hash.server.close(() => resolve()));
  }
  await env?.close();
});

const ROUTES = (): Record<string, unknown>[] => [
  { pathPrefix: '/hash', upstream: hash.url },
  { pathPrefix: '/denied', upstream: hash.url, deny: [{ subjectCn: 'relay-client' }] },
  { upstream: echo.url },
];

/** What the gateway reported through onError: malformed input must never reach it (an internal error, a TypeError). */
function internalErrors(gw: TestGateway): unknown[] {
  return [...gw.errors];
}

/** A gateway of its own for one test; closed after, and it must have reported no error. */
async function withGateway(fn: (gw: TestGateway) => Promise<void>, parts: Partial<ConfigParts> = {}): Promise<void> {
  const gw = await startTestGateway(env, makeConfig(env, { isAdminless: true, routes: ROUTES(), ...parts }));
  try {
    await fn(gw);
    assert.deepEqual(internalErrors(gw).map(String), [], 'the gateway reported errors');
  } finally {
    await gw.close();
  }
}

/** The one response is a problem+json refusal with this status and reason, and the connection was closed after it. */
function assertRefused(exchange: RawExchange, status: number, reason: string, label = ''): RawResponse {
  const context = `${label} ${JSON.stringify(exchange.raw.toString('latin1').slice(0, 400))}`;
  assert.equal(exchange.error, undefined, context);
  assert.equal(exchange.responses.length, 1, `one response expected ${context}`);
  const response = exchange.responses[0]!;
  assert.equal(response.status, status, context);
  assert.equal(response.header('content-type'), 'application/problem+json', context);
  assert.equal(response.json()['reason'], reason, context);
  assert.equal(exchange.rest.length, 0, `nothing after the refusal ${context}`);
  return response;
}

async function refusedAndClosed(gw: TestGateway, bytes: string | Buffer, status: number, reason: string, label = ''): Promise<RawExchange> {
  const exchange = await rawExchange(env, gw.port, client, bytes, { expectClose: true, timeoutMs: 3000 });
  const response = assertRefused(exchange, status, reason, label);
  assert.equal(response.header('connection'), 'close', label);
  assert.ok(exchange.isClosed, `${label}: the connection should be closed after a malformed request`);
  return exchange;
}

const H = 'Host: localhost\r\n';

test('1. Content-Length with Transfer-Encoding is refused 400, closed, and nothing reaches the upstream', async () => {
  await withGateway(async (gw) => {
    const smuggle = `POST /cl-te HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n${H}\r\n`;
    await refusedAndClosed(gw, smuggle, 400, 'bad_request');
    const reversed = `POST /te-cl HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n${H}\r\n`;
    await refusedAndClosed(gw, reversed, 400, 'bad_request');
    assert.deepEqual([echo.seen('/cl-te').length, echo.seen('/te-cl').length, echo.seen('/smuggled').length], [0, 0, 0]);
  });
});

test('2. two Content-Length fields, a list, and a signed value are refused 400', async () => {
  await withGateway(async (gw) => {
    for (const [label, fields] of [
      ['two equal', 'Content-Length: 5\r\nContent-Length: 5\r\n'],
      ['two different', 'Content-Length: 5\r\nContent-Length: 6\r\n'],
      ['a list', 'Content-Length: 5, 5\r\n'],
      ['plus sign', 'Content-Length: +5\r\n'],
      ['minus sign', 'Content-Length: -5\r\n'],
      ['hex', 'Content-Length: 0x5\r\n'],
    ] as const) {
      await refusedAndClosed(gw, `POST /cl-${label.replace(/ /g, '-')} HTTP/1.1\r\n${H}${fields}\r\nhello`, 400, 'bad_request', label);
    }
    assert.equal(echo.seen('/cl-').length, 0);
  });
});

test('3. Transfer-Encoding gzip, chunked is 501; xchunked and chunked, gzip are 400', async () => {
  await withGateway(async (gw) => {
    await refusedAndClosed(gw, `POST /te-gzip HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 501, 'not_implemented');
    await refusedAndClosed(gw, `POST /te-x HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`, 400, 'bad_request', 'xchunked');
    await refusedAndClosed(
      gw,
      `POST /te-last HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n`,
      400,
      'bad_request',
      'chunked, gzip',
    );
    await refusedAndClosed(
      gw,
      `POST /te-ten HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
      'bad_request',
      'Transfer-Encoding in HTTP/1.0',
    );
    await refusedAndClosed(
      gw,
      `POST /te-two HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
      'bad_request',
      'two TE fields',
    );
    assert.equal(echo.seen('/te-').length, 0);
  });
});

test('4. obs-fold, space before the colon, NUL, a bare CR and LF-only line endings are refused 400', async () => {
  await withGateway(async (gw) => {
    const cases: [string, string][] = [
      ['obs-fold', `GET /bad-fold HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`],
      ['obs-fold tab', `GET /bad-fold-tab HTTP/1.1\r\n${H}X-A: a\r\n\tb\r\n\r\n`],
      ['space before colon', `GET /bad-space HTTP/1.1\r\n${H}X-A : b\r\n\r\n`],
      ['space in Host name', `GET /bad-host-space HTTP/1.1\r\nHost : localhost\r\n\r\n`],
      ['NUL in value', `GET /bad-nul HTTP/1.1\r\n${H}X-A: a\u0000b\r\n\r\n`],
      ['bare CR in value', `GET /bad-cr HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`],
      ['bare LF in a line', `GET /bad-lf-mid HTTP/1.1\r\n${H}X-A: a\nX-B: b\r\n\r\n`],
      ['empty field name', `GET /bad-empty-name HTTP/1.1\r\n${H}: b\r\n\r\n`],
    ];
    for (const [label, bytes] of cases) await refusedAndClosed(gw, bytes, 400, 'bad_request', label);
    const started = performance.now();
    const lfOnly = await rawExchange(env, gw.port, client, `GET /bad-lf HTTP/1.1\n${H.replace('\r\n', '\n')}\n`, {
      expectClose: true,
      timeoutMs: 3000,
    });
    const elapsed = performance.now() - started;
    assertRefused(lfOnly, 400, 'bad_request', `LF-only after ${elapsed.toFixed(0)} ms`);
    assert.ok(elapsed < 1000, `an LF-only head should be refused at once, took ${elapsed.toFixed(0)} ms`);
    assert.equal(echo.seen('/bad-').length, 0);
  });
});

test('5. HTTP/2.0 and HTTP/1.2 request lines get 505; FOO/1.1 gets 400', async () => {
  await withGateway(async (gw) => {
    await refusedAndClosed(gw, `GET /v20 HTTP/2.0\r\n${H}\r\n`, 505, 'version_not_supported', 'HTTP/2.0');
    await refusedAndClosed(gw, `GET /v12 HTTP/1.2\r\n${H}\r\n`, 505, 'version_not_supported', 'HTTP/1.2');
    await refusedAndClosed(gw, `GET /foo FOO/1.1\r\n${H}\r\n`, 400, 'bad_request', 'FOO/1.1');
    await refusedAndClosed(gw, `GET /lower http/1.1\r\n${H}\r\n`, 400, 'bad_request', 'lower-case http');
    await refusedAndClosed(gw, `GET  /two-spaces HTTP/1.1\r\n${H}\r\n`, 400, 'bad_request', 'two spaces');
    assert.equal(echo.requests.filter((request) => ['/v20', '/v12', '/foo', '/lower', '/two-spaces'].includes(request.url)).length, 0);
  });
});

test('6. HTTP/1.1 without Host and with two Host fields is refused 400', async () => {
  await withGateway(async (gw) => {
    await refusedAndClosed(gw, 'GET /no-host HTTP/1.1\r\nX-A: b\r\n\r\n', 400, 'bad_request', 'no Host');
    await refusedAndClosed(gw, `GET /two-hosts HTTP/1.1\r\n${H}Host: evil.example\r\n\r\n`, 400, 'bad_request', 'two Host');
    await refusedAndClosed(gw, `GET /host-userinfo HTTP/1.1\r\nHost: user@localhost\r\n\r\n`, 400, 'bad_request', 'userinfo Host');
    assert.deepEqual([echo.seen('/no-host').length, echo.seen('/two-hosts').length, echo.seen('/host-userinfo').length], [0, 0, 0]);
  });
});

test('7. CONNECT is refused 501', async () => {
  await withGateway(async (gw) => {
    await refusedAndClosed(gw, `CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n`, 501, 'not_implemented');
    assert.equal(echo.requests.filter((request) => request.method === 'CONNECT').length, 0);
  });
});

test('8. a chunked upload with extensions and a trailer reaches the upstream whole, the spoofed trailer does not; a bad chunk size is 400 and closed', async () => {
  await withGateway(async (gw) => {
    const body = 'Wikipedia in\r\n\r\nchunks.';
    const chunked =
      '4;ext=1\r\nWiki\r\n5;name="quoted value";x\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nx-forwarded-client-cert: spoof\r\nX-Trailer: t\r\n\r\n';
    const exchange = await rawExchange(
      env,
      gw.port,
      client,
      `POST /hash/chunked HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n${chunked}`,
      { timeoutMs: 5000 },
    );
    assert.equal(exchange.responses.length, 1, exchange.raw.toString('latin1'));
    assert.equal(exchange.responses[0]!.status, 200);
    const answered = exchange.responses[0]!.json();
    assert.equal(answered['length'], Buffer.byteLength(body));
    assert.equal(answered['sha256'], createHash('sha256').update(body).digest('hex'));
    const seen = hash.seen.find((record) => record.url === '/hash/chunked');
    assert.ok(seen !== undefined);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.headers['transfer-encoding'], 'chunked');
    const xfcc = String(seen.headers['x-forwarded-client-cert'] ?? '');
    assert.match(xfcc, new RegExp(`^Hash=${client.fingerprint};`));
    assert.ok(!xfcc.includes('spoof'), xfcc);
    assert.equal(seen.trailers['x-forwarded-client-cert'], undefined, 'the spoofed trailer reached the upstream');

    // A larger body in uneven chunks over many writes, on one connection, then a second request on it.
    const big = Buffer.alloc(200_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    const connection = await rawConnect(env, gw.port, { client });
    try {
      connection.write(`PUT /hash/big HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`);
      let offset = 0;
      for (let size = 1; offset < big.length; size = ((size * 7 + 13) % 20_000) + 1) {
        const piece = big.subarray(offset, offset + size);
        offset += piece.length;
        connection.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
      }
      connection.write('0\r\n\r\n');
      connection.write(`GET /after-chunked HTTP/1.1\r\n${H}\r\n`);
      const parsed = await connection.waitForResponses(2, 10_000);
      assert.equal(parsed.responses.length, 2, parsed.error ?? connection.received().toString('latin1').slice(0, 300));
      assert.equal(parsed.responses[0]!.status, 200);
      assert.equal(parsed.responses[0]!.json()['length'], big.length);
      assert.equal(parsed.responses[0]!.json()['sha256'], createHash('sha256').update(big).digest('hex'));
      assert.equal(parsed.responses[1]!.status, 200);
      assert.equal(parsed.responses[1]!.json()['url'], '/after-chunked');
    } finally {
      connection.destroy();
    }

    await refusedAndClosed(
      gw,
      `POST /hash/bad-size HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
      400,
      'bad_request',
      'chunk size zz',
    );
    await refusedAndClosed(
      gw,
      `POST /hash/bad-size-late HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n-1\r\nx\r\n0\r\n\r\n`,
      400,
      'bad_request',
      'chunk size -1',
    );
    const badBodies: [string, string][] = [
      ['bare LF after the size', '3\nabc\r\n0\r\n\r\n'],
      ['data longer than the size', '3\r\nabcXX\r\n0\r\n\r\n'],
      ['14 hex digits', '10000000000000\r\nabc\r\n0\r\n\r\n'],
      ['space before the size', ' 3\r\nabc\r\n0\r\n\r\n'],
      ['obs-fold in the trailer', '3\r\nabc\r\n0\r\nX-T: a\r\n b\r\n\r\n'],
    ];
    for (const [label, chunks] of badBodies)
      await refusedAndClosed(
        gw,
        `POST /hash/bad-size-${label.replace(/ /g, '-')} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${chunks}`,
        400,
        'bad_request',
        label,
      );
    assert.equal(
      hash.seen.filter((record) => record.url.startsWith('/hash/bad-size')).length,
      0,
      'a malformed body must never be delivered complete',
    );
  });
});

test('9. pipelined GETs in one write are answered in order', async () => {
  await withGateway(async (gw) => {
    const requests = [1, 2, 3].map((n) => `GET /pipe/${n}?n=${n} HTTP/1.1\r\n${H}${n === 3 ? 'Connection: close\r\n' : ''}\r\n`).join('');
    const exchange = await rawExchange(env, gw.port, client, requests, { expected: 3, expectClose: true, timeoutMs: 5000 });
    assert.equal(exchange.error, undefined);
    assert.deepEqual(
      exchange.responses.map((response) => response.status),
      [200, 200, 200],
    );
    assert.deepEqual(
      exchange.responses.map((response) => response.json()['url']),
      ['/pipe/1?n=1', '/pipe/2?n=2', '/pipe/3?n=3'],
    );
    assert.equal(exchange.responses[2]!.header('connection'), 'close');
    assert.ok(exchange.isClosed, 'Connection: close on the last request closes the connection');
    // A refused GET between two good ones: the refusal keeps the connection and the next request is served.
    const mixed = await rawExchange(
      env,
      gw.port,
      client,
      `GET /pipe/a HTTP/1.1\r\n${H}\r\nGET /denied/b HTTP/1.1\r\n${H}\r\nGET /pipe/c HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
      { expected: 3, expectClose: true },
    );
    assert.deepEqual(
      mixed.responses.map((response) => [response.status, response.json()['url'] ?? response.json()['reason']]),
      [
        [200, '/pipe/a'],
        [403, 'route_denied'],
        [200, '/pipe/c'],
      ],
    );
  });
});

test('10. Expect: 100-continue gets 100 then 200; on a denied route 403 without 100 and closed', async () => {
  await withGateway(async (gw) => {
    const body = 'hello world';
    const connection = await rawConnect(env, gw.port, { client });
    try {
      connection.write(`POST /hash/expect HTTP/1.1\r\n${H}Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
      const interim = await connection.waitForBytes(25, 3000);
      assert.ok(interim.toString('latin1').startsWith('HTTP/1.1 100 Continue\r\n\r\n'), JSON.stringify(interim.toString('latin1')));
      assert.equal(interim.length, 25, 'nothing but the 100 before the body is sent');
      connection.write(body);
      const parsed = await connection.waitForResponses(1, 5000);
      assert.deepEqual(
        parsed.responses.map((response) => response.status),
        [100, 200],
      );
      assert.equal(parsed.responses[1]!.json()['length'], body.length);
      assert.equal(parsed.responses[1]!.json()['sha256'], createHash('sha256').update(body).digest('hex'));
      assert.equal(
        hash.seen.find((record) => record.url === '/hash/expect')?.headers['expect'],
        undefined,
        'Expect is answered by the gateway, not forwarded',
      );
    } finally {
      connection.destroy();
    }

    const denied = await rawConnect(env, gw.port, { client });
    try {
      denied.write(`POST /denied/expect HTTP/1.1\r\n${H}Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
      const parsed = await denied.waitForResponses(1, 3000);
      assert.ok(!denied.received().toString('latin1').includes('100 Continue'), 'no 100 Continue for a refused request');
      assert.equal(parsed.responses.length, 1, denied.received().toString('latin1'));
      assert.equal(parsed.responses[0]!.status, 403);
      assert.equal(parsed.responses[0]!.json()['reason'], 'route_denied');
      assert.ok(await denied.waitForClose(3000), 'the connection closes: the unread body leaves the framing unknown');
    } finally {
      denied.destroy();
    }
    assert.equal(hash.seen.filter((record) => record.url.startsWith('/denied')).length, 0);
  });
});

test('11. HEAD gets the head only with the upstream Content-Length, and the next request on the connection works', async () => {
  await withGateway(async (gw) => {
    const exchange = await rawExchange(
      env,
      gw.port,
      client,
      `HEAD /hash/fixed-length HTTP/1.1\r\n${H}\r\nGET /after-head HTTP/1.1\r\n${H}\r\nHEAD /head-echo HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
      { expected: 3, expectClose: true, methods: ['HEAD', 'GET', 'HEAD'] },
    );
    assert.equal(exchange.error, undefined, exchange.raw.toString('latin1'));
    assert.equal(exchange.responses.length, 3, exchange.raw.toString('latin1'));
    const [head, get, last] = exchange.responses as [RawResponse, RawResponse, RawResponse];
    assert.equal(head.status, 200);
    assert.equal(head.header('content-length'), '1234');
    assert.equal(head.header('transfer-encoding'), undefined);
    assert.equal(head.body.length, 0);
    assert.equal(get.status, 200);
    assert.equal(get.json()['url'], '/after-head', 'the byte after the HEAD response head must be the next response');
    assert.equal(last.status, 200);
    assert.ok(Number(last.header('content-length')) > 0);
    assert.equal(
      exchange.rest.length,
      0,
      `no body bytes after a HEAD response: ${JSON.stringify(exchange.rest.toString('latin1').slice(0, 100))}`,
    );
  });
});

test('12. HTTP/1.0 without keep-alive is answered then closed; with keep-alive two requests share the connection', async () => {
  await withGateway(async (gw) => {
    const closing = await rawExchange(env, gw.port, client, `GET /ten/close HTTP/1.0\r\n${H}\r\n`, { expectClose: true });
    assert.equal(closing.responses.length, 1, closing.raw.toString('latin1'));
    assert.equal(closing.responses[0]!.status, 200);
    assert.equal(closing.responses[0]!.json()['url'], '/ten/close');
    assert.equal(closing.responses[0]!.isChunked, false, 'never chunked to HTTP/1.0');
    assert.ok(closing.isClosed);

    const connection = await rawConnect(env, gw.port, { client });
    try {
      connection.write(`GET /ten/ka1 HTTP/1.0\r\n${H}Connection: keep-alive\r\n\r\n`);
      const first = await connection.waitForResponses(1, 3000);
      assert.equal(first.responses[0]?.status, 200);
      assert.match(first.responses[0].header('connection') ?? '', /keep-alive/i);
      await delay(100);
      assert.ok(!connection.isClosed, 'a kept-alive HTTP/1.0 connection stays open');
      connection.write(`GET /ten/ka2 HTTP/1.0\r\n${H}Connection: keep-alive\r\n\r\n`);
      const both = await connection.waitForResponses(2, 3000);
      assert.deepEqual(
        both.responses.map((response) => [response.status, response.json()['url']]),
        [
          [200, '/ten/ka1'],
          [200, '/ten/ka2'],
        ],
      );
    } finally {
      connection.destroy();
    }
  });
});

test('13. an absolute-form target is routed by its path', async () => {
  await withGateway(async (gw) => {
    const exchange = await rawExchange(
      env,
      gw.port,
      client,
      `GET https://localhost:${gw.port}/abs/x?q=1 HTTP/1.1\r\nHost: localhost:${gw.port}\r\nConnection: close\r\n\r\n`,
      { expectClose: true },
    );
    assert.equal(exchange.responses.length, 1, exchange.raw.toString('latin1'));
    assert.equal(exchange.responses[0]!.status, 200);
    assert.equal(exchange.responses[0]!.json()['url'], '/abs/x?q=1');
    const seen = echo.seen('/abs/x');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.headers.host, `localhost:${gw.port}`);
  });
});

test('14. a head over maxHeaderBytes and more than 256 fields get 431; 256 fields pass', async () => {
  await withGateway(
    async (gw) => {
      await refusedAndClosed(gw, `GET /too-big HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(4096)}\r\n\r\n`, 431, 'header_too_large', 'big head');
      // Without its end: refused as soon as it passes the limit, not after a timeout.
      const started = performance.now();
      await refusedAndClosed(
        gw,
        `GET /too-big-open HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(4096)}`,
        431,
        'header_too_large',
        'big unterminated head',
      );
      assert.ok(performance.now() - started < 1500);
      assert.equal(echo.seen('/too-big').length, 0);
    },
    { limits: { maxHeaderBytes: 2048 } },
  );
  await withGateway(async (gw) => {
    const fields = (count: number): string => Array.from({ length: count }, (_, i) => `X-F${i}: v\r\n`).join('');
    await refusedAndClosed(gw, `GET /many-fields HTTP/1.1\r\n${H}${fields(256)}\r\n`, 431, 'header_too_large', '257 fields');
    const ok = await rawExchange(env, gw.port, client, `GET /fields-256 HTTP/1.1\r\n${H}${fields(254)}Connection: close\r\n\r\n`, {
      expectClose: true,
    });
    assert.equal(ok.responses[0]?.status, 200, `256 fields are allowed: ${ok.raw.toString('latin1').slice(0, 300)}`);
    assert.equal(echo.seen('/many-fields').length, 0);
  });
});

test('15. a partial head then silence gets 408 after handshakeTimeoutMs + idleTimeoutMs; an idle keep-alive connection is closed without a word', async () => {
  await withGateway(
    async (gw) => {
      const connection = await rawConnect(env, gw.port, { client });
      try {
        const started = performance.now();
        connection.write(`GET /partial HTTP/1.1\r\nHost: local`);
        const isClosed = await connection.waitForClose(5000);
        const elapsed = performance.now() - started;
        assert.ok(isClosed, 'the connection is closed after the headers timeout');
        const parsed = connection.parse();
        assert.equal(parsed.responses.length, 1, connection.received().toString('latin1'));
        assert.equal(parsed.responses[0]!.status, 408);
        assert.equal(parsed.responses[0]!.json()['reason'], 'request_timeout');
        assert.ok(elapsed >= 800 && elapsed <= 3000, `408 after ${elapsed.toFixed(0)} ms, expected about 1000`);
      } finally {
        connection.destroy();
      }

      const stalled = await rawConnect(env, gw.port, { client });
      try {
        stalled.write(`POST /hash/stalled HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`);
        const started = performance.now();
        const isClosed = await stalled.waitForClose(5000);
        const elapsed = performance.now() - started;
        assert.ok(isClosed, 'a client that stops sending its body is closed');
        const parsed = stalled.parse();
        assert.equal(parsed.responses.length, 1, stalled.received().toString('latin1'));
        assert.equal(parsed.responses[0]!.status, 408);
        assert.equal(parsed.responses[0]!.json()['reason'], 'request_timeout');
        assert.ok(elapsed >= 300 && elapsed <= 2500, `408 after ${elapsed.toFixed(0)} ms, expected about idleTimeoutMs (500)`);
        assert.equal(hash.seen.filter((record) => record.url === '/hash/stalled').length, 0);
      } finally {
        stalled.destroy();
      }

      const idle = await rawConnect(env, gw.port, { client });
      try {
        idle.write(`GET /idle HTTP/1.1\r\n${H}\r\n`);
        const parsed = await idle.waitForResponses(1, 3000);
        assert.equal(parsed.responses[0]?.status, 200);
        const answeredBytes = idle.received().length;
        const answeredAt = performance.now();
        const isClosed = await idle.waitForClose(5000);
        const elapsed = performance.now() - answeredAt;
        assert.ok(isClosed, 'an idle keep-alive connection is closed');
        assert.equal(
          idle.received().length,
          answeredBytes,
          `no bytes on an idle close: ${JSON.stringify(idle.received().subarray(answeredBytes).toString('latin1'))}`,
        );
        assert.ok(elapsed >= 300 && elapsed <= 2500, `closed ${elapsed.toFixed(0)} ms after the response, expected about 500`);
      } finally {
        idle.destroy();
      }
    },
    { limits: { handshakeTimeoutMs: 500, idleTimeoutMs: 500 } },
  );
});

test('16. 200 concurrent malformed requests are all refused, then a normal request gets 200 and no internal error is reported', async (t) => {
  await withGateway(async (gw) => {
    const templates: ((n: number) => { bytes: string; status: number })[] = [
      (n) => ({ bytes: `POST /f/${n} HTTP/1.1\r\n${H}Content-Length: ${n}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400 }),
      (n) => ({ bytes: `POST /f/${n} HTTP/1.1\r\n${H}Content-Length: ${n}\r\nContent-Length: ${n + 1}\r\n\r\n`, status: 400 }),
      (n) => ({
        bytes: `POST /f/${n} HTTP/1.1\r\n${H}Transfer-Encoding: gzip${','.repeat(n % 3)} chunked\r\n\r\n`,
        status: n % 3 === 1 ? 501 : 400,
      }),
      (n) => ({ bytes: `GET /f/${n} HTTP/1.1\r\n${H}X-${n}: a\r\n ${'b'.repeat(n)}\r\n\r\n`, status: 400 }),
      (n) => ({ bytes: `GET /f/${n} HTTP/1.1\r\n${H}X-${n} : a\r\n\r\n`, status: 400 }),
      (n) => ({ bytes: `GET /f/${n} HTTP/1.1\r\n${H}X-A: ${'\u0000'.repeat(1 + (n % 5))}\r\n\r\n`, status: 400 }),
      (n) => ({ bytes: `GET /f/${n} HTTP/1.${2 + (n % 7)}\r\n${H}\r\n`, status: 505 }),
      (n) => ({ bytes: `GET /f/${n} XTTP/1.1\r\n${H}\r\n`, status: 400 }),
      (n) => ({ bytes: `GET /f/${n} HTTP/1.1\r\nX-N: ${n}\r\n\r\n`, status: 400 }),
      (n) => ({ bytes: `CONNECT h${n}:443 HTTP/1.1\r\nHost: h${n}:443\r\n\r\n`, status: 501 }),
      (n) => ({ bytes: `GET /f/${n}\u0001 HTTP/1.1\r\n${H}\r\n`, status: 400 }),
      (n) => ({ bytes: `GET /f/${n} HTTP/1.1\r\n${H}Host: h${n}\r\n\r\n`, status: 400 }),
      (n) => ({ bytes: `POST /f/${n} HTTP/1.1\r\n${H}Content-Length: ${'9'.repeat(16 + (n % 4))}\r\n\r\n`, status: 400 }),
      (n) => ({ bytes: `\u0000\u0001GET /f/${n} HTTP/1.1\r\n${H}\r\n`, status: 400 }),
      (n) => ({ bytes: `${'\r\n'.repeat(6 + (n % 3))}GET /f/${n} HTTP/1.1\r\n${H}\r\n`, status: 400 }),
      (n) => ({
        bytes: `GET /f/${n} HTTP/1.1\r\n${H}${Array.from({ length: 257 + n }, (_, i) => `a${i}:b\r\n`).join('')}\r\n`,
        status: 431,
      }),
    ];
    const COUNT = 200;
    const cases = Array.from({ length: COUNT }, (_, n) => templates[n % templates.length]!(n));
    const results = await Promise.all(
      cases.map((entry) =>
        rawExchange(env, gw.port, client, entry.bytes, { expectClose: true, timeoutMs: 8000 }).catch((error: unknown) => error as Error),
      ),
    );
    const problems: string[] = [];
    results.forEach((result, n) => {
      if (result instanceof Error) return problems.push(`#${n}: ${result.message}`);
      const status = result.responses[0]?.status;
      if (result.responses.length !== 1 || status !== cases[n]!.status || !result.isClosed)
        problems.push(
          `#${n} (${JSON.stringify(cases[n]!.bytes.slice(0, 80))}): ${result.responses.length} responses, status ${status}, closed ${result.isClosed}, expected ${cases[n]!.status}`,
        );
    });
    t.diagnostic(`${COUNT - problems.length}/${COUNT} refused as expected`);
    assert.deepEqual(problems, []);
    assert.equal(echo.seen('/f/').length, 0, 'no malformed request reached the upstream');
    const after = await curl(env, gw.port, '/after-flood', { client });
    assert.equal(after.status, 200, after.body);
  });
});

test('17. a client that stops reading after a Connection: close request or a malformed one does not keep its connection: the gateway closes it once the answer is written', async () => {
  await withGateway(
    async (gw) => {
      const openConnections = async (): Promise<number> =>
        (await gw.gateway.metrics.registry.getSingleMetric('symbolon_gateway_open_connections')!.get()).values[0]?.value ?? -1;
      const held: RawConnection[] = [];
      try {
        const requests = [
          `GET /echo HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
          `GET /echo HTTP/1.1\r\n${H}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n`,
        ];
        for (const _ of requests) held.push(await rawConnect(env, gw.port, { client }));
        assert.ok(await waitFor(async () => (await openConnections()) === 2, 2000, 20), 'both connections are open before the requests');
        requests.forEach((request, index) => {
          // The client writes its request, then never reads again: it never sees the gateway's FIN, so never answers it.
          held[index]!.socket.pause();
          held[index]!.write(request);
        });
        const isClosed = await waitFor(async () => (await openConnections()) === 0, 5000, 50);
        assert.ok(isClosed, `${await openConnections()} connection(s) still held open by clients that stopped reading`);
      } finally {
        for (const connection of held) connection.destroy();
      }
    },
    { limits: { idleTimeoutMs: 10_000 } },
  );
});
