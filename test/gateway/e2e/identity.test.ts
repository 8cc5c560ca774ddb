import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { toPem } from '../../../src/x509/index.js';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream, UpstreamRequest } from './support/echo-upstream.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl } from './support/tls-clients.js';

let env: E2eEnv;
let upstream: EchoUpstream;
let gw: TestGateway;
let svid: CertificateFiles;

const SPOOFS = [
  'X-Forwarded-Client-Cert: Hash=spoofed;Subject="CN=admin"',
  'x-forwarded-client-cert: By=spiffe://evil/x',
  'Client-Cert: :c3Bvb2Y=:',
  'CLIENT-CERT: :c3Bvb2YK:',
  'client-cert-chain: :c3Bvb2Y=:',
  'Client-Cert-Chain: :YWJj:',
];

before(async () => {
  env = await startE2eEnv('identity');
  upstream = await startEchoUpstream();
  svid = await env.issue('', {
    profile: 'spiffe',
    isSubjectEmpty: true,
    sans: [
      { type: 'uri', value: 'spiffe://test.example/ns/payments/sa/api' },
      { type: 'dns', value: 'api.payments.test.example' },
    ],
  });
  gw = await startTestGateway(
    env,
    makeConfig(env, {
      routes: [
        { pathPrefix: '/rfc', upstream: upstream.url, headers: 'rfc9440' },
        { pathPrefix: '/both', upstream: upstream.url, headers: 'both' },
        { pathPrefix: '/none', upstream: upstream.url, headers: 'none' },
        { pathPrefix: '/open', upstream: upstream.url, clientCertificate: 'optional' },
        { pathPrefix: '/', upstream: upstream.url },
      ],
    }),
  );
});

after(async () => {
  await gw?.close();
  await upstream?.close();
  await env?.close();
});

function only(prefix: string): UpstreamRequest {
  const seen = upstream.seen(prefix);
  assert.equal(seen.length, 1, `the upstream should have seen one request to ${prefix}, saw ${seen.length}`);
  return seen[0]!;
}

/** Every value the upstream received for `name`, whatever the case it was sent in. */
function rawValues(request: UpstreamRequest, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2)
    if (request.rawHeaders[i]!.toLowerCase() === name) values.push(request.rawHeaders[i + 1]!);
  return values;
}

function pemOf(path: string): string {
  return readFileSync(path, 'utf8');
}

/** The first PEM block of a file as DER, base64. */
function derBase64(path: string, index = 0): string {
  const blocks = [...pemOf(path).matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
  return blocks[index]![1]!.replace(/\s+/g, '');
}

for (const http2 of [false, true]) {
  const label = http2 ? 'HTTP/2' : 'HTTP/1.1';
  const tag = http2 ? 'h2' : 'h1';

  test(`curl over ${label} with a client chain reaches the upstream with Envoy's x-forwarded-client-cert`, async () => {
    const answer = await curl(env, gw.port, `/xfcc-${tag}?q=1`, { client: svid, http2 });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.httpVersion, http2 ? '2' : '1.1');
    const seen = only(`/xfcc-${tag}`);
    const xfcc = rawValues(seen, 'x-forwarded-client-cert');
    assert.equal(xfcc.length, 1);
    const value = xfcc[0]!;
    assert.match(value, new RegExp(`^Hash=${svid.fingerprint};`));
    assert.ok(
      value.includes(`Cert="${encodeURIComponent(toPem('CERTIFICATE', Buffer.from(derBase64(svid.cert), 'base64')))}"`),
      value.slice(0, 200),
    );
    assert.ok(value.includes('Subject=""'), 'an SVID has an empty subject, quoted as Envoy does');
    assert.ok(value.includes(';URI=spiffe://test.example/ns/payments/sa/api'), value);
    assert.ok(value.endsWith(';DNS=api.payments.test.example'), value);
    assert.equal(rawValues(seen, 'client-cert').length, 0);
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
  });

  test(`curl over ${label} on an rfc9440 route: the upstream gets Client-Cert and Client-Cert-Chain`, async () => {
    const answer = await curl(env, gw.port, `/rfc/${tag}`, { client: svid, http2 });
    assert.equal(answer.status, 200, answer.body);
    const seen = only(`/rfc/${tag}`);
    assert.deepEqual(rawValues(seen, 'client-cert'), [`:${derBase64(svid.cert)}:`]);
    assert.deepEqual(rawValues(seen, 'client-cert-chain'), [`:${derBase64(svid.chain, 1)}:`]);
    assert.equal(rawValues(seen, 'x-forwarded-client-cert').length, 0);
  });

  test(`spoofed identity headers sent over ${label} in any case, repeated, never reach the upstream`, async () => {
    const client = await env.issue(`spoofer-${tag}`);
    for (const prefix of ['/both', '/none', '/']) {
      const path = `${prefix === '/' ? '/plain' : prefix}/spoof-${tag}`;
      const answer = await curl(env, gw.port, path, { client, http2, headers: SPOOFS });
      assert.equal(answer.status, 200, answer.body);
      const seen = only(path);
      const xfcc = rawValues(seen, 'x-forwarded-client-cert');
      const clientCert = rawValues(seen, 'client-cert');
      const chain = rawValues(seen, 'client-cert-chain');
      if (prefix === '/none') assert.deepEqual([xfcc, clientCert, chain], [[], [], []]);
      else {
        assert.equal(xfcc.length, 1, `${path}: ${JSON.stringify(xfcc)}`);
        assert.match(xfcc[0]!, new RegExp(`^Hash=${client.fingerprint};`));
        assert.ok(!xfcc[0]!.includes('spoofed') && !xfcc[0]!.includes('evil'));
        if (prefix === '/both') {
          assert.deepEqual(clientCert, [`:${derBase64(client.cert)}:`]);
          assert.deepEqual(chain, [`:${derBase64(client.chain, 1)}:`]);
        } else assert.deepEqual([clientCert, chain], [[], []]);
      }
    }
  });

  test(`an optional route over ${label} lets a request without certificate through with no identity headers, spoofed ones stripped`, async () => {
    const path = `/open/anonymous-${tag}`;
    const answer = await curl(env, gw.port, path, { http2, headers: SPOOFS });
    assert.equal(answer.status, 200, answer.body);
    const seen = only(path);
    for (const name of ['x-forwarded-client-cert', 'client-cert', 'client-cert-chain']) assert.deepEqual(rawValues(seen, name), [], name);
  });
}

test('an optional route still identifies a client that presents a certificate', async () => {
  const answer = await curl(env, gw.port, '/open/identified', { client: svid });
  assert.equal(answer.status, 200, answer.body);
  assert.match(rawValues(only('/open/identified'), 'x-forwarded-client-cert')[0] ?? '', new RegExp(`^Hash=${svid.fingerprint};`));
});

test('the access log has one JSON line per request with decision, reason, status and client identity, never the query string', async () => {
  const file = join(env.dir, 'logs', 'access.jsonl');
  const logged = await startTestGateway(
    env,
    makeConfig(env, {
      accessLog: { file },
      isAdminless: true,
      routes: [{ pathPrefix: '/open', upstream: upstream.url, clientCertificate: 'optional' }, { upstream: upstream.url }],
    }),
  );
  const client = await env.issue('logged-client');
  try {
    assert.equal((await curl(env, logged.port, '/logged/allowed?token=s3cret-query', { client })).status, 200);
    assert.equal((await curl(env, logged.port, '/logged/refused?token=s3cret-query', {})).status, 403);
  } finally {
    // The log is buffered (pino, minLength 4 KiB): closing the gateway flushes it.
    await logged.close();
  }
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes('s3cret-query'), 'the query string must never be logged');
  const lines = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 2, text);
  const [allowed, refused] = [
    lines.find((line) => line['path'] === '/logged/allowed'),
    lines.find((line) => line['path'] === '/logged/refused'),
  ];
  assert.ok(allowed !== undefined && refused !== undefined, text);
  assert.equal(allowed['decision'], 'allowed');
  assert.equal(allowed['status'], 200);
  assert.equal(allowed['reason'], undefined);
  const identity = allowed['client'] as Record<string, unknown>;
  assert.equal(identity['subject'], 'CN=logged-client');
  assert.equal(identity['serial'], client.serial);
  assert.equal(identity['fingerprint'], client.fingerprint);
  assert.equal(refused['decision'], 'rejected');
  assert.equal(refused['reason'], 'no_certificate');
  assert.equal(refused['status'], 403);
  assert.equal(refused['client'], undefined);
});
