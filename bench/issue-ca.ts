/**
 * P-256 leaf certificates per second through the CA service with the SQLite store (profile
 * policy, serial, signing, one transaction per certificate with its chained audit entry), beside
 * the raw core figure (buildCertificate alone, same issuer and same extensions) from the same run.
 * 64 requests in flight; rounds alternate; min/median/max of each is printed, then the ratio of the medians.
 * Run: `node --import tsx bench/issue-ca.ts [seconds-per-round]`.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDer } from '../src/asn1/index.js';
import { applyProfile, createCertificateAuthority, verifyStoreAudit } from '../src/ca/index.js';
import { buildCertificate, parsePublicKeyInfo, secureRandomSerialNumber } from '../src/x509/index.js';
import { median, ratePerSecond, spread } from './rate.js';
import { openBenchCa } from './bench-ca.js';

const secondsPerRound = Number(process.argv[2] ?? 2);
const rounds = 3;
const inFlight = 64;
const keyPoolSize = 64;

const root = mkdtempSync(join(tmpdir(), 'symbolon-bench-ca-'));
try {
  const dir = join(root, 'data');
  const { dataDir, issuer } = await openBenchCa(dir, 'http://ca.bench.example');
  const ca = createCertificateAuthority({
    store: dataDir.store,
    config: dataDir.config,
    issuer,
    clock: () => new Date(),
    random: randomBytes,
  });
  const keys = Array.from({ length: keyPoolSize }, () => {
    const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    return { spki, publicKey: parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED') };
  });
  const profile = dataDir.config.profiles['server']!;

  const throughCa = (i: number) => {
    const key = keys[i % keyPoolSize]!;
    return ca.issue(
      {
        subject: [[{ type: '2.5.4.3', value: `device-${i}.bench.example` }]],
        subjectAltNames: [],
        publicKey: key.publicKey,
        spki: key.spki,
      },
      { profile: 'server', actor: 'bench' },
    );
  };
  // The raw core: the same certificate content (decided once), built and signed, nothing else.
  const decision = applyProfile(
    profile,
    { subject: [[{ type: '2.5.4.3', value: 'device.bench.example' }]], subjectAltNames: [], publicKey: keys[0]!.publicKey },
    {
      now: new Date(),
      issuerId: issuer.id,
      issuerNotBefore: issuer.certificate.notBefore,
      issuerNotAfter: issuer.certificate.notAfter,
      publicBaseUrl: 'http://ca.bench.example',
      spiffeTrustDomain: undefined,
    },
  );
  const coreOnly = (i: number) =>
    buildCertificate(
      {
        ...decision,
        subject: [[{ type: '2.5.4.3', value: `device-${i}.bench.example` }]],
        subjectAltName: [{ type: 'dns', value: `device-${i}.bench.example` }],
        serialNumber: secureRandomSerialNumber(),
        issuer: issuer.nameDer,
        subjectPublicKey: keys[i % keyPoolSize]!.spki,
        authorityKeyIdentifier: issuer.keyIdentifier,
      },
      issuer.signer,
    );

  // Both produce certificates that chain to the intermediate.
  const sample = await throughCa(0);
  if (!new X509Certificate(sample.der).verify(new X509Certificate(issuer.chain[0]!).publicKey))
    throw new Error('the CA issued a certificate that does not verify');
  new X509Certificate(await coreOnly(0));

  const service: number[] = [];
  const core: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      service.push(await ratePerSecond(secondsPerRound, inFlight, throughCa));
      core.push(await ratePerSecond(secondsPerRound, inFlight, coreOnly));
    } else {
      core.push(await ratePerSecond(secondsPerRound, inFlight, coreOnly));
      service.push(await ratePerSecond(secondsPerRound, inFlight, throughCa));
    }
  }
  const stored = (await dataDir.store.listCertificates({ now: new Date() })).length;
  const audit = await verifyStoreAudit(dataDir.store);
  if (!audit.ok) throw new Error(`the audit chain does not verify after the run: ${audit.detail}`);
  await dataDir.close();

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const serviceMedian = median(service);
  const coreMedian = median(core);
  console.log(
    `P-256 server certificates per second (one process, ${inFlight} in flight, ${rounds} rounds of ${secondsPerRound}s, alternating)`,
  );
  console.log(`  CA service + SQLite  ${spread(service, '/s')}   (policy, serial, sign, transaction, chained audit entry)`);
  console.log(`  raw core             ${spread(core, '/s')}   (buildCertificate alone)`);
  console.log(`  service / core       ${(serviceMedian / coreMedian).toFixed(2)} (medians)    goal: service >= 5,000/s`);
  console.log(`  stored ${fmt(stored)} certificates; audit chain of ${fmt(audit.count)} entries verifies`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
