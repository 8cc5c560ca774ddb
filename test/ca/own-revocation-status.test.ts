import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createCertificateAuthority, openDataDir, ownRevocationStatus, revokeCertificate, unlockActiveIssuer } from '../../src/ca/index.js';
import type { DataDir, IssuingCa } from '../../src/ca/index.js';
import { generateKeyPair } from '../../src/keys/index.js';
import { decodeDer } from '../../src/asn1/index.js';
import { buildCertificate, parseCertificate, parsePublicKeyInfo, randomSerialNumber } from '../../src/x509/index.js';
import type { Certificate } from '../../src/x509/index.js';
import { CA_PASSPHRASE, copyCa, makeTemplateCa, makeTempDir } from './support.js';

const temp = makeTempDir('symbolon-own-revocation-');
let dataDir: DataDir;
let issuer: IssuingCa;

before(async () => {
  const dir = copyCa(await makeTemplateCa(temp.path), temp.path);
  dataDir = await openDataDir(dir, { actor: 'test', now: new Date() });
  issuer = await unlockActiveIssuer(dataDir, CA_PASSPHRASE);
});
after(async () => {
  await dataDir?.close();
  temp.remove();
});

async function issue(name: string): Promise<Certificate> {
  const ca = createCertificateAuthority({
    store: dataDir.store,
    config: dataDir.config,
    issuer,
    clock: () => new Date(),
    random: randomBytes,
  });
  const keys = await generateKeyPair('p256');
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const issued = await ca.issue(
    {
      subject: [[{ type: '2.5.4.3', value: name }]],
      subjectAltNames: [],
      publicKey: parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED'),
      spki,
    },
    { profile: 'client', actor: 'test' },
  );
  return parseCertificate(issued.der);
}

function pathOf(leaf: Certificate): Certificate[] {
  return [leaf, issuer.certificate, dataDir.root];
}

test('a certificate the CA issued and did not revoke has no finding; one it revoked is revoked, with the reason', async () => {
  const [kept, revoked] = await Promise.all([issue('kept'), issue('revoked')]);
  assert.equal(await ownRevocationStatus(dataDir, pathOf(kept)), undefined);
  await revokeCertificate(dataDir.store, { issuerId: issuer.id, serial: revoked.serialNumber }, 'keyCompromise', {
    actor: 'test',
    now: new Date(),
  });
  const finding = await ownRevocationStatus(dataDir, pathOf(revoked));
  assert.equal(finding?.status, 'revoked');
  assert.equal(finding?.certificateIndex, 0);
  assert.match(finding?.detail ?? '', /keyCompromise/);
});

test("a certificate signed with the CA's key but absent from its records is unknown, not good", async () => {
  const keys = await generateKeyPair('p256');
  const der = await buildCertificate(
    {
      serialNumber: randomSerialNumber(randomBytes),
      issuer: issuer.certificate.subjectDer,
      subject: [[{ type: '2.5.4.3', value: 'off the books' }]],
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3_600_000),
      subjectPublicKey: keys.publicKey,
      authorityKeyIdentifier: issuer.certificate.subjectKeyIdentifier!,
    },
    issuer.signer,
  );
  const finding = await ownRevocationStatus(dataDir, pathOf(parseCertificate(der)));
  assert.equal(finding?.status, 'unknown');
  assert.equal(finding?.certificateIndex, 0);
});
