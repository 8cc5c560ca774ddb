import { randomBytes } from 'node:crypto';
import { initCertificateAuthority, openDataDir, unlockActiveIssuer } from '../src/ca/index.js';
import type { DataDir, IssuingCa } from '../src/ca/index.js';

/** The intermediate key's passphrase of every bench CA. */
export const BENCH_PASSPHRASE = 'bench intermediate passphrase';

/** A new P-256 CA in `dir` (which must not exist yet), opened, with its active intermediate unlocked. */
export async function openBenchCa(dir: string, publicBaseUrl: string): Promise<{ readonly dataDir: DataDir; readonly issuer: IssuingCa }> {
  await initCertificateAuthority({
    dir,
    name: 'Bench',
    keyType: 'p256',
    rootPassphrase: 'bench root passphrase',
    intermediatePassphrase: BENCH_PASSPHRASE,
    publicBaseUrl,
    actor: 'bench',
    now: new Date(),
    random: randomBytes,
  });
  const dataDir = await openDataDir(dir, { actor: 'bench', now: new Date() });
  return { dataDir, issuer: await unlockActiveIssuer(dataDir, BENCH_PASSPHRASE) };
}
