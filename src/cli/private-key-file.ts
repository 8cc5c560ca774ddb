import type { KeyObject } from 'node:crypto';
import { SymbolonError, isSymbolonError } from '../errors.js';
import { importPrivateKey, readKeyFile } from '../keys/index.js';

/**
 * The private key in a file (PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1; PEM or DER), decrypted
 * with `passphrase` when it is encrypted. Throws the codes of `readKeyFile` and
 * `importPrivateKey`; `KEY_PASSPHRASE_REQUIRED` says which options give one.
 */
export async function loadPrivateKeyFile(path: string, passphrase: string | undefined): Promise<KeyObject> {
  const bytes = await readKeyFile(path);
  try {
    return await importPrivateKey(bytes, passphrase === undefined ? {} : { passphrase });
  } catch (error) {
    if (isSymbolonError(error) && error.code === 'KEY_PASSPHRASE_REQUIRED') {
      throw new SymbolonError(
        'KEY_PASSPHRASE_REQUIRED',
        `${path} is encrypted; give its passphrase with --passphrase-file or --passphrase-env`,
      );
    }
    throw error;
  } finally {
    bytes.fill(0);
  }
}
