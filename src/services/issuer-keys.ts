import { createIssuingCa } from '../ca/index.js';
import type { DataDir, IssuingCa } from '../ca/index.js';
import { isSymbolonError } from '../errors.js';
import { importPrivateKey, readKeyFile } from '../keys/index.js';
import { parseCertificate } from '../x509/index.js';

/** The intermediates whose keys opened, and those that did not with why. */
export interface UnlockedIssuers {
  readonly unlocked: readonly IssuingCa[];
  readonly locked: readonly { readonly id: string; readonly code: string }[];
}

/**
 * Unlocks every intermediate the CA has had, not only the active one: certificates of a rotated
 * intermediate still need CRLs and OCSP answers signed with its key. The root (offline) is left
 * out. A key the passphrase does not open is reported, not fatal.
 */
export async function unlockIssuers(dataDir: DataDir, passphrase: string): Promise<UnlockedIssuers> {
  const unlocked: IssuingCa[] = [];
  const locked: { id: string; code: string }[] = [];
  for (const record of dataDir.issuers) {
    if (record.parentId === null) continue;
    try {
      const bytes = await readKeyFile(dataDir.paths.issuerKey(record.id));
      try {
        const key = await importPrivateKey(bytes, { passphrase });
        unlocked.push(createIssuingCa(record.id, parseCertificate(record.certificate), dataDir.root, key));
      } finally {
        bytes.fill(0);
      }
    } catch (error) {
      locked.push({ id: record.id, code: isSymbolonError(error) ? error.code : 'INTERNAL' });
    }
  }
  return { unlocked, locked };
}
