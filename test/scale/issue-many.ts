/**
 * One CA node issuing many certificates as fast as it can (64 in flight), for the scale tests
 * and bench/propagation.ts: `node --import tsx test/scale/issue-many.ts DATA_DIR PASSPHRASE_FILE COUNT [START_AT_MS]`
 * (START_AT_MS: an epoch time in ms to begin at, so several processes start together).
 * Prints the serial of every certificate the store reported stored, one a line, then
 * `issued N in MS ms from START to END` (epoch ms); exits non-zero on any failure.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeDer } from '../../src/asn1/index.js';
import { createCertificateAuthority, openDataDir, unlockActiveIssuer } from '../../src/ca/index.js';
import { parsePublicKeyInfo } from '../../src/x509/index.js';

const [dir, passFile, countText, startAtText = '0'] = process.argv.slice(2);
if (dir === undefined || passFile === undefined || !/^\d+$/.test(countText ?? '')) {
  process.stderr.write('usage: issue-many.ts DATA_DIR PASSPHRASE_FILE COUNT\n');
  process.exit(2);
}
const count = Number(countText);
const inFlight = 64;
const dataDir = await openDataDir(dir, { actor: 'issue-many', now: new Date() });
try {
  const issuer = await unlockActiveIssuer(dataDir, readFileSync(passFile, 'utf8').trim());
  const ca = createCertificateAuthority({
    store: dataDir.store,
    config: dataDir.config,
    issuer,
    clock: () => new Date(),
    random: randomBytes,
  });
  const keys = Array.from({ length: 16 }, () => {
    const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    return { spki, publicKey: parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED') };
  });
  const serials: string[] = [];
  let next = 0;
  const wait = Number(startAtText) - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const key = keys[i % keys.length]!;
      const issued = await ca.issue(
        {
          subject: [[{ type: '2.5.4.3', value: `device-${i}.scale.example` }]],
          subjectAltNames: [],
          publicKey: key.publicKey,
          spki: key.spki,
        },
        { profile: 'client', actor: 'issue-many' },
      );
      serials.push(issued.record.serial);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsedMs = performance.now() - started;
  const startedAt = Date.now() - elapsedMs;
  process.stdout.write(
    serials.join('\n') + `\nissued ${serials.length} in ${Math.round(elapsedMs)} ms from ${Math.round(startedAt)} to ${Date.now()}\n`,
  );
} finally {
  await dataDir.close();
}
