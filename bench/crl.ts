/**
 * A large CRL (1,000,000 entries by default), each figure beside OpenSSL doing the same work, in
 * the same run, rounds alternating between the two sides, min/median/max over the rounds:
 *   1. build + sign: Symbolon's `buildCrl` from the entries in memory, against `openssl ca -gencrl`
 *      from an index.txt listing the same revocations (same issuer key, P-256, same extensions:
 *      AKI, cRLNumber, reasonCode). OpenSSL runs as a process: its fixed cost (start, read the
 *      config and key, sign an empty CRL) is measured in the same rounds and printed beside it.
 *   2. parse + verify with the full parser: Symbolon's `parseCrl` + `verifyCrlSignature` on the
 *      file's bytes, against `openssl crl -verify -noout` on the same file (which decodes every
 *      entry and checks the signature). parseCrl refuses CRLs over MAX_CRL_BYTES, so this pair
 *      runs on the first 100,000 entries when the full CRL is over it (both sides the same file).
 *   3. the gateway's fast path on the full CRL: `readRevokedSerials` (the serials straight from
 *      the DER into a lookup set) + the signature check, against the same `openssl crl -verify`.
 *   4. Symbolon's revocation check of a path against the read CRL (no peer: OpenSSL's is inside
 *      its verifier), as the gateway's CRL source runs it on a cache miss.
 * Entries have random 16-octet serials (given as hex, as a store returns them), one revocation
 * time per second, and a reasonCode on four in five.
 *
 *   node --import tsx bench/crl.ts [entries=1000000] [rounds=3]
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner } from '../src/keys/signer.js';
import { buildCrl } from '../src/x509/crl/crl-builder.js';
import type { RevokedEntry } from '../src/x509/crl/crl-builder.js';
import { MAX_CRL_BYTES, parseCrl, readRevokedSerials, verifyCrlSignature } from '../src/x509/crl/crl.js';
import { encodeName, parseName } from '../src/x509/name.js';
import { checkPathRevocation } from '../src/path/index.js';
import { buildCertificate, buildSelfSignedCertificate } from '../src/x509/certificate-builder.js';
import { parseCertificate } from '../src/x509/certificate.js';
import { toPem } from '../src/asn1/index.js';
import { median, spread } from './rate.js';

const entryCount = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 3);
/** Entries of the CRL the full parser reads when it refuses the whole one. */
const parserSampleEntries = 100_000;
const REASONS = ['keyCompromise', 'superseded', 'cessationOfOperation', 'affiliationChanged', undefined] as const;
const ISSUER = '/O=Bench/CN=Bench Issuing CA';

if (spawnSync('openssl', ['version']).error !== undefined) {
  console.error('bench/crl.ts needs the openssl command (apt-get install -y openssl)');
  process.exit(1);
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

/** OpenSSL's ca index time: YYMMDDHHMMSSZ. */
function indexTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

function makeEntries(count: number): RevokedEntry[] {
  const pool = randomBytes(16 * count);
  const base = Date.UTC(2024, 0, 1);
  const entries = new Array<RevokedEntry>(count);
  for (let i = 0; i < count; i++) {
    // As randomSerialNumber makes them: top bit clear, next bit set.
    pool[i * 16] = (pool[i * 16]! & 0x3f) | 0x40;
    const serialNumber = pool.toString('hex', i * 16, i * 16 + 16);
    const reason = REASONS[i % REASONS.length];
    entries[i] =
      reason === undefined
        ? { serialNumber, revocationDate: new Date(base + i * 1000) }
        : { serialNumber, revocationDate: new Date(base + i * 1000), reason };
  }
  return entries;
}

/** An `openssl ca` index listing `entries` as revoked (the file -gencrl reads). */
function indexOf(entries: readonly RevokedEntry[]): string {
  const lines = new Array<string>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const revoked = indexTime(entry.revocationDate) + (entry.reason === undefined ? '' : `,${entry.reason}`);
    lines[i] = `R\t300101000000Z\t${revoked}\t${String(entry.serialNumber).toUpperCase()}\tunknown\t/CN=bench-${i}`;
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}

/** Runs a command and returns its seconds; throws when it fails. */
function timed(command: string, args: readonly string[]): number {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const took = seconds(started);
  if (result.error !== undefined || result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
  return took;
}

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = createSigner(keys.privateKey);
const ca = parseCertificate(
  await buildSelfSignedCertificate(
    {
      serialNumber: 1n,
      subject: parseName(ISSUER),
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
      basicConstraints: { isCa: true },
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    signer,
  ),
);
const thisUpdate = new Date();
const template = {
  issuer: encodeName(parseName(ISSUER)),
  thisUpdate,
  nextUpdate: new Date(thisUpdate.getTime() + 7 * 86_400_000),
  crlNumber: 1,
  authorityKeyIdentifier: ca.subjectKeyIdentifier!,
};

const entries = makeEntries(entryCount);
const dir = mkdtempSync(join(tmpdir(), 'symbolon-bench-crl-'));
const file = (name: string): string => join(dir, name);
try {
  writeFileSync(file('ca.pem'), toPem('CERTIFICATE', ca.der));
  writeFileSync(file('ca.key'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const caConfig = (name: string): string => {
    const config = file(`${name}.cnf`);
    writeFileSync(file(`${name}.attr`), 'unique_subject = no\n');
    writeFileSync(file(`${name}.crlnumber`), '01\n');
    writeFileSync(
      config,
      `[ca]\ndefault_ca = bench\n[bench]\ndatabase = ${file(`${name}.txt`)}\ncrlnumber = ${file(`${name}.crlnumber`)}\ncertificate = ${file('ca.pem')}\nprivate_key = ${file('ca.key')}\n` +
        `default_md = sha256\ndefault_crl_days = 7\nunique_subject = no\ncrl_extensions = crl_ext\n[crl_ext]\nauthorityKeyIdentifier = keyid:always\n`,
    );
    return config;
  };
  writeFileSync(file('index.txt'), indexOf(entries));
  writeFileSync(file('empty.txt'), '');
  const fullConfig = caConfig('index');
  const emptyConfig = caConfig('empty');
  const opensslGencrl = (config: string, out: string): number => timed('openssl', ['ca', '-gencrl', '-config', config, '-out', out]);

  console.log(
    `CRL of ${entryCount.toLocaleString('en-US')} entries, P-256 issuer, Node ${process.version}, ${spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout.trim()}; ${rounds} rounds, alternating`,
  );

  // --- 1. build + sign ----------------------------------------------------------------------------
  const ours: number[] = [];
  const theirs: number[] = [];
  const theirsEmpty: number[] = [];
  let crl: Buffer = Buffer.alloc(0);
  for (let round = 0; round < rounds; round++) {
    const oursFirst = round % 2 === 0;
    const runOurs = async (): Promise<void> => {
      const started = performance.now();
      crl = await buildCrl({ ...template, revokedCertificates: entries }, signer);
      ours.push(seconds(started));
    };
    const runTheirs = (): void => {
      theirs.push(opensslGencrl(fullConfig, file('openssl.crl')));
      theirsEmpty.push(opensslGencrl(emptyConfig, file('openssl-empty.crl')));
    };
    if (oursFirst) {
      await runOurs();
      runTheirs();
    } else {
      runTheirs();
      await runOurs();
    }
  }
  const opensslCrl = readFileSync(file('openssl.crl'), 'utf8');
  const opensslDer = Buffer.from(opensslCrl.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  // Both sides made the same list: OpenSSL's CRL lists every serial.
  const opensslRead = readRevokedSerials(opensslDer);
  if (opensslRead.entries.size !== entryCount || !verifyCrlSignature(opensslRead, keys.publicKey))
    throw new Error(`openssl's CRL lists ${opensslRead.entries.size} serials, not ${entryCount}, or does not verify`);
  console.log('\n1. build + sign');
  console.log(`  symbolon buildCrl (in process):       ${spread(ours, 's', 2)}; ${(crl.length / 1e6).toFixed(1)} MB DER`);
  console.log(
    `  openssl ca -gencrl (a process each):  ${spread(theirs, 's', 2)}; ${(opensslDer.length / 1e6).toFixed(1)} MB DER, the same serials`,
  );
  console.log(`    of which its fixed cost (empty index): ${spread(theirsEmpty, 's', 3)}`);
  console.log(
    `  ratio of medians symbolon / openssl: ${(median(ours) / median(theirs)).toFixed(2)} (lower is faster); against openssl less its fixed cost: ${(median(ours) / (median(theirs) - median(theirsEmpty))).toFixed(2)}`,
  );

  // --- 2. parse + verify with the full parser -------------------------------------------------------
  writeFileSync(file('bench.crl'), crl);
  const isOverCap = crl.length > MAX_CRL_BYTES;
  const sampleFile = isOverCap ? file('sample.crl') : file('bench.crl');
  const sampleEntries = isOverCap ? Math.min(parserSampleEntries, entryCount) : entryCount;
  if (isOverCap) writeFileSync(sampleFile, await buildCrl({ ...template, revokedCertificates: entries.slice(0, sampleEntries) }, signer));
  const emptyFile = file('empty.crl');
  writeFileSync(emptyFile, await buildCrl({ ...template, revokedCertificates: [] }, signer));
  const opensslVerify = (crlFile: string): number =>
    timed('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-CAfile', file('ca.pem'), '-noout', '-verify']);
  const parseOurs: number[] = [];
  const parseTheirs: number[] = [];
  const parseTheirsEmpty: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const runOurs = (): void => {
      const started = performance.now();
      const parsed = parseCrl(readFileSync(sampleFile));
      if (!verifyCrlSignature(parsed, keys.publicKey)) throw new Error('the CRL signature does not verify');
      parseOurs.push(seconds(started));
      if (parsed.revokedCertificates.length !== sampleEntries)
        throw new Error(`parseCrl found ${parsed.revokedCertificates.length} entries, not ${sampleEntries}`);
    };
    const runTheirs = (): void => {
      parseTheirs.push(opensslVerify(sampleFile));
      parseTheirsEmpty.push(opensslVerify(emptyFile));
    };
    if (round % 2 === 0) {
      runOurs();
      runTheirs();
    } else {
      runTheirs();
      runOurs();
    }
  }
  console.log(
    `\n2. parse + verify, full parser, ${sampleEntries.toLocaleString('en-US')} entries${isOverCap ? ` (the full CRL is over MAX_CRL_BYTES, ${MAX_CRL_BYTES.toLocaleString('en-US')} bytes)` : ''}, from the file`,
  );
  console.log(`  symbolon parseCrl + verifyCrlSignature: ${spread(parseOurs, 's', 3)}`);
  console.log(`  openssl crl -verify -noout:             ${spread(parseTheirs, 's', 3)}`);
  console.log(`    of which its fixed cost (empty CRL):  ${spread(parseTheirsEmpty, 's', 3)}`);
  console.log(
    `  ratio of medians symbolon / openssl: ${(median(parseOurs) / median(parseTheirs)).toFixed(2)}; against openssl less its fixed cost: ${(median(parseOurs) / (median(parseTheirs) - median(parseTheirsEmpty))).toFixed(2)}`,
  );

  // --- 3. the gateway's fast path on the full CRL ---------------------------------------------------
  const readOurs: number[] = [];
  const readTheirs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const runOurs = (): void => {
      const started = performance.now();
      const read = readRevokedSerials(readFileSync(file('bench.crl')));
      if (!verifyCrlSignature(read, keys.publicKey)) throw new Error('the CRL signature does not verify');
      readOurs.push(seconds(started));
      if (read.entries.size !== entryCount) throw new Error(`readRevokedSerials found ${read.entries.size} serials, not ${entryCount}`);
    };
    if (round % 2 === 0) {
      runOurs();
      readTheirs.push(opensslVerify(file('bench.crl')));
    } else {
      readTheirs.push(opensslVerify(file('bench.crl')));
      runOurs();
    }
  }
  console.log(`\n3. read + verify the full ${entryCount.toLocaleString('en-US')}-entry CRL, from the file`);
  console.log(`  symbolon readRevokedSerials + verify: ${spread(readOurs, 's', 2)}`);
  console.log(`  openssl crl -verify -noout:           ${spread(readTheirs, 's', 2)}`);
  console.log(`  ratio of medians symbolon / openssl: ${(median(readOurs) / median(readTheirs)).toFixed(2)}`);

  // --- 4. the one revocation check on a path, as the gateway's CRL source runs it on a cache miss ----
  const read = readRevokedSerials(crl);
  const leafKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leafOf = async (serialNumber: string): Promise<ReturnType<typeof parseCertificate>> =>
    parseCertificate(
      await buildCertificate(
        {
          serialNumber: BigInt(`0x${serialNumber}`),
          issuer: ca.subjectDer,
          subject: parseName('/CN=bench leaf'),
          notBefore: ca.notBefore,
          notAfter: ca.notAfter,
          subjectPublicKey: leafKeys.publicKey,
          authorityKeyIdentifier: ca.subjectKeyIdentifier!,
        },
        signer,
      ),
    );
  const revokedPath = [await leafOf(entries[entryCount >> 1]!.serialNumber as string), ca];
  const goodPath = [await leafOf('4' + '0'.repeat(31)), ca];
  const firstStarted = performance.now();
  if (checkPathRevocation(goodPath, [read], { at: new Date() }).failure !== undefined) throw new Error('a good leaf is not good');
  const firstSeconds = seconds(firstStarted);
  if (checkPathRevocation(revokedPath, [read], { at: new Date() }).failure?.code !== 'PATH_REVOKED')
    throw new Error('a listed leaf is not revoked');
  const checks = 20_000;
  const checkRounds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    for (let i = 0; i < checks; i++) checkPathRevocation(i % 2 === 0 ? goodPath : revokedPath, [read], { at: new Date() });
    checkRounds.push(((performance.now() - started) * 1000) / checks);
  }
  console.log(
    `\n4. symbolon checkPathRevocation (RFC 5280 6.3, leaf + CA), no peer: first ${firstSeconds.toFixed(2)} s (the CRL signature), then ${spread(checkRounds, 'µs per path', 1)}; the gateway keeps each answer until the CRLs change`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
