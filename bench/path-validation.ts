/**
 * Path validations per second of one 3-certificate P-256 chain (root, intermediate with name
 * constraints, leaf with DNS and SPIFFE SANs) in one process, one core: Symbolon's validator cold
 * (every validation builds the path and verifies both signatures), from parsed certificates and
 * from DER (parsing included), then the same answer from the gateway's cache; the peer in the
 * same run is pkijs's CertificateChainValidationEngine on the same chain. Rounds alternate; the
 * median of each is printed, then the ratios. Exit non-zero only on error (a chain that does not
 * validate is an error here).
 *   node --import tsx bench/path-validation.ts [seconds-per-round]
 */
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { createSigner } from '../src/keys/index.js';
import { TrustBundle, ValidationCache, validatePath } from '../src/path/index.js';
import { buildCertificate, buildSelfSignedCertificate, encodeName, keyIdentifier, parseCertificate, parseName } from '../src/x509/index.js';

const secondsPerRound = Number(process.argv[2] ?? 1);
const rounds = 3;
const at = new Date('2030-01-01T00:00:00Z');

// --- The chain ---------------------------------------------------------------------------------
function party(subject: string) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = createSigner(privateKey);
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  return { signer, spki, keyId: keyIdentifier(spki), name: encodeName(parseName(subject)) };
}
const root = party('/C=US/O=Bench/CN=Bench Root');
const intermediate = party('/C=US/O=Bench/CN=Bench Partner CA');
const leaf = party('/C=US/O=Bench/CN=device-1');
const validity = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2045-01-01T00:00:00Z') };
const rootDer = await buildSelfSignedCertificate({ serialNumber: 1n, subject: root.name, ...validity, basicConstraints: { isCa: true }, keyUsage: ['keyCertSign', 'cRLSign'] }, root.signer);
const intermediateDer = await buildCertificate(
  {
    serialNumber: 2n,
    issuer: root.name,
    subject: intermediate.name,
    subjectPublicKey: intermediate.spki,
    authorityKeyIdentifier: root.keyId,
    ...validity,
    basicConstraints: { isCa: true, pathLenConstraint: 0 },
    keyUsage: ['keyCertSign', 'cRLSign'],
    nameConstraints: {
      permitted: [{ type: 'dns', value: 'partner.example' }, { type: 'uri', value: '.partner.example' }, { type: 'ip', value: '10.0.0.0/8' }, { type: 'dirName', value: parseName('/C=US/O=Bench') }],
      excluded: [{ type: 'dns', value: 'admin.partner.example' }],
    },
  },
  root.signer,
);
const leafDer = await buildCertificate(
  {
    serialNumber: 3n,
    issuer: intermediate.name,
    subject: leaf.name,
    subjectPublicKey: leaf.spki,
    authorityKeyIdentifier: intermediate.keyId,
    ...validity,
    basicConstraints: { isCa: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['clientAuth'],
    subjectAltName: [{ type: 'dns', value: 'device-1.partner.example' }, { type: 'uri', value: 'spiffe://prod.partner.example/device/1' }, { type: 'ip', value: '10.1.2.3' }],
  },
  intermediate.signer,
);

// --- Symbolon ----------------------------------------------------------------------------------
const bundle = new TrustBundle([parseCertificate(rootDer)]);
const leafCertificate = parseCertificate(leafDer);
const intermediateCertificate = parseCertificate(intermediateDer);
const options = { anchors: bundle, at, purpose: 'client' as const };

function validateParsed(): void {
  const result = validatePath(leafCertificate, { ...options, intermediates: [intermediateCertificate] });
  if (!result.ok) throw new Error(`the bench chain does not validate: ${result.code} ${result.detail}`);
}
function validateDer(): void {
  const result = validatePath(leafDer, { ...options, intermediates: [intermediateDer] });
  if (!result.ok) throw new Error(`the bench chain does not validate: ${result.code} ${result.detail}`);
}
function parseOnly(): void {
  parseCertificate(leafDer);
  parseCertificate(intermediateDer);
}

const cache = new ValidationCache();
const context = `${bundle.version}:client`;
const nowMs = at.getTime();
const first = validatePath(leafCertificate, { ...options, intermediates: [intermediateCertificate] });
cache.set(leafCertificate.fingerprintSha256, context, first, nowMs);
const fingerprint = leafCertificate.fingerprintSha256;
let cacheHits = 0;
function cachedLookups(count: number): void {
  for (let i = 0; i < count; i++) if (cache.get(fingerprint, context, nowMs)?.ok === true) cacheHits++;
}

// --- pkijs -------------------------------------------------------------------------------------
type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'];
pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as EngineCrypto }));
const toArrayBuffer = (der: Buffer): ArrayBuffer => der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
const pkiRoot = pkijs.Certificate.fromBER(toArrayBuffer(rootDer));
const pkiIntermediate = pkijs.Certificate.fromBER(toArrayBuffer(intermediateDer));
const pkiLeaf = pkijs.Certificate.fromBER(toArrayBuffer(leafDer));

async function pkijsParsed(): Promise<void> {
  const engine = new pkijs.CertificateChainValidationEngine({ trustedCerts: [pkiRoot], certs: [pkiLeaf, pkiIntermediate], checkDate: at });
  const result = await engine.verify();
  if (!result.result) throw new Error(`pkijs refuses the bench chain: ${result.resultMessage}`);
}
async function pkijsDer(): Promise<void> {
  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: [pkiRoot],
    certs: [pkijs.Certificate.fromBER(toArrayBuffer(leafDer)), pkijs.Certificate.fromBER(toArrayBuffer(intermediateDer))],
    checkDate: at,
  });
  const result = await engine.verify();
  if (!result.result) throw new Error(`pkijs refuses the bench chain: ${result.resultMessage}`);
}

// --- Measurement -------------------------------------------------------------------------------
function rate(seconds: number, run: () => void): number {
  let done = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 16; i++) run();
    done += 16;
  }
  return done / ((performance.now() - start) / 1000);
}
async function rateAsync(seconds: number, run: () => Promise<void>): Promise<number> {
  let done = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    await run();
    done++;
  }
  return done / ((performance.now() - start) / 1000);
}
function cachedRate(seconds: number): number {
  let done = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    cachedLookups(100_000);
    done += 100_000;
  }
  return done / ((performance.now() - start) / 1000);
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// Warm up every contender (JIT, pkijs's lazy schema objects), then alternate.
rate(0.2, validateParsed);
rate(0.2, validateDer);
cachedRate(0.2);
await rateAsync(0.3, pkijsParsed);
const figures = { parsed: [] as number[], der: [] as number[], parseOnly: [] as number[], cached: [] as number[], pkijsParsed: [] as number[], pkijsDer: [] as number[] };
for (let round = 0; round < rounds; round++) {
  figures.parsed.push(rate(secondsPerRound, validateParsed));
  figures.der.push(rate(secondsPerRound, validateDer));
  figures.parseOnly.push(rate(secondsPerRound / 2, parseOnly));
  figures.cached.push(cachedRate(secondsPerRound / 2));
  figures.pkijsParsed.push(await rateAsync(secondsPerRound, pkijsParsed));
  figures.pkijsDer.push(await rateAsync(secondsPerRound, pkijsDer));
}
if (cacheHits === 0) throw new Error('the cache never answered');

const m = { parsed: median(figures.parsed), der: median(figures.der), parseOnly: median(figures.parseOnly), cached: median(figures.cached), pkijsParsed: median(figures.pkijsParsed), pkijsDer: median(figures.pkijsDer) };
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(12);
process.stdout.write(
  [
    `path validation, 3-certificate P-256 chain (name-constrained intermediate, leaf with SANs), one core, median of ${rounds} rounds of ${secondsPerRound} s`,
    `  symbolon validatePath, parsed certificates (cold)   ${fmt(m.parsed)} /s`,
    `  symbolon validatePath, from DER (parse + validate)  ${fmt(m.der)} /s`,
    `  symbolon parseCertificate x2 alone                  ${fmt(m.parseOnly)} /s`,
    `  symbolon ValidationCache look-ups                   ${fmt(m.cached)} /s`,
    `  pkijs CertificateChainValidationEngine, parsed      ${fmt(m.pkijsParsed)} /s`,
    `  pkijs CertificateChainValidationEngine, from DER    ${fmt(m.pkijsDer)} /s`,
    `  ratio, parsed (symbolon / pkijs)                    ${(m.parsed / m.pkijsParsed).toFixed(1).padStart(12)} x`,
    `  ratio, from DER (symbolon / pkijs)                  ${(m.der / m.pkijsDer).toFixed(1).padStart(12)} x`,
    `  goals: >= 5,000 cold/s, >= 10x pkijs, >= 1,000,000 cached/s`,
    '',
  ].join('\n'),
);
