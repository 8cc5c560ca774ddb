import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGatewayIdentity } from '../../src/services/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { startHarness } from '../support/revocation-harness.js';
import type { Harness } from '../support/revocation-harness.js';

// Issue #5: inside `symbolon up` the gateway's server certificate is issued by the CA and renewed
// automatically. Here the renewal clock runs 21 days ahead of the CA's, so each 30-day gateway
// certificate is past two thirds of its life at once and the timer renews it within a second.

const temp = makeTempDir('symbolon-gateway-identity-');
let h: Harness;

before(async () => {
  h = await startHarness(await makeTemplateCa(temp.path), temp.path);
});
after(async () => {
  await h?.close();
  temp.remove();
});

test('the gateway certificate is issued under the gateway profile for its names, and renewed by its timer with a new key', async () => {
  const renewed: string[] = [];
  const errors: unknown[] = [];
  const identity = await startGatewayIdentity({
    ca: h.ca,
    profile: 'gateway',
    commonName: 'Test gateway',
    names: ['localhost', '127.0.0.1', 'gw.internal.example', 'localhost'],
    clock: () => new Date(Date.now() + 21 * 86_400_000),
    actor: 'test',
    onRenewed: () => renewed.push(identity.current().certificate.serialNumber),
    onError: (error) => errors.push(error),
  });
  try {
    const first = identity.current();
    assert.deepEqual(first.certificate.dnsNames, ['localhost', 'gw.internal.example']);
    assert.deepEqual(first.certificate.ipAddresses, ['127.0.0.1']);
    assert.deepEqual(
      first.certificate.extKeyUsage,
      ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'],
      'serverAuth for the listeners, clientAuth for the feed',
    );
    assert.equal(first.chain.length, 2, 'leaf and intermediate, not the root');
    assert.match(first.certPem, /^-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN CERTIFICATE-----/);
    assert.match(first.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    const record = await h.services.store.getCertificate({ issuerId: h.dataDir.activeIssuer.id, serial: first.certificate.serialNumber });
    assert.equal(record?.profile, 'gateway', 'recorded by the CA under the gateway profile');

    const deadline = Date.now() + 5000;
    while (renewed.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(errors, []);
    assert.ok(renewed.length >= 1, 'renewed by the timer');
    const next = identity.current();
    assert.notEqual(next.certificate.serialNumber, first.certificate.serialNumber);
    assert.ok(!next.certificate.spki.equals(first.certificate.spki), 'with a new key');
  } finally {
    identity.close();
  }
});
