import assert from 'node:assert/strict';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { after, before, test } from 'node:test';
import { readText, startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { parseResponses } from './support/raw-http1.js';
import type { ParsedResponses } from './support/raw-http1.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { isToolPresent, parseRawResponse, runWithInput } from './support/tls-clients.js';

// Issue 14, section 2: a client that sends its request and then half-closes (TLS close_notify
// and TCP FIN; gnutls-cli does so on TLS 1.3) gets its answer (RFC 8446 6.1, RFC 9112 9.6).

const GNUTLS_ABSENT = isToolPresent('gnutls-cli') ? false : 'gnutls-cli is absent (install gnutls-bin)';

let env: E2eEnv;
let upstream: EchoUpstream;
let gw: TestGateway;
let client: CertificateFiles;

before(async () => {
  env = await startE2eEnv('half-close');
  upstream = await startEchoUpstream();
  client = await env.issue('half-close-client');
  gw = await startTestGateway(env, makeConfig(env, { isAdminless: true, routes: [{ upstream: upstream.url }] }));
});

after(async () => {
  await gw?.close();
  await upstream?.close();
  await env?.close();
});

/**
 * Connects with the client certificate, writes `bytes`, half-closes (`end()`: close_notify, then
 * FIN), and reads until the gateway closes or `timeoutMs` passes.
 */
function sendAndHalfClose(
  version: 'TLSv1.2' | 'TLSv1.3',
  bytes: string,
  timeoutMs = 5000,
): Promise<ParsedResponses & { readonly isClosedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connectTls({
      host: '127.0.0.1',
      port: gw.port,
      servername: 'localhost',
      ca: readText(env.rootPem),
      cert: readText(client.chain),
      key: readText(client.key),
      ALPNProtocols: ['http/1.1'],
      minVersion: version,
      maxVersion: version,
    });
    const finish = (isClosedByServer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseResponses(Buffer.concat(chunks), { isClosed: isClosedByServer }), isClosedByServer });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => finish(true));
    socket.once('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('secureConnect', () => socket.end(bytes));
  });
}

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  test(`a request followed by a half-close over ${version} is answered, then the gateway closes`, async () => {
    const path = `/half-close/${version}`;
    const result = await sendAndHalfClose(version, get(path));
    assert.equal(result.responses.length, 1, result.rest.toString('latin1'));
    assert.equal(result.responses[0]!.status, 200);
    assert.equal(result.responses[0]!.json()['url'], path);
    assert.ok(result.isClosedByServer, 'the gateway closes once it has answered');
    assert.equal(upstream.seen(path).length, 1);
  });
}

test('pipelined requests followed by a half-close are all answered in order', async () => {
  const result = await sendAndHalfClose(
    'TLSv1.3',
    get('/half-close/one') +
      get('/half-close/two') +
      `POST /half-close/three HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello`,
  );
  assert.deepEqual(
    result.responses.map((response) => [response.status, response.json()['url']]),
    [
      [200, '/half-close/one'],
      [200, '/half-close/two'],
      [200, '/half-close/three'],
    ],
  );
  assert.ok(result.isClosedByServer);
});

test('a half-close in the middle of a request body or head closes the connection without forwarding the request', async () => {
  const body = await sendAndHalfClose(
    'TLSv1.3',
    `POST /half-close/short-body HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\nonly part`,
  );
  assert.ok(body.isClosedByServer);
  assert.equal(body.responses.length, 0);
  const head = await sendAndHalfClose('TLSv1.3', `GET /half-close/short-head HTTP/1.1\r\nHost: loc`);
  assert.ok(head.isClosedByServer);
  assert.equal(head.responses.length, 0);
  assert.equal(upstream.seen('/half-close/short-head').length, 0);
});

test('gnutls-cli, which half-closes after its request on TLS 1.3, gets its answer', { skip: GNUTLS_ABSENT }, async () => {
  const args = [
    '--x509cafile',
    env.rootPem,
    '-p',
    String(gw.port),
    '--sni-hostname',
    'localhost',
    '--verify-hostname',
    'localhost',
    '--x509certfile',
    client.chain,
    '--x509keyfile',
    client.key,
    '127.0.0.1',
  ];
  const child = await runWithInput(
    'sh',
    ['-c', `printf 'GET /half-close/gnutls HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n' | gnutls-cli ${args.join(' ')}`],
    undefined,
  );
  assert.equal(parseRawResponse(child.stdout)?.status, 200, child.output);
});

/** An HTTP/2 frame (RFC 9113 4.1): 24-bit length, type, flags, 31-bit stream id, payload. */
function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK literal field without indexing whose name is static-table entry `nameIndex` (RFC 7541 6.2.2); short values only. */
function literal(nameIndex: number, value: string): Buffer {
  return Buffer.concat([Buffer.from([nameIndex, value.length]), Buffer.from(value, 'latin1')]);
}

interface Http2Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

function parseFrames(bytes: Buffer): Http2Frame[] {
  const frames: Http2Frame[] = [];
  for (let offset = 0; offset + 9 <= bytes.length;) {
    const length = bytes.readUIntBE(offset, 3);
    if (offset + 9 + length > bytes.length) break;
    frames.push({
      type: bytes[offset + 3]!,
      flags: bytes[offset + 4]!,
      streamId: bytes.readUInt32BE(offset + 5) & 0x7fffffff,
      payload: bytes.subarray(offset + 9, offset + 9 + length),
    });
    offset += 9 + length;
  }
  return frames;
}

/**
 * An HTTP/2 client written frame by frame (node's own client session cannot write after its
 * socket's end, and would have to acknowledge the server's SETTINGS): the connection preface, an
 * empty SETTINGS, a GET of `path` with END_STREAM on stream 1, then `end()` (close_notify and FIN)
 * or, with `isTcpOnly`, a bare TCP FIN under the TLS layer; it reads until the gateway closes.
 */
function http2GetAndHalfClose(
  version: 'TLSv1.2' | 'TLSv1.3',
  path: string,
  isTcpOnly: boolean,
): Promise<{ readonly frames: Http2Frame[]; readonly isClosedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const tcp = connectTcp({ host: '127.0.0.1', port: gw.port });
    const socket = connectTls({
      socket: tcp,
      servername: 'localhost',
      ca: readText(env.rootPem),
      cert: readText(client.chain),
      key: readText(client.key),
      ALPNProtocols: ['h2'],
      minVersion: version,
      maxVersion: version,
    });
    const finish = (isClosedByServer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ frames: parseFrames(Buffer.concat(chunks)), isClosedByServer });
    };
    const timer = setTimeout(() => finish(false), 5000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => finish(true));
    socket.once('close', () => finish(true));
    socket.once('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('secureConnect', () => {
      assert.equal(socket.alpnProtocol, 'h2');
      // :method GET (2), :scheme https (7), then :path (name 4) and :authority (name 1) as literals.
      const block = Buffer.concat([Buffer.from([0x82, 0x87]), literal(4, path), literal(1, 'localhost')]);
      const request = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), frame(4, 0, 0), frame(1, 0x5, 1, block)]);
      socket.write(request, () => {
        if (isTcpOnly) tcp.end();
        else socket.end();
      });
    });
  });
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  for (const isTcpOnly of [false, true]) {
    test(`an HTTP/2 request followed by a half-close (${isTcpOnly ? 'TCP FIN' : 'close_notify and FIN'}) over ${version} is answered, then the session closes`, async () => {
      const path = `/half-close/h2/${version}/${isTcpOnly ? 'fin' : 'close-notify'}`;
      const result = await http2GetAndHalfClose(version, path, isTcpOnly);
      const onStream = result.frames.filter((frame) => frame.streamId === 1);
      const headers = onStream.find((frame) => frame.type === 1);
      assert.ok(
        headers !== undefined,
        `no HEADERS on stream 1: ${JSON.stringify(result.frames.map((frame) => [frame.type, frame.streamId]))}`,
      );
      // :status 200 is static-table entry 8, indexed: 0x88 (RFC 7541 appendix A).
      assert.equal(headers.payload[0], 0x88);
      const body = Buffer.concat(onStream.filter((frame) => frame.type === 0).map((frame) => frame.payload)).toString('utf8');
      assert.equal((JSON.parse(body) as Record<string, unknown>)['url'], path);
      assert.equal(upstream.seen(path).length, 1);
      assert.ok(result.isClosedByServer, 'the gateway closes the session once it has answered');
      assert.ok(
        result.frames.some((frame) => frame.type === 7),
        'with a GOAWAY',
      );
    });
  }
}
