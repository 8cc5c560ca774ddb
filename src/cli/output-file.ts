import { constants as fsConstants } from 'node:fs';
import { access, lstat, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { SymbolonError, errorCodeOf, isSymbolonError } from '../errors.js';
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
 * Checks, before any work is done (a certificate issued, a key made), that the command can write
 * a new file at `path`: not a directory, in a directory that exists and is writable, and not an
 * existing file unless `force`. Throws `OUTPUT_UNWRITABLE` or `code` (the file exists). The write
 * itself checks again: this only moves the usual mistakes before anything is recorded.
 */
export async function checkOutputPath(
  path: string,
  options: { readonly force: boolean; readonly code?: 'KEY_FILE_EXISTS' | 'OUTPUT_FILE_EXISTS' },
): Promise<void> {
  if (path === '' || path.endsWith(sep) || path.endsWith('/'))
    throw new SymbolonError('OUTPUT_UNWRITABLE', `${JSON.stringify(path)} names a directory, not a file; give a file name`);
  const existing = await lstat(path).catch((error: unknown) => {
    if (errorCodeOf(error) === 'ENOENT') return undefined;
    throw new SymbolonError('OUTPUT_UNWRITABLE', `cannot use ${path} (${errorCodeOf(error) ?? 'error'})`, { cause: error });
  });
  if (existing?.isDirectory() === true) throw new SymbolonError('OUTPUT_UNWRITABLE', `${path} is a directory; give a file name inside it`);
  const directory = dirname(resolve(path));
  const parent = await stat(directory).catch(() => undefined);
  if (parent === undefined || !parent.isDirectory())
    throw new SymbolonError('OUTPUT_UNWRITABLE', `cannot write ${path}: the directory ${directory} does not exist`);
  try {
    await access(directory, fsConstants.W_OK);
  } catch (error) {
    throw new SymbolonError('OUTPUT_UNWRITABLE', `cannot write ${path}: the directory ${directory} is not writable`, { cause: error });
  }
  if (existing !== undefined && !options.force) {
    throw new SymbolonError(options.code ?? 'OUTPUT_FILE_EXISTS', `${path} already exists; remove it or give --force to replace it`);
  }
}

/**
 * Writes a file that holds nothing secret (a CSR, a public key) atomically with mode 0644 less
 * the umask. Throws `OUTPUT_FILE_EXISTS` unless `overwrite`, or `OUTPUT_UNWRITABLE`.
 */
export async function writeOutputFile(
  path: string,
  contents: string | Uint8Array,
  options: { readonly overwrite: boolean },
): Promise<void> {
  try {
    await writePublicKeyFile(path, contents, { overwrite: options.overwrite });
  } catch (error) {
    if (!isSymbolonError(error)) throw error;
    if (error.code === 'KEY_FILE_EXISTS')
      throw new SymbolonError('OUTPUT_FILE_EXISTS', `${path} already exists; remove it or give --force to replace it`);
    if (error.code === 'KEY_FILE_UNWRITABLE') throw new SymbolonError('OUTPUT_UNWRITABLE', error.message, { cause: error });
    throw error;
  }
}
