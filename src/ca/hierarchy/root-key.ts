import { createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { isSymbolonError, SymbolonError } from '../../errors.js';
import { importPrivateKey, readKeyFile } from '../../keys/index.js';
import { formatName } from '../../x509/index.js';
import type { DataDir } from '../data-dir/data-dir-open.js';
import type { DataDirPaths } from '../data-dir/data-dir.js';

/** The root's id among the issuers: its CRL is published as crl/root.crl. */
export const ROOT_ISSUER_ID = 'root';

/**
 * Where the root key is looked for when no path is given: offline/root.key.enc, or ca/root.key.enc
 * in a data directory made before offline/ existed. Throws `CA_ROOT_KEY_MISSING` when neither is there.
 */
export function defaultRootKeyPath(paths: DataDirPaths): string {
  for (const path of [paths.rootKey, paths.legacyRootKey]) if (existsSync(path)) return path;
  throw new SymbolonError(
    'CA_ROOT_KEY_MISSING',
    `there is no root key at ${paths.rootKey}: bring the offline folder back into ${paths.root} for this operation, or give --root-key FILE`,
  );
}

/**
 * The root key, brought back from offline for a root operation (a new intermediate, a root CRL):
 * read from `rootKeyPath` (`defaultRootKeyPath` when undefined), decrypted, and checked to be
 * this CA's root key. Throws `KEY_BAD_PASSPHRASE`, `CA_ROOT_KEY_MISMATCH`, `CA_ROOT_KEY_MISSING`,
 * `INPUT_UNREADABLE`.
 */
export async function unlockRootKey(dataDir: DataDir, rootKeyPath: string | undefined, passphrase: string): Promise<KeyObject> {
  const path = rootKeyPath ?? defaultRootKeyPath(dataDir.paths);
  const bytes = await readKeyFile(path);
  let rootKey: KeyObject;
  try {
    rootKey = await importPrivateKey(bytes, { passphrase });
  } catch (error) {
    if (isSymbolonError(error) && error.code === 'KEY_BAD_PASSPHRASE') {
      throw new SymbolonError(
        'KEY_BAD_PASSPHRASE',
        `the passphrase does not decrypt the root key ${path}; give the root passphrase chosen at \`ca init\``,
        { cause: error },
      );
    }
    throw error;
  } finally {
    bytes.fill(0);
  }
  const rootSpki = createPublicKey(rootKey).export({ type: 'spki', format: 'der' });
  if (!rootSpki.equals(dataDir.root.spki))
    throw new SymbolonError('CA_ROOT_KEY_MISMATCH', `${path} is not the key of this CA's root (${formatName(dataDir.root.subject)})`);
  return rootKey;
}
