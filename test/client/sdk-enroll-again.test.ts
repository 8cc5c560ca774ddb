import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { createClient } from '../../src/client/index.js';
import type { Credential, RenewalInfo } from '../../src/client/index.js';
import type { Gateway } from '../../src/gateway/runtime/index.js';
import { makeTempDir } from '../ca/support.js';
import { startEchoUpstream } from '../gateway/e2e/support/echo-upstream.js';
import type { EchoUpstream } from '../gateway/e2e/support/echo-upstream.js';
import { makeClientTemplateCa, startClientHarness } from './support/client-harness.js';
import type { ClientHarness } from './support/client-harness.js';
import { startClientGateway } from './support/client-gateway.js';

// The SDK created with a token, its certificate revoked: the re-enrollment the CA refuses as
// revoked is followed by an enrollment with the token for the same name, swapped in like a
// renewal (a request in flight finishes), against the gateway, which checks revocation from the
// CA's feed. (Created with a certificate only, the SDK reports that the certificate can no longer
// be renewed: sdk-renewal.test.ts.)

const temp = makeTempDir('symbolon-sdk-enroll-again-');
let harness: ClientHarness;
let upstream: EchoUpstream;
let gateway: Gateway;
let url: string;
const gatewayErrors: unknown[] = [];

before(async () => {
  harness = await startClientHarness(await makeClientTemplateCa(temp.path), temp.path);
  upstream = await startEchoUpstream();
  gateway = await startClientGateway(harness, temp.path, upstream.url, ['again-sdk'], (error) => gatewayErrors.push(error));
  url = `https://127.0.0.1:${gateway.listeners[0]!.port}`;
});
after(async () => {
  await gateway?.close();
  await upstream?.close();
  await harness?.est.close();
  temp.remove();
});

async function revoke(serial: string): Promise<void> {
  const record = (await harness.est.h.services.store.findCertificatesBySerial(serial))[0];
  assert.ok(record !== undefined);
  await revokeCertificate(harness.est.h.services.store, { issuerId: record.issuerId, serial: record.serial }, 'keyCompromise', {
    actor: 'test',
    now: new Date(),
  });
}

/** One request on a new connection presenting `credential`: the status and the body. */
function callWith(credential: Credential, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { key: credential.keyPem, cert: credential.chainPem, ca: harness.caPem, agent: false, servername: 'localhost' },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The fingerprint in the XFCC header the gateway sent upstream with the request to `path`. */
function presentedAt(path: string): string | undefined {
  const seen = upstream.seen(path);
  assert.equal(seen.length, 1, path);
  return /^Hash=([0-9a-f]{64});/.exec(String(seen[0]!.headers['x-forwarded-client-cert']))?.[1];
}

test('revoked, a client made with a token enrolls again for the same name: renewed says so, a request in flight finishes, the gateway refuses the old certificate and takes the new one', async () => {
  const token = await harness.est.token({ names: ['again-*'], uses: 2 });
  const client = await createClient({
    est: harness.est.url,
    ca: harness.caPem,
    token: `${token.id}:${token.secret}`,
    name: 'again-sdk',
    retry: { baseMs: 200, capMs: 2000 },
  });
  try {
    const old = client.current();
    assert.equal((await client.fetch(`${url}/before`)).status, 200);
    assert.equal(presentedAt('/before'), old.certificate.fingerprintSha256);
    // Passed the gateway's checks before the revocation; the upstream holds it until released.
    const inFlight = client.fetch(`${url}/held-1`);
    while (upstream.seen('/held-1').length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    await revoke(old.certificate.serialNumber);
    // The gateway checks revocation: the old certificate is refused (the feed reaches it within a second).
    let refused = await callWith(old, '/refused-0');
    for (let i = 1; refused.status === 200 && i < 50; i++) refused = await callWith(old, `/refused-${i}`);
    assert.equal(refused.status, 403);
    assert.match(refused.body, /GATEWAY_CERT_REVOKED/);

    const renewed = once(client, 'renewed') as Promise<[Credential, RenewalInfo]>;
    assert.equal(await client.renew(), true);
    const [credential, info] = await renewed;
    assert.deepEqual(info, { kind: 'enrolled', reason: 'revoked' });
    assert.equal(client.current(), credential);
    assert.notEqual(credential.certificate.serialNumber, old.certificate.serialNumber);
    assert.equal(credential.certificate.subject[0]![0]!.value, 'again-sdk', 'the same name');

    // Requests go on, with the new certificate, and the gateway takes them.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client.fetch(`${url}/after-${i}/`)));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array.from({ length: 20 }, () => 200),
    );
    for (let i = 0; i < 20; i++) assert.equal(presentedAt(`/after-${i}/`), credential.certificate.fingerprintSha256);
    upstream.release();
    const held = await inFlight;
    assert.equal(held.status, 200, 'the request in flight at the swap finished on its connection');
    assert.equal((JSON.parse(await held.text()) as { url: string }).url, '/held-1');

    const { store } = harness.est.h.services;
    const record = (await store.findCertificatesBySerial(credential.certificate.serialNumber))[0];
    assert.ok(record !== undefined && record.revocation === null);
    assert.equal(record.renewalOf, null, 'a new enrollment, not a renewal of the revoked certificate');
    assert.notEqual((await store.findCertificatesBySerial(old.certificate.serialNumber))[0]?.revocation, null);
    assert.equal((await store.getEnrollmentToken(token.id))?.usesLeft, 0, 'the token enrolled it');
  } finally {
    await client.close();
  }
  assert.deepEqual(gatewayErrors, []);
});
