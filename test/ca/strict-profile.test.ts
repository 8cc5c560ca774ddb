import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createCertificateAuthority, openDataDir, unlockActiveIssuer } from '../../src/ca/index.js';
import { createSigner } from '../../src/keys/index.js';
import { TrustBundle, validatePath } from '../../src/path/index.js';
import type { PathPurpose } from '../../src/path/index.js';
import { buildCsr, parseCertificate, parseCsr } from '../../src/x509/index.js';
import type { GeneralName } from '../../src/x509/index.js';
import { CA_PASSPHRASE, copyCa, makeTemplateCa, makeTempDir } from './support.js';

// Everything Symbolon's CA issues passes the validator's strict profile (the default) for what
// it is issued for: the root and intermediate as the chain, each built-in profile's leaf for its
// TLS purposes.

const temp = makeTempDir();
let template: string;
before(async () => {
  template = await makeTemplateCa(temp.path);
});
after(() => temp.remove());

const CASES: readonly { profile: string; cn: string | undefined; sans: GeneralName[]; purposes: PathPurpose[] }[] = [
  { profile: 'client', cn: 'alice', sans: [{ type: 'email', value: 'alice@test.example' }], purposes: ['client', 'any'] },
  { profile: 'client', cn: 'Jane Doe (ops)', sans: [], purposes: ['client'] },
  { profile: 'server', cn: 'api.test.example', sans: [{ type: 'ip', value: '10.0.0.7' }], purposes: ['server', 'any'] },
  {
    profile: 'spiffe',
    cn: undefined,
    sans: [{ type: 'uri', value: 'spiffe://test.example/ns/prod/sa/api' }],
    purposes: ['client', 'server'],
  },
  {
    profile: 'gateway',
    cn: 'localhost',
    sans: [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ],
    purposes: ['client', 'server'],
  },
  { profile: 'ocsp-signer', cn: 'Test OCSP signer', sans: [], purposes: ['any'] },
];

test('every built-in profile issues certificates that pass the strict profile, with the CA chain', async () => {
  const dataDir = await openDataDir(copyCa(template, temp.path), { actor: 'test', now: new Date() });
  try {
    const issuer = await unlockActiveIssuer(dataDir, CA_PASSPHRASE);
    const ca = createCertificateAuthority({
      store: dataDir.store,
      config: dataDir.config,
      issuer,
      clock: () => new Date(),
      random: randomBytes,
    });
    for (const { profile, cn, sans, purposes } of CASES) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const csr = parseCsr(
        await buildCsr(
          { subject: cn === undefined ? [] : [[{ type: '2.5.4.3', value: cn }]], ...(sans.length > 0 && { subjectAltName: sans }) },
          createSigner(privateKey),
        ),
      );
      const issued = await ca.issueFromCsr(csr, { profile, actor: 'test' });
      const root = parseCertificate(issued.chain[issued.chain.length - 1]!);
      for (const purpose of purposes) {
        const result = validatePath(issued.der, {
          anchors: new TrustBundle([root]),
          intermediates: issued.chain.slice(0, -1),
          at: new Date(),
          purpose,
        });
        assert.ok(result.ok, `${profile} (${cn ?? 'no CN'}) for ${purpose}: ${result.ok ? '' : `${result.code} ${result.detail}`}`);
        assert.equal(result.path.length, 3);
      }
    }
    // A server certificate that would fail the strict profile as a TLS server is not issued.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const badServer = parseCsr(
      await buildCsr(
        { subject: [[{ type: '2.5.4.3', value: 'Test revocation feed' }]], subjectAltName: [{ type: 'dns', value: 'localhost' }] },
        createSigner(privateKey),
      ),
    );
    await assert.rejects(
      ca.issueFromCsr(badServer, { profile: 'server', actor: 'test' }),
      (error: Error & { code?: string }) => error.code === 'CA_NAME_NOT_ALLOWED',
    );
  } finally {
    await dataDir.close();
  }
});
