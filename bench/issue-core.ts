/**
 * P-256 leaf certificates built and signed per second in one process: Symbolon's x509 core
 * against @peculiar/x509 doing the same work in the same run. Both build the same leaf (random
 * 16-octet serial, subject CN, DNS SAN, keyUsage, extKeyUsage, basicConstraints, SKI, AKI, CRL
 * distribution point, OCSP AIA) for a pool of pre-generated subject keys, signed by one P-256
 * issuer key, with 64 signatures in flight. Both get the same pre-encoded inputs: the issuer name
 * as DER (read once into the peer's Name), each subject key as its SPKI DER, the AKI computed
 * once; each call gives both the subject as structured attributes and computes the SKI from the
 * SPKI (Symbolon's builder does it inside, the peer with the same `keyIdentifier`). Rounds
 * alternate between the two; min/median/max of each is printed, then the ratio of the medians.
 * Run: `npm run bench` or `node --import tsx bench/issue-core.ts [seconds] [rounds]`.
 */
import 'reflect-metadata';
import { webcrypto, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import * as peculiar from '@peculiar/x509';
import { createSigner } from '../src/keys/signer.js';
import { buildCertificate } from '../src/x509/certificate-builder.js';
import { encodeName, parseName } from '../src/x509/name.js';
import { randomSerialNumber } from '../src/x509/serial/serial-number-encoding.js';
import { keyIdentifier } from '../src/x509/extensions/encoding-key-ids.js';
import { median, ratePerSecond, spread } from './rate.js';

const secondsPerRound = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 3);
const inFlight = 64;
const keyPoolSize = 64;
const DAY_MS = 86_400_000;

// --- Symbolon --------------------------------------------------------------------------------
const issuerKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = createSigner(issuerKeys.privateKey);
const issuerDer = encodeName(parseName('/O=Bench/CN=Bench Issuing CA'));
const issuerSpki = issuerKeys.publicKey.export({ format: 'der', type: 'spki' });
const authorityKeyIdentifier = keyIdentifier(issuerSpki);
const subjectSpkis: Buffer[] = [];
for (let i = 0; i < keyPoolSize; i++) {
  subjectSpkis.push(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }));
}

function symbolonLeaf(i: number): Promise<Buffer> {
  const notBefore = new Date();
  return buildCertificate(
    {
      serialNumber: randomSerialNumber(randomBytes),
      issuer: issuerDer,
      subject: [[{ type: '2.5.4.3', value: `device-${i}.bench.example` }]],
      notBefore,
      notAfter: new Date(notBefore.getTime() + 30 * DAY_MS),
      subjectPublicKey: subjectSpkis[i % keyPoolSize]!,
      basicConstraints: { isCa: false },
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['clientAuth', 'serverAuth'],
      subjectAltName: [{ type: 'dns', value: `device-${i}.bench.example` }],
      authorityKeyIdentifier,
      crlDistributionPoints: ['http://ca.bench.example/crl/issuing.crl'],
      authorityInfoAccess: { ocsp: ['http://ca.bench.example/ocsp'] },
    },
    signer,
  );
}

// --- @peculiar/x509 --------------------------------------------------------------------------
peculiar.cryptoProvider.set(webcrypto as unknown as Parameters<typeof peculiar.cryptoProvider.set>[0]);
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const peerIssuer = await webcrypto.subtle.importKey(
  'pkcs8',
  issuerKeys.privateKey.export({ format: 'der', type: 'pkcs8' }),
  { name: 'ECDSA', namedCurve: 'P-256' },
  false,
  ['sign'],
);
const peerIssuerPublic = await webcrypto.subtle.importKey('spki', issuerSpki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
const peerAki = await peculiar.AuthorityKeyIdentifierExtension.create(peerIssuerPublic);
// The issuer name DER Symbolon gets, read once.
const peerIssuerName = new peculiar.Name(issuerDer);

async function peculiarLeaf(i: number): Promise<ArrayBuffer> {
  const notBefore = new Date();
  const spki = subjectSpkis[i % keyPoolSize]!;
  const cert = await peculiar.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(randomBytes).toString('hex'),
    issuer: peerIssuerName,
    subject: [{ CN: [`device-${i}.bench.example`] }],
    notBefore,
    notAfter: new Date(notBefore.getTime() + 30 * DAY_MS),
    publicKey: spki,
    signingKey: peerIssuer,
    signingAlgorithm: ecdsa,
    extensions: [
      new peculiar.BasicConstraintsExtension(false, undefined, false),
      new peculiar.KeyUsagesExtension(peculiar.KeyUsageFlags.digitalSignature, true),
      new peculiar.ExtendedKeyUsageExtension([peculiar.ExtendedKeyUsage.clientAuth, peculiar.ExtendedKeyUsage.serverAuth]),
      new peculiar.SubjectKeyIdentifierExtension(keyIdentifier(spki).toString('hex')),
      peerAki,
      new peculiar.SubjectAlternativeNameExtension([{ type: 'dns', value: `device-${i}.bench.example` }]),
      new peculiar.CRLDistributionPointsExtension(['http://ca.bench.example/crl/issuing.crl']),
      new peculiar.AuthorityInfoAccessExtension({ ocsp: ['http://ca.bench.example/ocsp'] }),
    ],
  });
  return cert.rawData;
}

// Both must produce the same certificate but for serial, key identifiers and signature: compare
// what OpenSSL's parser (Node's X509Certificate) reads from one of each.
const oursSample = new X509Certificate(await symbolonLeaf(0));
const peerSample = new X509Certificate(Buffer.from(await peculiarLeaf(0)));
for (const field of ['subject', 'issuer', 'subjectAltName', 'infoAccess', 'keyUsage'] as const) {
  if (JSON.stringify(oursSample[field]) !== JSON.stringify(peerSample[field]))
    throw new Error(`the two leaves differ in ${field}: ${JSON.stringify(oursSample[field])} / ${JSON.stringify(peerSample[field])}`);
}

// One unmeasured round each: the JIT and the peer's lazy schema objects.
await ratePerSecond(secondsPerRound, inFlight, symbolonLeaf);
await ratePerSecond(secondsPerRound, inFlight, peculiarLeaf);
/** Certificates per second over a round, and the process CPU time (all threads: WebCrypto signs on its pool) per certificate. */
async function round(leaf: (i: number) => Promise<unknown>): Promise<{ readonly perSecond: number; readonly cpuMicros: number }> {
  const cpu = process.cpuUsage();
  const perSecond = await ratePerSecond(secondsPerRound, inFlight, leaf);
  const used = process.cpuUsage(cpu);
  return { perSecond, cpuMicros: (used.user + used.system) / (perSecond * secondsPerRound) };
}
const ours: { perSecond: number; cpuMicros: number }[] = [];
const peer: { perSecond: number; cpuMicros: number }[] = [];
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) {
    ours.push(await round(symbolonLeaf));
    peer.push(await round(peculiarLeaf));
  } else {
    peer.push(await round(peculiarLeaf));
    ours.push(await round(symbolonLeaf));
  }
}
const rate = (list: typeof ours): number[] => list.map((x) => x.perSecond);
const cpu = (list: typeof ours): number => median(list.map((x) => x.cpuMicros));
console.log(
  `P-256 leaf certificates built and signed per second (one process, ${inFlight} in flight, ${rounds} rounds of ${secondsPerRound} s after one unmeasured, alternating)`,
);
console.log(`  symbolon        ${spread(rate(ours), '/s')}; ${cpu(ours).toFixed(0)} µs CPU each`);
console.log(`  @peculiar/x509  ${spread(rate(peer), '/s')}; ${cpu(peer).toFixed(0)} µs CPU each`);
console.log(
  `  ratio of medians ${(median(rate(ours)) / median(rate(peer))).toFixed(1)}x; of CPU per certificate ${(cpu(peer) / cpu(ours)).toFixed(1)}x   (goal: >= 10,000/s and >= 25x)`,
);
