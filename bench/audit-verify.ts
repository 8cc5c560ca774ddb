/**
 * `audit verify` at scale: the whole proof (hash chain, replay of the log, every certificate,
 * revocation and issuer row compared with it) over a store of N certificates and M revocations,
 * in audit entries per second, beside SQLite's own `PRAGMA integrity_check` (the sqlite3 CLI) on
 * the same file from the same run, and `up`'s start check from a stored checkpoint. Rounds
 * alternate; min/median/max of each is printed, then the ratio of the medians.
 *
 * The data: a real CA (`initCertificateAuthority`), then N certificates recorded through the
 * store's normal write path (`recordIssuance`: group commit, sealed audit entry, record hash)
 * and M revocations through `revokeCertificate`. Each certificate's DER is built by the CA's
 * own builder with the real template (serial, subject, validity, extensions), but signed by a
 * placeholder signer (64 fixed bytes): verification hashes the DER and never checks the
 * signature, and signing a million certificates would measure the signer instead. Pass
 * `--real-signatures` to sign them with the intermediate key.
 *
 * Run: `node --import tsx bench/audit-verify.ts [certificates=1000000] [revocations=100000] [rounds=3] [--real-signatures] [--keep]`
 * Needs the sqlite3 command (`apt-get install -y sqlite3`).
 */
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDer } from '../src/asn1/index.js';
import { applyProfile, newSerialNumber, openDataDir, revokeCertificate, verifyStoreState } from '../src/ca/index.js';
import type { Signer } from '../src/keys/index.js';
import { buildCertificate, formatName, parsePublicKeyInfo } from '../src/x509/index.js';
import type { DistinguishedName } from '../src/x509/index.js';
import { median, spread } from './rate.js';
import { openBenchCa } from './bench-ca.js';

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const isRealSigning = process.argv.includes('--real-signatures');
/** Leave the data directory for a look afterwards (its path is printed). */
const isKept = process.argv.includes('--keep');
const certificateCount = Number(args[0] ?? 1_000_000);
const revocationCount = Math.min(Number(args[1] ?? 100_000), certificateCount);
const rounds = Number(args[2] ?? 3);
const IN_FLIGHT = 4096;

const sqlite = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
if (sqlite.status !== 0) {
  console.error('bench/audit-verify: the sqlite3 command is missing (apt-get install -y sqlite3)');
  process.exit(1);
}

const root = mkdtempSync(join(tmpdir(), 'symbolon-bench-audit-'));
try {
  const dir = join(root, 'data');
  const opened = await openBenchCa(dir, 'http://ca.bench.example');
  let dataDir = opened.dataDir;
  const issuer = opened.issuer;
  const placeholder: Signer = {
    algorithm: issuer.signer.algorithm,
    publicKey: issuer.signer.publicKey,
    sign: () => Promise.resolve(Buffer.alloc(64, 0x5a)),
  };
  const signer = isRealSigning ? issuer.signer : placeholder;
  const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
  const publicKey = parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED');
  const profile = dataDir.config.profiles['client']!;

  // 1. The data, through the store's write path.
  const made = performance.now();
  const refs: { issuerId: string; serial: string }[] = [];
  const issueOne = async (i: number): Promise<void> => {
    const now = new Date();
    const subject = [[{ type: '2.5.4.3', value: `device-${i}.bench.example` }]];
    const decision = applyProfile(
      profile,
      { subject, subjectAltNames: [], publicKey },
      {
        now,
        issuerId: issuer.id,
        issuerNotBefore: issuer.certificate.notBefore,
        issuerNotAfter: issuer.certificate.notAfter,
        publicBaseUrl: 'http://ca.bench.example',
        spiffeTrustDomain: undefined,
      },
    );
    const serial = newSerialNumber(randomBytes);
    const der = await buildCertificate(
      Object.assign({}, decision, {
        serialNumber: serial.bytes,
        issuer: issuer.nameDer,
        subjectPublicKey: spki,
        authorityKeyIdentifier: issuer.keyIdentifier,
      }),
      signer,
    );
    const fingerprint = createHash('sha256').update(der).digest('hex');
    const subjectText = formatName(decision.subject as DistinguishedName);
    await dataDir.store.recordIssuance(
      {
        issuerId: issuer.id,
        serial: serial.hex,
        subject: subjectText,
        subjectAltNames: [],
        profile: profile.name,
        notBefore: decision.notBefore,
        notAfter: decision.notAfter,
        fingerprint,
        der,
        issuedAt: now,
        renewalOf: null,
      },
      {
        at: now,
        actor: 'bench',
        action: 'certificate.issue',
        target: `${issuer.id}/${serial.hex}`,
        payload: {
          issuer: issuer.id,
          serial: serial.hex,
          profile: profile.name,
          subject: subjectText,
          subjectAltNames: [],
          notBefore: decision.notBefore.toISOString(),
          notAfter: decision.notAfter.toISOString(),
          sha256: fingerprint,
        },
      },
    );
    if (i % Math.max(1, Math.floor(certificateCount / revocationCount)) === 0 && refs.length < revocationCount)
      refs.push({ issuerId: issuer.id, serial: serial.hex });
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < certificateCount) {
        const i = next++;
        await issueOne(i);
        if (i > 0 && i % 100_000 === 0) console.error(`  ${i} certificates recorded`);
      }
    }),
  );
  let revoked = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (revoked < refs.length) {
        const ref = refs[revoked++]!;
        await revokeCertificate(dataDir.store, ref, 'keyCompromise', { actor: 'bench', now: new Date() });
      }
    }),
  );
  await dataDir.close();
  const database = join(dir, 'symbolon.db');
  // A checkpoint of the WAL into the file, so sqlite3 reads one file as `audit verify` does.
  spawnSync('sqlite3', [database, 'PRAGMA wal_checkpoint(TRUNCATE);']);
  console.log(
    `data: ${certificateCount} certificates and ${refs.length} revocations recorded in ${((performance.now() - made) / 1000).toFixed(0)} s through the store's write path (${isRealSigning ? 'real signatures' : 'placeholder signatures'}); ${(statSync(database).size / 2 ** 20).toFixed(0)} MiB`,
  );

  // 2. Rounds, alternating: audit verify (the whole proof), sqlite3's integrity_check, up's start check.
  dataDir = await openDataDir(dir, { actor: 'bench', now: new Date() });
  const configText = readFileSync(dataDir.paths.config, 'utf8');
  const ours: number[] = [];
  const theirs: number[] = [];
  const startChecks: number[] = [];
  let entries = 0;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    const result = await verifyStoreState(dataDir.store, { configText });
    const seconds = (performance.now() - start) / 1000;
    if (!result.chain.ok || result.differences.length > 0)
      throw new Error(`the bench store does not verify: ${JSON.stringify(result.chain)} ${result.differences.length} differences`);
    entries = result.chain.count;
    ours.push(entries / seconds);

    const peerStart = performance.now();
    const peer = spawnSync('sqlite3', [database, 'PRAGMA integrity_check;'], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const peerSeconds = (performance.now() - peerStart) / 1000;
    if (peer.status !== 0 || peer.stdout.trim() !== 'ok') throw new Error(`sqlite3 integrity_check: ${peer.stdout}${peer.stderr}`);
    theirs.push(entries / peerSeconds);

    // up at start: from the state this round proved, as if stored at the last start.
    const incrementalStart = performance.now();
    const incremental = await verifyStoreState(dataDir.store, { configText, from: result.proven });
    if (!incremental.chain.ok || incremental.differences.length > 0) throw new Error('the start check does not verify');
    startChecks.push(performance.now() - incrementalStart);
  }
  await dataDir.close();
  console.log(`audit verify (chain + every row): ${spread(ours, 'entries/s')}  (${entries} entries)`);
  console.log(`sqlite3 PRAGMA integrity_check:   ${spread(theirs, 'entries/s')}  (same file, same entry count)`);
  console.log(`ratio (medians): ${(median(ours) / median(theirs)).toFixed(2)}`);
  console.log(
    `up start check from a checkpoint (all ${refs.length} revocation rows compared, certificates counted): ${spread(startChecks, 'ms')}`,
  );
} finally {
  if (isKept) console.log(`data directory kept: ${join(root, 'data')}`);
  else rmSync(root, { recursive: true, force: true });
}
