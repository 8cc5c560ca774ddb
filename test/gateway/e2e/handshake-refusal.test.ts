import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { readText, startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl, curlFailure, metricValue, parseRawResponse, plainGet, rawGet, runWithInput, waitFor } from './support/tls-clients.js';

// Issue 14, section 2: a listener whose routes all require a certificate refuses, in the TLS
// handshake, a client without one (as `openssl s_server -Verify` does) and a chain OpenSSL does
// not verify; a listener with an optional route completes certificate-less handshakes only.

const DAY_MS = 86_400_000;

let env: E2eEnv;
let upstream: EchoUpstream;
/** Every route requires a client certificate; its access log goes to `logFile`. */
let required: TestGateway;
/** One route takes clients without certificate. */
let optional: TestGateway;
let logFile: string;
let client: CertificateFiles;

before(async () => {
  env = await startE2eEnv('handshake');
  upstream = await startEchoUpstream();
  client = await env.issue('handshake-client');
  logFile = join(env.dir, 'logs', 'handshake.jsonl');
  required = await startTestGateway(
    env,
    makeConfig(env, { accessLog: { file: logFile }, routes: [{ pathPrefix: '/api', upstream: upstream.url }, { upstream: upstream.url }] }),
  );
  optional = await startTestGateway(
    env,
    makeConfig(env, {
      routes: [{ pathPrefix: '/open', upstream: upstream.url, clientCertificate: 'optional' }, { upstream: upstream.url }],
    }),
  );
});

after(async () => {
  await required?.close();
  await optional?.close();
  await upstream?.close();
  await env?.close();
});

/**
 * openssl s_client with a raw request on standard input (kept open: the server ends the exchange).
 * `path` undefined: nothing is sent, so that a refusal's alert is read before the close (a request
 * the gateway never reads makes its kernel answer the close with a reset, and the client's kernel
 * may then drop the alert unread: RFC 9293 3.6.1, RFC 1122 4.2.2.13).
 */
function sClient(
  port: number,
  path: string | undefined,
  version: '-tls1_2' | '-tls1_3',
  files?: CertificateFiles,
  extra: readonly string[] = [],
): ReturnType<typeof runWithInput> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', env.rootPem, version, ...extra];
  if (files !== undefined) args.push('-cert', files.cert, '-key', files.key, '-cert_chain', files.chain);
  return runWithInput('openssl', args, path === undefined ? '' : rawGet(path));
}

/** Whether node:tls as the client sees its handshake complete ('secure') or fail first. */
function nodeHandshake(port: number, files: CertificateFiles, version: 'TLSv1.2' | 'TLSv1.3'): Promise<'secure' | 'failed'> {
  return new Promise((resolve) => {
    const socket = connectTls({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readText(env.rootPem),
      cert: readText(files.chain),
      key: readText(files.key),
      minVersion: version,
      maxVersion: version,
    });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve('secure');
    });
    socket.once('error', () => resolve('failed'));
    socket.once('close', () => resolve('failed'));
  });
}

async function metrics(gw: TestGateway): Promise<string> {
  const answer = await plainGet(`${gw.adminUrl}/metrics`);
  assert.equal(answer.status, 200);
  return answer.body;
}

function refusedCount(text: string, reason: string): number {
  return metricValue(text, 'symbolon_gateway_handshakes_total', { result: 'rejected', reason });
}

test('without a client certificate, TLS 1.3 ends in the certificate_required alert and TLS 1.2 in handshake_failure, as openssl s_client sees it', async () => {
  const before = refusedCount(await metrics(required), 'no_certificate');
  const tls13 = await sClient(required.port, undefined, '-tls1_3');
  assert.match(tls13.output, /alert certificate required|alert number 116/i, tls13.output);
  assert.equal(parseRawResponse(tls13.stdout), undefined, 'no HTTP answer');
  const tls12 = await sClient(required.port, undefined, '-tls1_2');
  assert.match(tls12.output, /alert handshake failure|alert number 40/i, tls12.output);
  assert.equal(parseRawResponse(tls12.stdout), undefined, 'no HTTP answer');
  assert.equal(refusedCount(await metrics(required), 'no_certificate'), before + 2);
});

test('curl without a client certificate fails in the handshake: no HTTP status', async () => {
  const before = refusedCount(await metrics(required), 'no_certificate');
  const failed = await curlFailure(env, required.port, undefined);
  assert.notEqual(failed.code, 0, failed.output);
  assert.ok(failed.output.startsWith('000'), failed.output);
  assert.equal(refusedCount(await metrics(required), 'no_certificate'), before + 1);
});

test('an untrusted chain is refused in the handshake: TLS 1.2 never completes, TLS 1.3 is closed before any answer', async () => {
  const stranger = await env.foreign('stranger');
  const before = refusedCount(await metrics(required), 'untrusted_issuer');
  const tls12 = await sClient(required.port, '/untrusted-12', '-tls1_2', stranger);
  assert.equal(parseRawResponse(tls12.stdout), undefined, tls12.output);
  assert.match(tls12.output, /unexpected eof/i, tls12.output);
  assert.equal(await nodeHandshake(required.port, stranger, 'TLSv1.2'), 'failed', 'the TLS 1.2 handshake never completes');
  const tls13 = await sClient(required.port, '/untrusted-13', '-tls1_3', stranger);
  assert.equal(parseRawResponse(tls13.stdout), undefined, tls13.output);
  const failed = await curlFailure(env, required.port, stranger);
  assert.notEqual(failed.code, 0, failed.output);
  assert.equal(upstream.seen('/untrusted-12').length + upstream.seen('/untrusted-13').length, 0);
  assert.equal(refusedCount(await metrics(required), 'untrusted_issuer'), before + 4);
});

test('TLS 1.3: an untrusted chain whose request came with its Finished gets close_notify and a clean close, no reset, on either kind of listener; each refusal counted once', async () => {
  // node:tls cannot send an alert for it (its verify callback always accepts; the verdict comes
  // after the handshake): the connection is ended with close_notify and the request read and dropped.
  for (const gw of [required, optional]) {
    const stranger = await env.foreign(`stranger-13-${gw.port}`);
    const before = refusedCount(await metrics(gw), 'untrusted_issuer');
    const result = await sClient(gw.port, '/untrusted-close', '-tls1_3', stranger, ['-msg']);
    assert.match(result.output, /<<< TLS 1\.3, Alert \[length 0002\], warning close_notify/, result.output);
    assert.doesNotMatch(result.output, /errno=104|unexpected eof|reset/i, result.output);
    assert.equal(parseRawResponse(result.stdout), undefined, result.output);
    assert.equal(refusedCount(await metrics(gw), 'untrusted_issuer'), before + 1);
  }
  assert.equal(upstream.seen('/untrusted-close').length, 0);
});

test('expired, not yet valid, wrong usage and leaf-without-intermediate are refused in the handshake, each counted with its reason', async () => {
  const now = Date.now();
  const cases: [string, CertificateFiles, boolean][] = [
    ['expired', await env.forge('expired', { notBefore: new Date(now - 10 * DAY_MS), notAfter: new Date(now - DAY_MS) }), false],
    ['not_yet_valid', await env.forge('future', { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 10 * DAY_MS) }), false],
    [
      'wrong_usage',
      await env.issue('server-only.test.example', { profile: 'server', sans: [{ type: 'dns', value: 'server-only.test.example' }] }),
      false,
    ],
    ['untrusted_issuer', await env.issue('leaf-only'), true],
  ];
  for (const [reason, files, isLeafOnly] of cases) {
    const before = refusedCount(await metrics(required), reason);
    const failed = await curlFailure(env, required.port, isLeafOnly ? { ...files, chain: files.cert } : files);
    assert.notEqual(failed.code, 0, `${reason}: ${failed.output}`);
    assert.equal(refusedCount(await metrics(required), reason), before + 1, reason);
  }
});

test('a good client is served, and the access log has one handshake_refused line per refused handshake with its reason', async () => {
  assert.equal((await curl(env, required.port, '/api/ok', { client })).status, 200);
  const read = (): Record<string, unknown>[] =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  // The log is written in batches, at least every second: wait for the request line, the last one.
  assert.ok(
    await waitFor(() => existsSync(logFile) && read().some((line) => line['event'] === 'request'), 5000, 50),
    'the log was written',
  );
  const lines = read();
  const refused = lines.filter((line) => line['event'] === 'handshake_refused');
  const reasons = new Set(refused.map((line) => line['reason']));
  for (const reason of ['no_certificate', 'untrusted_issuer', 'expired', 'not_yet_valid', 'wrong_usage'])
    assert.ok(reasons.has(reason), `no handshake_refused line for ${reason}: ${JSON.stringify(refused)}`);
  assert.ok(refused.every((line) => typeof line['detail'] === 'string'));
  assert.ok(refused.length >= 10, `${refused.length} lines: ${JSON.stringify(refused)}`);
  assert.equal(lines.filter((line) => line['event'] === 'request').length, 1, 'the request line of the good client');
});

test('a listener with an optional route completes a handshake without certificate: 200 there, 403 no_certificate on a required route', async () => {
  assert.equal((await curl(env, optional.port, '/open/anonymous')).status, 200);
  const refused = await curl(env, optional.port, '/closed/anonymous');
  assert.equal(refused.status, 403, refused.body);
  assert.equal((JSON.parse(refused.body) as Record<string, unknown>)['reason'], 'no_certificate');
  const text = await metrics(optional);
  assert.ok(metricValue(text, 'symbolon_gateway_handshakes_total', { result: 'accepted', reason: 'no_certificate' }) >= 2);
});

test('a listener with an optional route still refuses an untrusted chain in the handshake', async () => {
  const before = refusedCount(await metrics(optional), 'untrusted_issuer');
  for (const version of ['-tls1_2', '-tls1_3'] as const) {
    const result = await sClient(optional.port, '/open/stranger', version, await env.foreign(`stranger${version}`));
    assert.equal(parseRawResponse(result.stdout), undefined, result.output);
  }
  assert.equal(upstream.seen('/open/stranger').length, 0);
  assert.equal(refusedCount(await metrics(optional), 'untrusted_issuer'), before + 2);
});

test('a reload that makes every route require a certificate refuses certificate-less handshakes from then on, and back', async () => {
  const routes = [{ pathPrefix: '/open', upstream: upstream.url, clientCertificate: 'optional' }, { upstream: upstream.url }];
  try {
    await optional.gateway.reload(makeConfig(env, { routes: [{ upstream: upstream.url }] }));
    const refused = await sClient(optional.port, undefined, '-tls1_3');
    assert.match(refused.output, /alert certificate required|alert number 116/i, refused.output);
    assert.equal((await curl(env, optional.port, '/after-reload', { client })).status, 200);
  } finally {
    await optional.gateway.reload(makeConfig(env, { routes }));
  }
  assert.equal((await curl(env, optional.port, '/open/back')).status, 200);
});
