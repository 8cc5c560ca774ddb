import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { estRefusalCode, estRetryAfterMs, simpleEnroll } from '../../src/client/index.js';
import type { EstEndpoint } from '../../src/client/index.js';
import { isSymbolonError } from '../../src/errors.js';
import { makeTempDir } from '../ca/support.js';
import { selfSignedServer } from '../support/self-signed-server.js';

// The EST client's reading of a 202 (RFC 7030 4.2.3) and of a refusal: the code, and the wait the
// server asked for in Retry-After (RFC 9110 10.2.3: delay-seconds or an HTTP-date), which the
// renewal loop and the agent honour. A real HTTPS server answers what each case needs.

const temp = makeTempDir('symbolon-est-client-');
let endpoint: EstEndpoint;
let answer: { status: number; headers: Record<string, string>; body: string } = { status: 202, headers: {}, body: '' };
let close: () => Promise<void>;

before(async () => {
  const tls = await selfSignedServer(temp.path, 'est-client-test');
  const server = createServer(tls, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(answer.status, answer.headers).end(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/est`, ca: tls.cert, timeoutMs: 5000 };
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
after(async () => {
  await close?.();
  temp.remove();
});

async function enrollError(): Promise<unknown> {
  try {
    await simpleEnroll(endpoint, { id: '0123456789abcdef', secret: 'secretsecret' }, Buffer.from('csr'));
  } catch (error) {
    return error;
  }
  assert.fail('the enrollment was not refused');
}

test("a 202 is CLIENT_EST_PENDING, with the server's text and its Retry-After in seconds or as an HTTP-date", async () => {
  answer = { status: 202, headers: { 'Retry-After': '7' }, body: 'enrollment 0123456789abcdef waits for approval\n' };
  let error = await enrollError();
  assert.ok(isSymbolonError(error, 'CLIENT_EST_PENDING'));
  assert.match(error.message, /enrollment 0123456789abcdef waits for approval$/);
  assert.equal(estRetryAfterMs(error), 7000);

  answer = { status: 202, headers: { 'Retry-After': new Date(Date.now() + 120_000).toUTCString() }, body: '' };
  error = await enrollError();
  const waitMs = estRetryAfterMs(error);
  assert.ok(waitMs !== undefined && waitMs > 110_000 && waitMs <= 120_000, String(waitMs));

  answer = { status: 202, headers: { 'Retry-After': 'soon' }, body: '' };
  assert.equal(estRetryAfterMs(await enrollError()), undefined, 'neither form: no wait');
  answer = { status: 202, headers: {}, body: '' };
  assert.equal(estRetryAfterMs(await enrollError()), undefined);
});

test("a refusal is CLIENT_EST_REFUSED with the server's code, and a Retry-After it sent (503) is kept", async () => {
  answer = { status: 503, headers: { 'Retry-After': '30' }, body: 'EST_BUSY: try later\n' };
  const error = await enrollError();
  assert.ok(isSymbolonError(error, 'CLIENT_EST_REFUSED'));
  assert.equal(estRefusalCode(error), 'EST_BUSY');
  assert.equal(estRetryAfterMs(error), 30_000);
});
