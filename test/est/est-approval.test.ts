import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseCertificate } from '../../src/x509/index.js';
import type { Certificate } from '../../src/x509/index.js';
import { decodeDer } from '../../src/asn1/index.js';
import { copyCa, makeTemplateCa, makeTempDir } from '../ca/support.js';
import { assertOk, runCli } from '../cli/run-cli.js';
import { basic, httpsRequest, makeCsr, startEstHarness } from './support/est-harness.js';
import type { EstHarness, HttpsAnswer } from './support/est-harness.js';

// A profile may require manual approval: the client gets 202 with Retry-After until
// `symbolon ca approve <id>` (or `reject`), both audit entries.

const temp = makeTempDir('symbolon-est-approval-');
let est: EstHarness;
let ca: string;

before(async () => {
  const template = await makeTemplateCa(temp.path);
  appendFileSync(join(template, 'config.yaml'), '\nprofiles:\n  device:\n    extends: client\n    requireApproval: true\n');
  est = await startEstHarness(copyCa(template, temp.path), temp.path);
  ca = readFileSync(est.caFile, 'utf8');
});
after(async () => {
  await est?.close();
  temp.remove();
});

function post(
  path: string,
  body: Buffer,
  headers: Record<string, string>,
  client: { cert?: string; key?: string } = {},
): Promise<HttpsAnswer> {
  return httpsRequest(`${est.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/pkcs10', ...headers },
    body: body.toString('base64'),
    ca,
    ...client,
  });
}

/** The one certificate of a base64 certs-only answer (SignedData's certificates field). */
function certificateOf(answer: HttpsAnswer): Certificate {
  const contentInfo = decodeDer(Buffer.from(answer.body.toString(), 'base64'));
  const signedData = contentInfo.children[1]!.children[0]!;
  const certificates = signedData.children.find((child) => child.tag === 0xa0)!;
  assert.equal(certificates.children.length, 1);
  return parseCertificate(certificates.children[0]!.bytes);
}

function accepted(answer: HttpsAnswer): string {
  assert.equal(answer.status, 202, answer.body.toString());
  assert.ok(answer.rawHeaderNames.includes('Retry-After'), 'Retry-After, spelled so');
  assert.equal(answer.headers['retry-after'], '2');
  const id = /enrollment ([0-9a-f]{16}) waits/.exec(answer.body.toString())?.[1];
  assert.ok(id !== undefined, answer.body.toString());
  return id;
}

const cli = (...args: string[]) => runCli([...args, '--dir', est.h.dir]);

test('an enrollment under an approval profile is 202 until ca approve, then its certificate, the same one at every retry', async () => {
  const token = await est.token({ profile: 'device' });
  const { csr, keyPem } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-held' }]] });
  const id = accepted(await post('/device/simpleenroll', csr, { Authorization: basic(token) }));
  assert.equal(accepted(await post('/device/simpleenroll', csr, { Authorization: basic(token) })), id, 'a retry finds the same enrollment');
  assert.equal((await est.h.services.store.getEnrollmentToken(token.id))?.usesLeft, 0, 'the use was taken by the first request');

  const pending = await cli('ca', 'pending', '--json');
  assertOk(pending);
  assert.deepEqual(
    (JSON.parse(pending.stdout) as { id: string; subject: string }[]).map((row) => [row.id, row.subject]),
    [[id, 'CN=sensor-held']],
  );
  const count = await est.h.services.store.certificateCount();
  assertOk(await cli('ca', 'approve', id));
  const issued = await post('/device/simpleenroll', csr, { Authorization: basic(token) });
  assert.equal(issued.status, 200, issued.body.toString());
  const certificate = certificateOf(issued);
  assert.match(certificate.subject.flat()[0]!.value, /^sensor-held$/);
  const again = await post('/device/simpleenroll', csr, { Authorization: basic(token) });
  assert.ok(certificateOf(again).der.equals(certificate.der), 'a retry gets the same certificate, not a second one');
  assert.equal(await est.h.services.store.certificateCount(), count + 1);

  // Re-enrollment under the same profile waits for approval too.
  const { csr: renewal } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-held' }]] });
  const client = {
    cert: Buffer.from(`-----BEGIN CERTIFICATE-----\n${certificate.der.toString('base64')}\n-----END CERTIFICATE-----\n`).toString(),
    key: keyPem,
  };
  const renewalId = accepted(await post('/device/simplereenroll', renewal, {}, client));
  assertOk(await cli('ca', 'approve', renewalId));
  const renewed = await post('/device/simplereenroll', renewal, {}, client);
  assert.equal(renewed.status, 200, renewed.body.toString());
  const record = await est.h.services.store.getCertificate({ issuerId: 'intermediate-1', serial: certificateOf(renewed).serialNumber });
  assert.deepEqual(record?.renewalOf, { issuerId: 'intermediate-1', serial: certificate.serialNumber });
});

test('ca reject ends an enrollment with 403; approve and reject are audit entries; serverkeygen is not held', async () => {
  const token = await est.token({ profile: 'device', uses: 2 });
  const { csr } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-rejected' }]] });
  const id = accepted(await post('/device/simpleenroll', csr, { Authorization: basic(token) }));
  assertOk(await cli('ca', 'reject', id, '--reason', 'unknown device'));
  const refused = await post('/device/simpleenroll', csr, { Authorization: basic(token) });
  assert.equal(refused.status, 403);
  assert.match(refused.body.toString(), /^EST_ENROLLMENT_REJECTED: /);
  const decided = await cli('ca', 'approve', id);
  assert.equal(decided.code, 1);
  assert.match(decided.stderr, /STORE_ENROLLMENT_DECIDED/);

  const keygen = await post('/device/serverkeygen', csr, { Authorization: basic(token) });
  assert.equal(keygen.status, 403);
  assert.match(keygen.body.toString(), /^EST_SERVERKEYGEN_HELD: /);

  const entries = await est.h.services.store.readAuditLog(0, 10_000);
  const reject = entries.find((entry) => entry.action === 'enrollment.reject' && entry.target === `enrollment/${id}`);
  assert.equal((JSON.parse(reject!.payload) as { reason: unknown }).reason, 'unknown device');
  assert.ok(entries.some((entry) => entry.action === 'enrollment.approve'));
  assert.ok(entries.some((entry) => entry.action === 'enrollment.request' && entry.target === `enrollment/${id}`));
});
