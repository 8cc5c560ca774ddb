import { lstat } from 'node:fs/promises';
import { SymbolonError, isSymbolonError } from '../errors.js';
import { writePublicKeyFile } from '../keys/index.js';

/**
 * Fails early, before any work is done, when a file the command would create is already there
 * and `--force` was not given. The write itself still refuses to replace a file that appears in
 * between (it links, which fails on an existing name).
 */
export async function refuseExisting(path: string, code: 'KEY_FILE_EXISTS' | 'OUTPUT_FILE_EXISTS'): Promise<void> {
  const isTaken = await lstat(path).then(
    () => true,
    () => false,
  );
  if (isTaken) throw new SymbolonError(code, `${path} already exists; remove it or give --force to replace it`);
}

/**
 * Writes a file that holds nothing secret (a CSR, a public key) atomically with mode 0644 less
 * the umask. Throws `OUTPUT_FILE_EXISTS` unless `overwrite`, or `OUTPUT_UNWRITABLE`.
 */
export async function writeOutputFile(path: string, contents: string | Uint8Array, options: { readonly overwrite: boolean }): Promise<void> {
  try {
    await writePublicKeyFile(path, contents, { overwrite: options.overwrite });
  } catch (error) {
    if (!isSymbolonError(error)) throw error;
    if (error.code === 'KEY_FILE_EXISTS') throw new SymbolonError('OUTPUT_FILE_EXISTS', `${path} already exists; remove it or give --force to replace it`);
    if (error.code === 'KEY_FILE_UNWRITABLE') throw new SymbolonError('OUTPUT_UNWRITABLE', error.message, { cause: error });
    throw error;
  }
}
