import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { enrollmentTokenKey } from '../../src/est/index.js';
import { createEstRoute, EST_PATH, MAX_EST_BODY_BYTES } from '../../src/est/index.js';
import { createServiceListener, hostPort } from '../../src/http/index.js';
import { parseCertificates, toPem } from '../../src/x509/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { runTool } from '../support/revocation-harness.js';
import { basic, httpsRequest, makeCsr, startEstHarness } from './support/est-harness.js';
import type { EstHarness, HttpsAnswer } from './support/est-harness.js';

// Issue #17, bad input: each class gets the RFC's status with a short text body naming the
// problem, and nothing is issued.

const temp = makeTempDir('symbolon-est-bad-');
let est: EstHarness;
let ca: string;

before(async () => {
  est = await startEstHarness(await makeTemplateCa(temp.path), temp.path);
  // A self-signed server certificate for a second listener (and a foreign client certificate).
  const made = await runTool('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(temp.path, 'server.key'),
    '-out',
    join(temp.path, 'server.crt'),
    '-subj',
    '/CN=localhost',
    '-days',
    '1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  assert.equal(made.code, 0, made.output);
  ca = `${readFileSync(est.caFile, 'utf8')}${readFileSync(join(temp.path, 'server.crt'), 'utf8')}`;
});
after(async () => {
  await est?.close();
  temp.remove();
});

function post(
  path: string,
  body: string | Buffer,
  headers: Record<string, string>,
  client: { cert?: string; key?: string } = {},
  url = est.url,
): Promise<HttpsAnswer> {
  return httpsRequest(`${url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/pkcs10', ...headers },
    body,
    ca,
    ...client,
  });
}

/** Asserts the refusal and that the store holds exactly as many certificates as before. */
async function assertRefused(answer: Promise<HttpsAnswer>, status: number, code: string): Promise<HttpsAnswer> {
  const before = await est.h.services.store.certificateCount();
  const refused = await answer;
  assert.equal(refused.status, status, refused.body.toString());
  assert.equal(refused.headers['content-type'], 'text/plain; charset=utf-8');
  assert.match(refused.body.toString(), new RegExp(`^${code}: \\S.*\\n$`));
  assert.equal(Number(refused.headers['content-length']), refused.body.length);
  assert.equal(await est.h.services.store.certificateCount(), before, 'nothing was issued');
  return refused;
}

const b64 = (der: Buffer): string => der.toString('base64');

async function enrolledDevice(name: string): Promise<{ cert: string; key: string; serial: string; csr: Buffer }> {
  const token = await est.token();
  const { keyPem, csr } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: name }]] });
  const answer = await post('/simpleenroll', b64(csr), { Authorization: basic(token) });
  assert.equal(answer.status, 200, answer.body.toString());
  const file = join(temp.path, `${name}.p7`);
  writeFileSync(file, Buffer.from(answer.body.toString(), 'base64'));
  const printed = await runTool('openssl', ['pkcs7', '-inform', 'DER', '-in', file, '-print_certs']);
  const certificate = parseCertificates(printed.stdout)[0]!;
  return { cert: toPem('CERTIFICATE', certificate.der), key: keyPem, serial: certificate.serialNumber, csr };
}

test('unknown, wrong, expired, used-up and revoked tokens are 401 with the challenge', async () => {
  const { csr } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-1' }]] });
  const good = await est.token();
  const unknown = await assertRefused(
    post('/simpleenroll', b64(csr), { Authorization: basic({ id: '0123456789abcdef', secret: good.secret }) }),
    401,
    'EST_TOKEN_INVALID',
  );
  assert.equal(unknown.headers['www-authenticate'], 'Basic realm="Test EST"');
  await assertRefused(
    post('/simpleenroll', b64(csr), { Authorization: basic({ id: good.id, secret: 'A'.repeat(43) }) }),
    401,
    'EST_TOKEN_INVALID',
  );
  await assertRefused(post('/simpleenroll', b64(csr), { Authorization: 'Digest whatever' }), 401, 'EST_TOKEN_INVALID');
  await assertRefused(post('/simpleenroll', b64(csr), { Authorization: `Bearer ${good.id}` }), 401, 'EST_TOKEN_INVALID');
  const expired = await est.token({ ttlSeconds: 60 }, new Date(Date.now() - 120_000));
  await assertRefused(post('/simpleenroll', b64(csr), { Authorization: basic(expired) }), 401, 'EST_TOKEN_EXPIRED');
  assert.equal((await post('/simpleenroll', b64(csr), { Authorization: basic(good) })).status, 200);
  await assertRefused(post('/simpleenroll', b64(csr), { Authorization: basic(good) }), 401, 'EST_TOKEN_USED_UP');
  const revoked = await est.token();
  await est.h.services.store.revokeEnrollmentToken(revoked.id, new Date(), {
    at: new Date(),
    actor: 'test',
    action: 'token.revoke',
    target: `token/${revoked.id}`,
    payload: {},
  });
  await assertRefused(post('/simpleenroll', b64(csr), { Authorization: basic(revoked) }), 401, 'EST_TOKEN_REVOKED');
});

test('names outside the token scope, and a token used at another profile, are 403; the token keeps its use', async () => {
  const token = await est.token();
  for (const name of ['gateway-1', 'sensor-1.evil.example']) {
    const { csr } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: name }]] });
    await assertRefused(post('/simpleenroll', b64(csr), { Authorization: basic(token) }), 403, 'EST_NAME_NOT_IN_SCOPE');
  }
  const { csr: withSan } = await makeCsr({
    subject: [[{ type: '2.5.4.3', value: 'sensor-2' }]],
    subjectAltName: [{ type: 'dns', value: 'admin.example' }],
  });
  await assertRefused(post('/simpleenroll', b64(withSan), { Authorization: basic(token) }), 403, 'EST_NAME_NOT_IN_SCOPE');
  const { csr: nameless } = await makeCsr({ subject: [[{ type: '2.5.4.10', value: 'Sensors Inc' }]] });
  await assertRefused(post('/simpleenroll', b64(nameless), { Authorization: basic(token) }), 403, 'EST_NAME_NOT_IN_SCOPE');
  const { csr } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-2' }]] });
  await assertRefused(post('/server/simpleenroll', b64(csr), { Authorization: basic(token) }), 403, 'EST_SCOPE_MISMATCH');
  assert.equal((await est.h.services.store.getEnrollmentToken(token.id))?.usesLeft, 1);
  assert.equal((await post('/simpleenroll', b64(csr), { Authorization: basic(token) })).status, 200);
});

test('a CSR with a bad signature, a weak key or forbidden extensions is 400', async () => {
  const token = await est.token({ uses: 10 });
  const auth = { Authorization: basic(token) };
  const { csr } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-3' }]] });
  const tampered = Buffer.from(csr);
  tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0x01, tampered.length - 1);
  await assertRefused(post('/simpleenroll', b64(tampered), auth), 400, 'CSR_SIGNATURE_INVALID');
  const weakFile = join(temp.path, 'weak.der');
  const weak = await runTool('openssl', [
    'req',
    '-new',
    '-newkey',
    'rsa:1024',
    '-nodes',
    '-keyout',
    join(temp.path, 'weak.key'),
    '-subj',
    '/CN=sensor-weak',
    '-outform',
    'DER',
    '-out',
    weakFile,
  ]);
  assert.equal(weak.code, 0, weak.output);
  await assertRefused(post('/simpleenroll', b64(readFileSync(weakFile)), auth), 400, 'CA_KEY_TOO_WEAK');
  const { csr: asCa } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-4' }]], basicConstraints: { isCa: true } });
  await assertRefused(post('/simpleenroll', b64(asCa), auth), 400, 'EST_CSR_EXTENSION_FORBIDDEN');
  const otherFile = join(temp.path, 'other-ext.der');
  const other = await runTool('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(temp.path, 'other.key'),
    '-subj',
    '/CN=sensor-5',
    '-addext',
    '1.2.3.4=ASN1:NULL',
    '-outform',
    'DER',
    '-out',
    otherFile,
  ]);
  assert.equal(other.code, 0, other.output);
  await assertRefused(post('/simpleenroll', b64(readFileSync(otherFile)), auth), 400, 'EST_CSR_EXTENSION_FORBIDDEN');
  assert.equal((await est.h.services.store.getEnrollmentToken(token.id))?.usesLeft, 10, 'no use was taken for a refused request');
});

test('a body that is not base64, not a CSR, empty, oversize, or of another type is refused', async () => {
  const token = await est.token();
  const auth = { Authorization: basic(token) };
  const { csr } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-6' }]] });
  await assertRefused(post('/simpleenroll', toPem('CERTIFICATE REQUEST', csr), auth), 400, 'EST_NOT_BASE64');
  await assertRefused(post('/simpleenroll', csr, auth), 400, 'EST_NOT_BASE64');
  await assertRefused(post('/simpleenroll', '', auth), 400, 'EST_NOT_BASE64');
  await assertRefused(post('/simpleenroll', b64(randomBytes(200)), auth), 400, 'ASN1_[A-Z_]+');
  await assertRefused(post('/simpleenroll', 'A'.repeat(MAX_EST_BODY_BYTES + 4), auth), 413, 'HTTP_BODY_TOO_LARGE');
  await assertRefused(
    post('/simpleenroll', b64(csr), { ...auth, 'Content-Type': 'application/octet-stream' }),
    415,
    'HTTP_UNSUPPORTED_MEDIA_TYPE',
  );
  await assertRefused(httpsRequest(`${est.url}/simpleenroll`, { method: 'GET', ca }), 405, 'HTTP_METHOD_NOT_ALLOWED');
  await assertRefused(httpsRequest(`${est.url}/nothing`, { ca }), 404, 'HTTP_NOT_FOUND');
  assert.equal((await est.h.services.store.getEnrollmentToken(token.id))?.usesLeft, 1);
});

test('re-enrollment without a certificate is 401; with another subject, a revoked or an expired certificate 403', async () => {
  const device = await enrolledDevice('sensor-re1');
  const client = { cert: device.cert, key: device.key };
  await assertRefused(post('/simplereenroll', b64(device.csr), {}), 401, 'EST_REENROLL_CERTIFICATE_REQUIRED');
  const { csr: other } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-re2' }]] });
  await assertRefused(post('/simplereenroll', b64(other), {}, client), 403, 'EST_REENROLL_SUBJECT_MISMATCH');
  const { csr: extraName } = await makeCsr({
    subject: [[{ type: '2.5.4.3', value: 'sensor-re1' }]],
    subjectAltName: [{ type: 'dns', value: 'sensor-re1' }],
  });
  await assertRefused(post('/simplereenroll', b64(extraName), {}, client), 403, 'EST_REENROLL_SUBJECT_MISMATCH');

  // The same certificate, a year on: an EST route whose clock is past its notAfter.
  const later = createServiceListener({
    tls: { key: readFileSync(join(temp.path, 'server.key'), 'utf8'), cert: readFileSync(join(temp.path, 'server.crt'), 'utf8'), ca: [ca] },
    onError: () => undefined,
  });
  later.mount(
    EST_PATH,
    createEstRoute({
      store: est.h.services.store,
      ca: est.h.ca,
      caCertificates: [est.h.ca.issuer.certificate.der],
      issuers: [{ id: est.h.ca.issuer.id, certificate: est.h.ca.issuer.certificate }],
      tokenHashKey: await enrollmentTokenKey(est.h.dataDir.paths),
      clock: () => new Date(Date.now() + 400 * 86_400_000),
      retryAfterSeconds: 1,
      maxBodyBytes: MAX_EST_BODY_BYTES,
      bodyTimeoutMs: 5000,
      realm: 'later',
      onError: () => undefined,
    }),
  );
  const bound = await later.listen({ host: '127.0.0.1', port: 0 });
  try {
    await assertRefused(
      post('/simplereenroll', b64(device.csr), {}, client, `https://${hostPort(bound)}${EST_PATH}`),
      403,
      'EST_REENROLL_CERTIFICATE_EXPIRED',
    );
  } finally {
    await later.close();
  }

  await revokeCertificate(est.h.services.store, { issuerId: 'intermediate-1', serial: device.serial }, 'keyCompromise', {
    actor: 'test',
    now: new Date(),
  });
  await assertRefused(post('/simplereenroll', b64(device.csr), {}, client), 403, 'EST_REENROLL_CERTIFICATE_REVOKED');
  // A certificate of another CA is not one this CA issued.
  await assertRefused(
    post(
      '/simplereenroll',
      b64(device.csr),
      {},
      { cert: readFileSync(join(temp.path, 'server.crt'), 'utf8'), key: readFileSync(join(temp.path, 'server.key'), 'utf8') },
    ),
    403,
    'EST_REENROLL_CERTIFICATE_UNKNOWN',
  );
});
