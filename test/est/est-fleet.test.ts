import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { decodeDer } from '../../src/asn1/index.js';
import { parseCertificate, toPem } from '../../src/x509/index.js';
import type { Certificate } from '../../src/x509/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { basic, httpsRequest, makeCsr, startEstHarness } from './support/est-harness.js';
import type { EstHarness, HttpsAnswer } from './support/est-harness.js';

// Issue #17, the fleet: 1,000 devices enroll concurrently with 1,000 one-use tokens, then all
// re-enroll with their certificates; every certificate is in the store, no token is used twice.
// Each request is a new TLS connection. Bounded: 1,000 devices, at most IN_FLIGHT at a time.

const DEVICES = 1000;
const IN_FLIGHT = 200;

const temp = makeTempDir('symbolon-est-fleet-');
let est: EstHarness;
let ca: string;

before(async () => {
  est = await startEstHarness(await makeTemplateCa(temp.path), temp.path);
  ca = readFileSync(est.caFile, 'utf8');
});
after(async () => {
  await est?.close();
  temp.remove();
});

/** Runs `work` for every item with at most `limit` in flight; results in item order. */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function certificateOf(answer: HttpsAnswer): Certificate {
  assert.equal(answer.status, 200, answer.body.toString());
  const signedData = decodeDer(Buffer.from(answer.body.toString(), 'base64')).children[1]!.children[0]!;
  return parseCertificate(signedData.children.find((child) => child.tag === 0xa0)!.children[0]!.bytes);
}

test(`${DEVICES} devices enroll concurrently with one-use tokens, then re-enroll with their certificates; no token is used twice`, async () => {
  const { store } = est.h.services;
  const before = await store.certificateCount();
  const tokens = await Promise.all(Array.from({ length: DEVICES }, () => est.token({ names: ['fleet-*'] })));
  const devices = await Promise.all(
    Array.from({ length: DEVICES }, (_, i) => makeCsr({ subject: [[{ type: '2.5.4.3', value: `fleet-${i}` }]] })),
  );

  const enrolled = await pooled(devices, IN_FLIGHT, async (device, i) =>
    certificateOf(
      await httpsRequest(`${est.url}/simpleenroll`, {
        method: 'POST',
        headers: { Authorization: basic(tokens[i]!), 'Content-Type': 'application/pkcs10' },
        body: device.csr.toString('base64'),
        ca,
      }),
    ),
  );
  assert.equal(new Set(enrolled.map((certificate) => certificate.serialNumber)).size, DEVICES);

  // Every token is spent, by exactly one use with its audit entry; a second use of any is refused.
  const tokenRecords = await store.listEnrollmentTokens();
  assert.ok(tokens.every((token) => tokenRecords.find((record) => record.id === token.id)?.usesLeft === 0));
  const uses = (await store.readAuditLog(0, 100_000)).filter((entry) => entry.action === 'token.use');
  assert.equal(uses.length, DEVICES);
  assert.equal(new Set(uses.map((entry) => entry.target)).size, DEVICES);
  const again = await pooled(tokens.slice(0, 50), IN_FLIGHT, (token, i) =>
    httpsRequest(`${est.url}/simpleenroll`, {
      method: 'POST',
      headers: { Authorization: basic(token), 'Content-Type': 'application/pkcs10' },
      body: devices[i]!.csr.toString('base64'),
      ca,
    }),
  );
  assert.ok(again.every((answer) => answer.status === 401 && answer.body.toString().startsWith('EST_TOKEN_USED_UP: ')));

  const renewed = await pooled(devices, IN_FLIGHT, async (device, i) => {
    const fresh = await makeCsr({ subject: [[{ type: '2.5.4.3', value: `fleet-${i}` }]] });
    return certificateOf(
      await httpsRequest(`${est.url}/simplereenroll`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/pkcs10' },
        body: fresh.csr.toString('base64'),
        ca,
        cert: toPem('CERTIFICATE', enrolled[i]!.der),
        key: device.keyPem,
      }),
    );
  });

  assert.equal(await store.certificateCount(), before + 2 * DEVICES);
  for (let i = 0; i < DEVICES; i++) {
    const first = await store.getCertificate({ issuerId: 'intermediate-1', serial: enrolled[i]!.serialNumber });
    const second = await store.getCertificate({ issuerId: 'intermediate-1', serial: renewed[i]!.serialNumber });
    assert.ok(
      first !== undefined && second !== undefined && first.der.equals(enrolled[i]!.der) && second.der.equals(renewed[i]!.der),
      `device ${i}: both certificates are in the store`,
    );
    assert.deepEqual(second.renewalOf, { issuerId: 'intermediate-1', serial: first.serial });
    assert.equal(second.subject, `CN=fleet-${i}`);
  }
});

test('N concurrent uses of a one-use token: exactly one enrollment wins', async () => {
  for (let round = 0; round < 5; round++) {
    const token = await est.token({ names: ['race-*'] });
    const csrs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => makeCsr({ subject: [[{ type: '2.5.4.3', value: `race-${round}-${i}` }]] })),
    );
    const answers = await Promise.all(
      csrs.map((device) =>
        httpsRequest(`${est.url}/simpleenroll`, {
          method: 'POST',
          headers: { Authorization: basic(token), 'Content-Type': 'application/pkcs10' },
          body: device.csr.toString('base64'),
          ca,
        }),
      ),
    );
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, ...Array<number>(19).fill(401)]);
  }
});
