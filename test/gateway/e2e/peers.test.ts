import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { isToolPresent, parseRawResponse, rawGet, runWithInput } from './support/tls-clients.js';

let env: E2eEnv;
let upstream: EchoUpstream;
let gw: TestGateway;
let tls13: TestGateway;
let client: CertificateFiles;

const GNUTLS_ABSENT = isToolPresent('gnutls-cli') ? false : 'gnutls-cli is absent (install gnutls-bin)';

before(async () => {
  env = await startE2eEnv('peers');
  upstream = await startEchoUpstream();
  client = await env.issue('peer-client');
  gw = await startTestGateway(env, makeConfig(env, { routes: [{ upstream: upstream.url }] }));
  tls13 = await startTestGateway(
    env,
    makeConfig(env, { isAdminless: true, listener: { minTlsVersion: 'TLSv1.3' }, routes: [{ upstream: upstream.url }] }),
  );
});

after(async () => {
  await gw?.close();
  await tls13?.close();
  await upstream?.close();
  await env?.close();
});

/** openssl s_client with a raw HTTP/1.1 request on standard input (kept open: the server closes). */
function sClient(
  port: number,
  path: string | undefined,
  options: { client?: CertificateFiles; version?: '-tls1_2' | '-tls1_3' } = {},
): ReturnType<typeof runWithInput> {
  const args = [
    's_client',
    '-connect',
    `127.0.0.1:${port}`,
    '-servername',
    'localhost',
    '-CAfile',
    env.rootPem,
    '-verify_return_error',
    '-brief',
  ];
  if (options.version !== undefined) args.push(options.version);
  if (options.client !== undefined) args.push('-cert', options.client.cert, '-key', options.client.key, '-cert_chain', env.intermediatePem);
  return runWithInput('openssl', args, path === undefined ? '' : rawGet(path));
}

function gnutlsCli(port: number, path: string, withClient: boolean): ReturnType<typeof runWithInput> {
  const args = ['--x509cafile', env.rootPem, '-p', String(port), '--sni-hostname', 'localhost', '--verify-hostname', 'localhost'];
  if (withClient) args.push('--x509certfile', client.chain, '--x509keyfile', client.key);
  args.push('127.0.0.1');
  return runWithInput('gnutls-cli', args, rawGet(path));
}

test('openssl s_client with a client certificate and chain gets 200 from the upstream', async () => {
  const result = await sClient(gw.port, '/openssl/ok', { client });
  const answer = parseRawResponse(result.stdout);
  assert.equal(answer?.status, 200, result.output);
  const seen = upstream.seen('/openssl/ok');
  assert.equal(seen.length, 1);
  assert.match(String(seen[0]!.headers['x-forwarded-client-cert']), new RegExp(`^Hash=${client.fingerprint};`));
});

test('openssl s_client without a client certificate is refused in the handshake (every route requires one)', async () => {
  for (const [version, alert] of [
    ['-tls1_3', /alert certificate required|alert number 116/i],
    ['-tls1_2', /alert handshake failure|alert number 40/i],
  ] as const) {
    // Nothing sent: a request the gateway never reads would make its close a reset, which may drop the alert unread.
    const result = await sClient(gw.port, undefined, { version });
    assert.match(result.output, alert, result.output);
    assert.equal(parseRawResponse(result.stdout), undefined);
  }
});

test('gnutls-cli with a client certificate and chain gets 200 from the upstream', { skip: GNUTLS_ABSENT }, async () => {
  const result = await gnutlsCli(gw.port, '/gnutls/ok', true);
  const answer = parseRawResponse(result.stdout);
  assert.equal(answer?.status, 200, result.output);
  assert.equal(upstream.seen('/gnutls/ok').length, 1);
});

test(
  'gnutls-cli without a client certificate is refused in the handshake (every route requires one)',
  { skip: GNUTLS_ABSENT },
  async () => {
    const result = await gnutlsCli(gw.port, '/gnutls/anonymous', false);
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /certificate required|handshake failure|alert/i, result.output);
    assert.equal(parseRawResponse(result.stdout), undefined);
    assert.equal(upstream.seen('/gnutls/anonymous').length, 0);
  },
);

test('the default listener accepts TLS 1.2 and TLS 1.3', async () => {
  for (const [version, label] of [
    ['-tls1_2', 'TLSv1.2'],
    ['-tls1_3', 'TLSv1.3'],
  ] as const) {
    const result = await sClient(gw.port, `/version/${label}`, { client, version });
    assert.match(result.output, new RegExp(`Protocol version: ${label.replace('.', '\\.')}`), result.output);
    assert.equal(parseRawResponse(result.stdout)?.status, 200, result.output);
  }
});

test('a listener with minTlsVersion TLSv1.3 refuses a TLS 1.2 client and serves a TLS 1.3 one', async () => {
  const refused = await sClient(tls13.port, '/tls13/old', { client, version: '-tls1_2' });
  assert.notEqual(refused.code, 0);
  assert.match(refused.output, /alert protocol version|unsupported protocol|no protocols available|wrong version number/i, refused.output);
  assert.equal(parseRawResponse(refused.stdout), undefined);
  assert.equal(upstream.seen('/tls13/old').length, 0);
  const accepted = await sClient(tls13.port, '/tls13/new', { client, version: '-tls1_3' });
  assert.match(accepted.output, /Protocol version: TLSv1\.3/);
  assert.equal(parseRawResponse(accepted.stdout)?.status, 200, accepted.output);
});
