import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataDirPaths } from '../ca/index.js';
import { errorCodeOf, SymbolonError } from '../errors.js';
import { TOKEN_HASH_KEY_BYTES } from './token-secret.js';

/** The file beside the database holding the key enrollment-token secrets are hashed under. */
export function enrollmentTokenKeyPath(paths: DataDirPaths): string {
  return join(paths.root, 'enrollment-token.key');
}

/**
 * The data directory's enrollment-token key: read, or made (random, mode 0600, never
 * overwritten: of two processes making it at once, the second reads the first's). A database
 * copied without it holds hashes nobody can test a guess against. Throws `CA_DATA_DIR_CORRUPT`.
 */
export async function enrollmentTokenKey(paths: DataDirPaths): Promise<Buffer> {
  const path = enrollmentTokenKeyPath(paths);
  try {
    await writeFile(path, randomBytes(TOKEN_HASH_KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (errorCodeOf(error) !== 'EEXIST')
      throw new SymbolonError('CA_DATA_DIR_CORRUPT', `cannot write ${path} (${errorCodeOf(error) ?? 'error'})`, { cause: error });
  }
  const key = await readFile(path);
  if (key.length !== TOKEN_HASH_KEY_BYTES)
    throw new SymbolonError(
      'CA_DATA_DIR_CORRUPT',
      `${path} is not ${TOKEN_HASH_KEY_BYTES} bytes: restore it, or remove it (every enrollment token made so far stops working)`,
    );
  return key;
}
