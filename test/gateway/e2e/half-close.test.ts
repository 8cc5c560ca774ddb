import assert from 'node:assert/strict';
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
function sendAndHalfClose(version: 'TLSv1.2' | 'TLSv1.3', bytes: string, timeoutMs = 5000): Promise<ParsedResponses & { readonly isClosedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connectTls({ host: '127.0.0.1', port: gw.port, servername: 'localhost', ca: readText(env.rootPem), cert: readText(client.chain), key: readText(client.key), ALPNProtocols: ['http/1.1'], minVersion: version, maxVersion: version });
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
  const result = await sendAndHalfClose('TLSv1.3', get('/half-close/one') + get('/half-close/two') + `POST /half-close/three HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello`);
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
  const body = await sendAndHalfClose('TLSv1.3', `POST /half-close/short-body HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\nonly part`);
  assert.ok(body.isClosedByServer);
  assert.equal(body.responses.length, 0);
  const head = await sendAndHalfClose('TLSv1.3', `GET /half-close/short-head HTTP/1.1\r\nHost: loc`);
  assert.ok(head.isClosedByServer);
  assert.equal(head.responses.length, 0);
  assert.equal(upstream.seen('/half-close/short-head').length, 0);
});

test('gnutls-cli, which half-closes after its request on TLS 1.3, gets its answer', { skip: GNUTLS_ABSENT }, async () => {
  const args = ['--x509cafile', env.rootPem, '-p', String(gw.port), '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--x509certfile', client.chain, '--x509keyfile', client.key, '127.0.0.1'];
  const child = await runWithInput('sh', ['-c', `printf 'GET /half-close/gnutls HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n' | gnutls-cli ${args.join(' ')}`], undefined);
  assert.equal(parseRawResponse(child.stdout)?.status, 200, child.output);
});
