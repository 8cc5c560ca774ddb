import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { unlockIssuers } from '../../src/services/index.js';
import { createDelegatedSigner } from '../../src/ocsp/index.js';
import type { Certificate } from '../../src/x509/index.js';
import { parseCrl } from '../../src/x509/index.js';
import { CA_PASSPHRASE, makeTemplateCa, makeTempDir } from '../ca/support.js';
import { startHarness } from '../support/revocation-harness.js';
import type { Harness } from '../support/revocation-harness.js';

// The timers of issue #4, not only the on-demand paths: a CRL is republished before its
// nextUpdate with no revocation to trigger it, and the delegated OCSP responder certificate is
// renewed by its own timer at two thirds of its lifetime.

const temp = makeTempDir('symbolon-scheduled-');
let h: Harness;

before(async () => {
  const template = await makeTemplateCa(temp.path);
  // CRLs valid 2 s: republished every second.
  h = await startHarness(template, temp.path, { crlValiditySeconds: 2 });
});
after(async () => {
  await h?.close();
  temp.remove();
});

async function servedCrl(): Promise<{ number: bigint; thisUpdate: Date; nextUpdate: Date | undefined }> {
  const response = await fetch(h.services.crlUrls['intermediate-1']!);
  const crl = parseCrl(Buffer.from(await response.arrayBuffer()));
  return { number: crl.crlNumber!, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate };
}

test('with no revocation at all, the CRL is republished before its nextUpdate, with a higher CRL number', async () => {
  const first = await servedCrl();
  assert.ok(first.nextUpdate !== undefined);
  let latest = first;
  const deadline = Date.now() + 5000;
  while (latest.number === first.number && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    latest = await servedCrl();
  }
  assert.ok(latest.number > first.number, `the CRL number moved from ${first.number}`);
  // Republished before the old one ran out: there was never a moment without a current CRL.
  assert.ok(latest.thisUpdate.getTime() <= first.nextUpdate.getTime(), 'the new CRL was made before the old nextUpdate');
});

test('the delegated responder certificate is renewed by its timer at two thirds of its lifetime, with a new key', async () => {
  const dataDir = h.dataDir;
  const { unlocked } = await unlockIssuers(dataDir, CA_PASSPHRASE);
  const issuer = unlocked.find((candidate) => candidate.id === dataDir.activeIssuer.id)!;
  // The signer's clock runs 250 s ahead of the CA's: each 300 s responder certificate the CA
  // issues is past two thirds of its life (200 s) by the signer's time, so its timer renews it
  // within a second, and again after that: the timer path, not an on-demand rotation.
  const rotations: Certificate[] = [];
  const errors: unknown[] = [];
  const signer = await createDelegatedSigner({
    issuerCertificate: issuer.certificate,
    issue: async (key, ttlSeconds) =>
      (
        await h.ca.issue(
          { subject: [[{ type: '2.5.4.3', value: 'scheduled responder' }]], subjectAltNames: [], publicKey: key.publicKey, spki: key.spki },
          { profile: 'ocsp-signer', ttlSeconds, actor: 'test' },
        )
      ).der,
    lifetimeSeconds: 300,
    clock: () => new Date(Date.now() + 250_000),
    onRotated: (certificate) => rotations.push(certificate),
    onError: (error) => errors.push(error),
  });
  try {
    const deadline = Date.now() + 5000;
    while (rotations.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(errors, []);
    assert.ok(rotations.length >= 2, `renewed by the timer (${rotations.length} certificate(s) seen)`);
    assert.notEqual(rotations[1]!.serialNumber, rotations[0]!.serialNumber);
    assert.ok(!rotations[1]!.spki.equals(rotations[0]!.spki), 'a new key each time');
    assert.equal(signer.certificate.serialNumber, rotations.at(-1)!.serialNumber, 'the signer answers with the newest certificate');
  } finally {
    signer.close();
  }
});
