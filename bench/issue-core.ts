/**
 * P-256 leaf certificates built and signed per second in one process: Symbolon's x509 core
 * against @peculiar/x509 doing the same work in the same run. Both build the same leaf (random
 * 16-octet serial, subject CN, DNS SAN, keyUsage, extKeyUsage, basicConstraints, SKI, AKI, CRL
 * distribution point, OCSP AIA) for a pool of pre-generated subject keys, signed by one P-256
 * issuer key, with 64 signatures in flight. Rounds alternate between the two; the median of
 * each is reported. Run: `npm run bench` or `node --import tsx bench/issue-core.ts [seconds]`.
 */
import 'reflect-metadata';
import { webcrypto, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import * as peculiar from '@peculiar/x509';
import { createSigner } from '../src/keys/signer.js';
import { buildCertificate } from '../src/x509/certificate-builder.js';
import { encodeName, parseName } from '../src/x509/name.js';
import { randomSerialNumber } from '../src/x509/serial-number-encoding.js';
import { keyIdentifier } from '../src/x509/extensions/encoding-key-ids.js';
import { median, ratePerSecond } from './rate.js';

const secondsPerRound = Number(process.argv[2] ?? 2);
const rounds = 3;
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
const peerIssuer = await webcrypto.subtle.importKey('pkcs8', issuerKeys.privateKey.export({ format: 'der', type: 'pkcs8' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
const peerIssuerPublic = await webcrypto.subtle.importKey('spki', issuerSpki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
const peerAki = await peculiar.AuthorityKeyIdentifierExtension.create(peerIssuerPublic);
const peerSubjectKeys = await Promise.all(
  subjectSpkis.map((spki) => webcrypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify'])),
);

async function peculiarLeaf(i: number): Promise<ArrayBuffer> {
  const notBefore = new Date();
  const publicKey = peerSubjectKeys[i % keyPoolSize]!;
  const cert = await peculiar.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(randomBytes).toString('hex'),
    issuer: 'O=Bench, CN=Bench Issuing CA',
    subject: `CN=device-${i}.bench.example`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 30 * DAY_MS),
    publicKey,
    signingKey: peerIssuer,
    signingAlgorithm: ecdsa,
    extensions: [
      new peculiar.BasicConstraintsExtension(false, undefined, false),
      new peculiar.KeyUsagesExtension(peculiar.KeyUsageFlags.digitalSignature, true),
      new peculiar.ExtendedKeyUsageExtension([peculiar.ExtendedKeyUsage.clientAuth, peculiar.ExtendedKeyUsage.serverAuth]),
      await peculiar.SubjectKeyIdentifierExtension.create(publicKey),
      peerAki,
      new peculiar.SubjectAlternativeNameExtension([{ type: 'dns', value: `device-${i}.bench.example` }]),
      new peculiar.CRLDistributionPointsExtension(['http://ca.bench.example/crl/issuing.crl']),
      new peculiar.AuthorityInfoAccessExtension({ ocsp: ['http://ca.bench.example/ocsp'] }),
    ],
  });
  return cert.rawData;
}

// Both must produce certificates OpenSSL-equivalent tools accept; check one of each parses.
new X509Certificate(await symbolonLeaf(0));
new X509Certificate(Buffer.from(await peculiarLeaf(0)));

const ours: number[] = [];
const peer: number[] = [];
for (let round = 0; round < rounds; round++) {
  ours.push(await ratePerSecond(secondsPerRound, inFlight, symbolonLeaf));
  peer.push(await ratePerSecond(secondsPerRound, inFlight, peculiarLeaf));
}
const oursMedian = median(ours);
const peerMedian = median(peer);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`P-256 leaf certificates built and signed per second (one process, ${inFlight} in flight, median of ${rounds} rounds of ${secondsPerRound}s)`);
console.log(`  symbolon        ${fmt(oursMedian).padStart(8)} /s   rounds: ${ours.map(fmt).join(', ')}`);
console.log(`  @peculiar/x509  ${fmt(peerMedian).padStart(8)} /s   rounds: ${peer.map(fmt).join(', ')}`);
console.log(`  ratio           ${(oursMedian / peerMedian).toFixed(1)}x   (goal: >= 10,000/s and >= 25x)`);
