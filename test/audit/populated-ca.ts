import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { decodeDer } from '../../src/asn1/index.js';
import { createCertificateAuthority, openDataDir, revokeCertificate, unlockActiveIssuer } from '../../src/ca/index.js';
import { parsePublicKeyInfo } from '../../src/x509/index.js';
import { CA_PASSPHRASE, makeTemplateCa } from '../ca/support.js';

/**
 * A CA in `root` with four client certificates, CN a, b, c and d, of which b is revoked
 * (keyCompromise): the state the audit tests tamper with. Returns its directory and the
 * certificates as `<issuer>/<serial>`, in that order.
 */
export async function makePopulatedCa(root: string): Promise<{ readonly dir: string; readonly issued: readonly string[] }> {
  const dir = await makeTemplateCa(root);
  const dataDir = await openDataDir(dir, { actor: 'test', now: new Date() });
  try {
    const issuer = await unlockActiveIssuer(dataDir, CA_PASSPHRASE);
    const ca = createCertificateAuthority({
      store: dataDir.store,
      config: dataDir.config,
      issuer,
      clock: () => new Date(),
      random: randomBytes,
    });
    const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    const request = { subjectAltNames: [], publicKey: parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED'), spki };
    const records = [];
    for (const name of ['a', 'b', 'c', 'd'])
      records.push(
        (await ca.issue({ ...request, subject: [[{ type: '2.5.4.3', value: name }]] }, { profile: 'client', actor: 'test' })).record,
      );
    await revokeCertificate(dataDir.store, records[1]!, 'keyCompromise', { actor: 'test', now: new Date() });
    return { dir, issued: records.map((record) => `${record.issuerId}/${record.serial}`) };
  } finally {
    await dataDir.close();
  }
}
