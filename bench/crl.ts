/**
 * A 1,000,000-entry CRL: seconds for Symbolon to build and sign it (P-256, the goal is
 * under 10 s), seconds for Symbolon's CRL parser to read it and to turn it into a lookup Set of
 * serial hex, seconds for the gateway's fast path (`readRevokedSerials`: the set straight from the
 * DER, then the signature checked), and seconds for `openssl crl -inform DER -noout` to parse the
 * same file, in the same run. The full parser's figure is measured on 100,000 entries and scaled
 * when the CRL is over its MAX_CRL_BYTES. Entries have random 16-octet serials (given as hex, as a store
 * returns them), one revocation time per second, and a reasonCode on four in five.
 * Run: `node --import tsx bench/crl.ts [entries]`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SymbolonError } from '../src/errors.js';
import { createSigner } from '../src/keys/signer.js';
import { buildCrl } from '../src/x509/crl-builder.js';
import type { RevokedEntry } from '../src/x509/crl-builder.js';
import { MAX_CRL_BYTES, parseCrl, readRevokedSerials, verifyCrlSignature } from '../src/x509/crl.js';
import { keyIdentifier } from '../src/x509/extensions/encoding-key-ids.js';
import { encodeName, parseName } from '../src/x509/name.js';
import { checkPathRevocation } from '../src/path/index.js';
import { buildCertificate, buildSelfSignedCertificate } from '../src/x509/certificate-builder.js';
import { parseCertificate } from '../src/x509/certificate.js';
import { median } from './rate.js';

const entryCount = Number(process.argv[2] ?? 1_000_000);
const buildRounds = 3;
/** Entries parsed when the parser refuses the full CRL, to give its rate. */
const parserSampleEntries = 100_000;
const REASONS = ['keyCompromise', 'superseded', 'cessationOfOperation', 'affiliationChanged', undefined] as const;

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function makeEntries(count: number): RevokedEntry[] {
  const pool = randomBytes(16 * count);
  const base = Date.UTC(2024, 0, 1);
  const entries: RevokedEntry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    // As randomSerialNumber makes them: top bit clear, next bit set.
    pool[i * 16] = (pool[i * 16]! & 0x3f) | 0x40;
    const serialNumber = pool.toString('hex', i * 16, i * 16 + 16);
    const reason = REASONS[i % REASONS.length];
    entries[i] = reason === undefined ? { serialNumber, revocationDate: new Date(base + i * 1000) } : { serialNumber, revocationDate: new Date(base + i * 1000), reason };
  }
  return entries;
}

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = createSigner(keys.privateKey);
const template = {
  issuer: encodeName(parseName('/O=Bench/CN=Bench Issuing CA')),
  thisUpdate: new Date(),
  nextUpdate: new Date(Date.now() + 7 * 86_400_000),
  crlNumber: 1,
  authorityKeyIdentifier: keyIdentifier(keys.publicKey.export({ type: 'spki', format: 'der' })),
};

const entries = makeEntries(entryCount);
console.log(`CRL of ${entryCount.toLocaleString('en-US')} entries, P-256 issuer, Node ${process.version}`);

// --- build and sign ---------------------------------------------------------------------------
const buildTimes: number[] = [];
let crl: Buffer = Buffer.alloc(0);
for (let round = 0; round < buildRounds; round++) {
  const started = performance.now();
  crl = await buildCrl({ ...template, revokedCertificates: entries }, signer);
  buildTimes.push(seconds(started));
}
const buildSeconds = median(buildTimes);
console.log(`symbolon build+sign:     ${buildSeconds.toFixed(2)} s (median of ${buildRounds}: ${buildTimes.map((t) => t.toFixed(2)).join(', ')}), ${(crl.length / 1e6).toFixed(1)} MB DER`);

const dir = mkdtempSync(join(tmpdir(), 'symbolon-bench-crl-'));
try {
  const file = join(dir, 'bench.crl');
  writeFileSync(file, crl);

  // --- openssl crl ------------------------------------------------------------------------------
  const opensslStarted = performance.now();
  const openssl = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout'], { encoding: 'utf8' });
  const opensslSeconds = seconds(opensslStarted);
  if (openssl.error !== undefined || openssl.status !== 0) {
    console.error(`openssl crl failed: ${openssl.error?.message ?? openssl.stderr}`);
    process.exitCode = 1;
  }
  console.log(`openssl crl -noout:      ${opensslSeconds.toFixed(2)} s (subprocess, read + parse)`);

  // --- Symbolon's parser, and the gateway's lookup set -------------------------------------------
  const parseInto = (bytes: Buffer): { parse: number; set: number; size: number } => {
    const started = performance.now();
    const parsed = parseCrl(bytes);
    const parse = seconds(started);
    const setStarted = performance.now();
    const revoked = new Set<string>();
    for (const entry of parsed.revokedCertificates) revoked.add(entry.serialNumber);
    return { parse, set: seconds(setStarted), size: revoked.size };
  };
  let parseSeconds: number | undefined;
  let setSeconds: number | undefined;
  try {
    const result = parseInto(crl);
    if (result.size !== entryCount) throw new Error(`the lookup set has ${result.size} serials, not ${entryCount}`);
    parseSeconds = result.parse;
    setSeconds = result.set;
    console.log(`symbolon parseCrl:       ${parseSeconds.toFixed(2)} s`);
    console.log(`  + lookup Set of hex:   ${setSeconds.toFixed(2)} s (total ${(parseSeconds + setSeconds).toFixed(2)} s)`);
  } catch (error) {
    if (!(error instanceof SymbolonError)) throw error;
    console.log(`symbolon parseCrl:       refused the ${(crl.length / 1e6).toFixed(1)} MB CRL with ${error.code} (MAX_CRL_BYTES is ${MAX_CRL_BYTES.toLocaleString('en-US')} bytes)`);
    const sample = await buildCrl({ ...template, revokedCertificates: entries.slice(0, parserSampleEntries) }, signer);
    const result = parseInto(sample);
    const scale = entryCount / parserSampleEntries;
    parseSeconds = result.parse * scale;
    setSeconds = result.set * scale;
    console.log(`  on ${parserSampleEntries.toLocaleString('en-US')} entries:      parse ${result.parse.toFixed(2)} s + Set ${result.set.toFixed(2)} s; x${scale} = ${(parseSeconds + setSeconds).toFixed(1)} s extrapolated for ${entryCount.toLocaleString('en-US')}`);
  }

  // --- the gateway's fast path ------------------------------------------------------------------
  const readTimes: number[] = [];
  const verifyTimes: number[] = [];
  for (let round = 0; round < buildRounds; round++) {
    const started = performance.now();
    const read = readRevokedSerials(crl);
    readTimes.push(seconds(started));
    if (read.entries.size !== entryCount) throw new Error(`readRevokedSerials found ${read.entries.size} serials, not ${entryCount}`);
    const verifyStarted = performance.now();
    if (!verifyCrlSignature(read, keys.publicKey)) throw new Error('the CRL signature does not verify');
    verifyTimes.push(seconds(verifyStarted));
  }
  const readSeconds = median(readTimes) + median(verifyTimes);
  console.log(`symbolon readRevokedSerials: ${median(readTimes).toFixed(2)} s (median of ${buildRounds}: ${readTimes.map((t) => t.toFixed(2)).join(', ')}) + verify ${median(verifyTimes).toFixed(2)} s = ${readSeconds.toFixed(2)} s to a verified Set`);

  // --- the one revocation check on a path, as the gateway's CRL source runs it on a cache miss ----
  const read = readRevokedSerials(crl);
  const ca = parseCertificate(await buildSelfSignedCertificate({ serialNumber: 1n, subject: parseName('/O=Bench/CN=Bench Issuing CA'), notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000), basicConstraints: { isCa: true }, keyUsage: ['keyCertSign', 'cRLSign'] }, signer));
  const leafKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leafOf = async (serialNumber: string): Promise<ReturnType<typeof parseCertificate>> =>
    parseCertificate(await buildCertificate({ serialNumber: BigInt(`0x${serialNumber}`), issuer: ca.subjectDer, subject: parseName('/CN=bench leaf'), notBefore: ca.notBefore, notAfter: ca.notAfter, subjectPublicKey: leafKeys.publicKey, authorityKeyIdentifier: ca.subjectKeyIdentifier! }, signer));
  const revokedPath = [await leafOf(entries[entryCount >> 1]!.serialNumber as string), ca];
  const goodPath = [await leafOf('4' + '0'.repeat(31)), ca];
  const firstStarted = performance.now();
  if (checkPathRevocation(goodPath, [read], { at: new Date() }).failure !== undefined) throw new Error('a good leaf is not good');
  const firstSeconds = seconds(firstStarted);
  if (checkPathRevocation(revokedPath, [read], { at: new Date() }).failure?.code !== 'PATH_REVOKED') throw new Error('a listed leaf is not revoked');
  const checks = 20_000;
  const checkRounds: number[] = [];
  for (let round = 0; round < buildRounds; round++) {
    const started = performance.now();
    for (let i = 0; i < checks; i++) checkPathRevocation(i % 2 === 0 ? goodPath : revokedPath, [read], { at: new Date() });
    checkRounds.push(((performance.now() - started) * 1000) / checks);
  }
  console.log(`symbolon checkPathRevocation (RFC 5280 6.3, leaf + CA): first ${firstSeconds.toFixed(2)} s (the CRL signature), then ${median(checkRounds).toFixed(1)} µs per path (median of ${buildRounds}: ${checkRounds.map((t) => t.toFixed(1)).join(', ')}); the gateway keeps each answer until the CRLs change`);

  console.log('ratios:');
  console.log(`  symbolon build+sign / openssl parse:        ${(buildSeconds / opensslSeconds).toFixed(2)}x`);
  console.log(`  symbolon parse+Set / openssl parse:         ${((parseSeconds + setSeconds) / opensslSeconds).toFixed(2)}x`);
  console.log(`  symbolon readRevokedSerials+verify / openssl parse: ${(readSeconds / opensslSeconds).toFixed(2)}x`);
  console.log(`goal (< 10 s): build ${buildSeconds < 10 ? 'met' : 'MISSED'}, full parse into a set ${parseSeconds + setSeconds < 10 ? 'met' : 'MISSED'}, fast read into a verified set ${readSeconds < 10 ? 'met' : 'MISSED'}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
