import assert from 'node:assert/strict';
import { connect as connectHttp2 } from 'node:http2';
import type { OutgoingHttpHeaders } from 'node:http2';
import { after, before, test } from 'node:test';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream, UpstreamRequest } from './support/echo-upstream.js';
import { rawExchange } from './support/raw-http1.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { readText } from './support/e2e-env.js';

// Names, paths, hosts and headers a client could forge so that the upstream reads another
// request than the one the gateway decided on: each sent over HTTP/1.1 and HTTP/2 against a
// real upstream that records what it received.

let env: E2eEnv;
let upstream: EchoUpstream;
let gw: TestGateway;
let hostGw: TestGateway;
let client: CertificateFiles;
let hashName: CertificateFiles;

before(async () => {
  env = await startE2eEnv('forged-names');
  upstream = await startEchoUpstream();
  client = await env.issue('forger');
  // A CSR with CN "#0c0561646d696e": unescaped in RFC 4514 text, a parser reads it as the DER of "admin".
  hashName = await env.issue('#0c0561646d696e');
  gw = await startTestGateway(
    env,
    makeConfig(env, {
      isAdminless: true,
      routes: [
        { pathPrefix: '/denied', upstream: upstream.url, deny: [{ subjectCn: 'forger' }] },
        { pathPrefix: '/', upstream: upstream.url },
      ],
    }),
  );
  hostGw = await startTestGateway(
    env,
    makeConfig(env, { isAdminless: true, routes: [{ host: 'localhost', upstream: upstream.url }, { upstream: upstream.url }] }),
  );
});

after(async () => {
  await gw?.close();
  await hostGw?.close();
  await upstream?.close();
  await env?.close();
});

interface Answer {
  readonly status: number;
  readonly body: string;
}

async function http1(port: number, target: string, host = 'localhost', extra = ''): Promise<Answer> {
  const exchange = await rawExchange(env, port, client, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`, {
    expectClose: true,
  });
  const response = exchange.responses[0];
  assert.ok(response !== undefined, `no response to ${JSON.stringify(target)}: ${exchange.raw.toString('latin1').slice(0, 200)}`);
  return { status: response.status, body: response.body.toString('utf8') };
}

async function http2(
  port: number,
  path: string,
  authority = `localhost:${port}`,
  headers: OutgoingHttpHeaders = {},
  as = client,
): Promise<Answer> {
  const session = connectHttp2(`https://127.0.0.1:${port}`, {
    ca: readText(env.rootPem),
    cert: readText(as.chain),
    key: readText(as.key),
    servername: 'localhost',
  });
  try {
    return await new Promise<Answer>((resolve, reject) => {
      session.on('error', reject);
      const stream = session.request({ ':method': 'GET', ':path': path, ':authority': authority, ...headers });
      let status = 0;
      let body = '';
      stream.on('response', (head) => (status = Number(head[':status'])));
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
    });
  } finally {
    session.close();
  }
}

/** The request the upstream received for this answer (the echo upstream answers with it). */
function received(answer: Answer): UpstreamRequest {
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body) as UpstreamRequest;
}

const DENIED_FORMS = [
  '/%64enied/x',
  '/%64%65nied/x',
  '/public/../denied/x',
  '/public/%2e%2e/denied/x',
  '/denied;jsessionid=1/x',
  '/denied%3bjsessionid=1/x',
  '/./denied/x',
];
const REFUSED_FORMS = [
  '//denied/x',
  '/public//denied/x',
  '/public/..;/denied/x',
  '/public/..%3b/denied/x',
  '/public/.;/denied/x',
  '/denied%2fx',
  '/denied%5cx',
  '/denied%00',
  '/denied%zz',
];

for (const protocol of ['HTTP/1.1', 'HTTP/2'] as const) {
  const get = (target: string, host?: string): Promise<Answer> =>
    protocol === 'HTTP/1.1' ? http1(gw.port, target, host) : http2(gw.port, target, host);

  test(`${protocol}: every spelling of the denied route's path is decided by the denied route`, async () => {
    for (const target of ['/denied/x', ...DENIED_FORMS]) {
      const answer = await get(target);
      assert.equal(answer.status, 403, `${target}: ${answer.body}`);
      assert.equal((JSON.parse(answer.body) as { reason: string }).reason, 'route_denied', target);
    }
    assert.equal(upstream.seen('/denied').length, 0, 'no spelling of /denied reached the upstream');
  });

  test(`${protocol}: paths back ends read differently are refused with path_invalid`, async () => {
    for (const target of REFUSED_FORMS) {
      const answer = await get(target);
      assert.equal(answer.status, 400, `${target}: ${answer.body}`);
      assert.equal((JSON.parse(answer.body) as { reason: string }).reason, 'path_invalid', target);
    }
  });

  test(`${protocol}: the upstream is sent the normalized path the route was matched on, the query as sent`, async () => {
    const tag = protocol === 'HTTP/1.1' ? 'h1' : 'h2';
    assert.equal(received(await get(`/%70ublic/${tag}/%7e/./x/../caf%c3%a9?q=%2e%2e`)).url, `/public/${tag}/~/caf%C3%A9?q=%2e%2e`);
    assert.equal(received(await get(`/public/${tag};v=1/y`)).url, `/public/${tag};v=1/y`);
  });

  test(`${protocol}: a Host that is not a host name, IPv4 or bracketed IPv6 literal is refused (400)`, async () => {
    for (const host of ['denied.example,localhost', 'denied.example;x', 'denied%2eexample', '[denied.example]', 'localhost:99999']) {
      const answer = await get('/anything', host);
      assert.equal(answer.status, 400, `${host}: ${answer.body}`);
      assert.equal((JSON.parse(answer.body) as { reason: string }).reason, 'host_invalid', host);
    }
    assert.equal(received(await get(`/valid-host-${protocol === 'HTTP/1.1' ? 'h1' : 'h2'}`, '127.0.0.1')).headers.host, '127.0.0.1');
  });

  test(`${protocol}: on a listener with host routes, a host no route names gets 421, not the "*" route`, async () => {
    const send = (host: string): Promise<Answer> =>
      protocol === 'HTTP/1.1' ? http1(hostGw.port, '/', host) : http2(hostGw.port, '/', host);
    const answer = await send('other.example');
    assert.equal(answer.status, 421, answer.body);
    assert.equal((JSON.parse(answer.body) as { reason: string }).reason, 'misdirected');
    assert.equal((await send('localhost')).status, 200);
  });
}

const UNDERSCORE_SPOOFS: Record<string, string> = {
  X_Forwarded_Client_Cert: 'Hash=spoofed;Subject="CN=admin"',
  Client_Cert: ':c3Bvb2Y=:',
  client_cert_chain: ':c3Bvb2Y=:',
  Transfer_Encoding: 'chunked',
  'X-Trace_Id': 'kept-by-nobody',
};

function underscoreNames(request: UpstreamRequest): string[] {
  return request.rawHeaders.filter((_, i) => i % 2 === 0 && request.rawHeaders[i]!.includes('_'));
}

test('HTTP/1.1: request fields whose names have an underscore never reach the upstream', async () => {
  const extra = Object.entries(UNDERSCORE_SPOOFS)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const seen = received(await http1(gw.port, '/underscore-h1', 'localhost', extra));
  assert.deepEqual(underscoreNames(seen), []);
  assert.match(String(seen.headers['x-forwarded-client-cert']), new RegExp(`^Hash=${client.fingerprint};`));
});

test('HTTP/2: request fields whose names have an underscore never reach the upstream', async () => {
  const headers = Object.fromEntries(Object.entries(UNDERSCORE_SPOOFS).map(([name, value]) => [name.toLowerCase(), value]));
  const seen = received(await http2(gw.port, '/underscore-h2', undefined, headers));
  assert.deepEqual(underscoreNames(seen), []);
  assert.match(String(seen.headers['x-forwarded-client-cert']), new RegExp(`^Hash=${client.fingerprint};`));
});

test('a subject CN that begins with # reaches the upstream escaped in XFCC, never as an encoded value', async () => {
  const seen = received(await http2(gw.port, '/hash-name', undefined, {}, hashName));
  const xfcc = String(seen.headers['x-forwarded-client-cert']);
  // RFC 4514 text CN=\#0c05..., its backslash doubled inside XFCC's quotes.
  assert.ok(xfcc.includes('Subject="CN=\\\\#0c0561646d696e"'), xfcc.slice(-120));
  assert.ok(!xfcc.includes('Subject="CN=#'), 'the # is escaped');
});
