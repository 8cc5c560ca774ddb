import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readText, startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl } from './support/tls-clients.js';

// The proxy's data path: bodies stream both ways without being held, large ones arrive intact,
// and an upstream's trickle (server-sent events, long polling) reaches the client as it comes.

let env: E2eEnv;
let upstream: Server;
let gw: TestGateway;
let client: CertificateFiles;

before(async () => {
  env = await startE2eEnv('streaming');
  client = await env.issue('streamer');
  upstream = createServer((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      setTimeout(() => res.end('data: second\n\n'), 600);
      return;
    }
    if (req.url === '/echo-sha256') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      req.on('end', () => res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') })));
      return;
    }
    if (req.url === '/random') {
      // More than the kernel's socket buffers hold on loopback: a client that stops reading holds up the gateway's writes.
      const body = randomBytes(16 * 1024 * 1024);
      res.writeHead(200, { 'content-length': body.length, 'x-sha256': createHash('sha256').update(body).digest('hex') });
      res.end(body);
      return;
    }
    if (req.url === '/big') {
      const body = Buffer.alloc(4 * 1024 * 1024, 'x');
      res.writeHead(200, { 'content-length': body.length, 'x-sha256': createHash('sha256').update(body).digest('hex') });
      res.end(body);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  gw = await startTestGateway(env, makeConfig(env, { routes: [{ pathPrefix: '/', upstream: `http://127.0.0.1:${port}` }] }));
});

after(async () => {
  await gw?.close();
  await new Promise<void>((resolve) => (upstream === undefined ? resolve() : upstream.close(() => resolve())));
  await env?.close();
});

/** Like send, but the client reads nothing for `stallMs` after the response head: the gateway's writes to it queue up. */
function sendStalled(path: string, stallMs: number): Promise<{ status: number; sha256: unknown; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: gw.port,
        path,
        servername: 'localhost',
        ca: readText(env.rootPem),
        cert: readText(client.chain),
        key: readText(client.key),
        headers: { host: 'localhost' },
        timeout: 20_000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.pause();
        setTimeout(() => res.resume(), stallMs);
        res.on('data', (data: Buffer) => chunks.push(data));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sha256: res.headers['x-sha256'], body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function send(
  path: string,
  method: string,
  body?: Buffer,
): Promise<{ status: number; headers: Record<string, unknown>; chunks: { at: number; data: Buffer }[] }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: gw.port,
        path,
        method,
        servername: 'localhost',
        ca: readText(env.rootPem),
        cert: readText(client.chain),
        key: readText(client.key),
        headers: { host: 'localhost' },
        timeout: 20_000,
      },
      (res) => {
        const chunks: { at: number; data: Buffer }[] = [];
        res.on('data', (data: Buffer) => chunks.push({ at: Date.now() - started, data }));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

test('an event stream is relayed as it comes: the first event arrives before the upstream sends the second', async () => {
  const answer = await send('/events', 'GET');
  assert.equal(answer.status, 200);
  const text = Buffer.concat(answer.chunks.map((chunk) => chunk.data)).toString();
  assert.equal(text, 'data: first\n\ndata: second\n\n');
  const first = answer.chunks.find((chunk) => chunk.data.toString().includes('first'))!;
  const last = answer.chunks.at(-1)!;
  assert.ok(last.at - first.at >= 400, `the first event came ${first.at} ms in, the last ${last.at} ms in: not held back`);
});

test('a 4 MiB response and an 8 MiB upload cross the gateway intact', async () => {
  const big = await send('/big', 'GET');
  assert.equal(big.status, 200);
  const body = Buffer.concat(big.chunks.map((chunk) => chunk.data));
  assert.equal(body.length, 4 * 1024 * 1024);
  assert.equal(createHash('sha256').update(body).digest('hex'), big.headers['x-sha256']);

  const upload = randomBytes(8 * 1024 * 1024);
  const echoed = await send('/echo-sha256', 'POST', upload);
  assert.equal(echoed.status, 200);
  assert.deepEqual(JSON.parse(Buffer.concat(echoed.chunks.map((chunk) => chunk.data)).toString()), {
    bytes: upload.length,
    sha256: createHash('sha256').update(upload).digest('hex'),
  });
});

test('different large responses to clients that stall reading, at once, each arrive intact: bytes queued for one client are never overwritten by reads for another', async () => {
  const answers = await Promise.all([0, 1, 2].map((i) => sendStalled('/random', 500 + 200 * i)));
  for (const answer of answers) {
    assert.equal(answer.status, 200);
    assert.equal(answer.body.length, 16 * 1024 * 1024);
    assert.equal(createHash('sha256').update(answer.body).digest('hex'), answer.sha256);
  }
});

test('over HTTP/2 too: a 2 MiB upload reaches the upstream whole (curl --http2)', async () => {
  const upload = randomBytes(2 * 1024 * 1024);
  const file = join(env.dir, 'upload.bin');
  writeFileSync(file, upload);
  const answer = await curl(env, gw.port, '/echo-sha256', {
    client,
    http2: true,
    extra: ['--data-binary', `@${file}`, '-H', 'content-type: application/octet-stream'],
  });
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.httpVersion, '2');
  assert.deepEqual(JSON.parse(answer.body), { bytes: upload.length, sha256: createHash('sha256').update(upload).digest('hex') });
});
