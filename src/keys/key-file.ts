import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, lstat, open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { errorCodeOf, SymbolonError } from '../errors.js';
import { MAX_KEY_INPUT_BYTES } from './key-input.js';

export interface KeyFileWriteOptions {
  /** Replace a file already at the path; by default an existing file is `KEY_FILE_EXISTS`. */
  readonly overwrite?: boolean;
}

const PRIVATE_MODE = 0o600;
const PUBLIC_MODE = 0o644;

function unwritable(path: string, error: unknown): SymbolonError {
  return new SymbolonError('KEY_FILE_UNWRITABLE', `cannot write ${path} (${errorCodeOf(error) ?? 'error'})`, { cause: error });
}

function exists(path: string): SymbolonError {
  return new SymbolonError('KEY_FILE_EXISTS', `${path} already exists; remove it or ask to overwrite it`);
}

/** Makes the rename durable: POSIX leaves it in the page cache until the directory is synced. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Some platforms and file systems cannot open or sync a directory; the data itself is synced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Puts the finished temporary file at `path`: `link` fails on an existing file with no race, `rename` replaces it. */
async function publish(temporary: string, path: string, overwrite: boolean): Promise<void> {
  if (overwrite) {
    await rename(temporary, path);
    return;
  }
  try {
    await link(temporary, path);
  } catch (error) {
    const code = errorCodeOf(error);
    if (code === 'EEXIST') throw exists(path);
    // File systems without hard links: check, then rename. Only there does a narrow race remain.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
    const isTaken = await lstat(path).then(
      () => true,
      () => false,
    );
    if (isTaken) throw exists(path);
    await rename(temporary, path);
    return;
  }
  await rm(temporary, { force: true });
}

async function writeAtomically(path: string, contents: string | Uint8Array, mode: number, options: KeyFileWriteOptions): Promise<void> {
  const directory = dirname(resolve(path));
  const temporary = join(directory, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  let handle: FileHandle;
  try {
    // O_EXCL: never write through a file or symlink someone placed at the temporary name.
    handle = await open(temporary, 'wx', mode);
  } catch (error) {
    throw unwritable(path, error);
  }
  try {
    // The umask can only clear bits; chmod makes a private key exactly owner read/write.
    if (mode === PRIVATE_MODE) await handle.chmod(PRIVATE_MODE);
    await handle.writeFile(contents);
    await handle.sync();
    await handle.close();
    await publish(temporary, path, options.overwrite === true);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    if (error instanceof SymbolonError) throw error;
    throw unwritable(path, error);
  }
  await syncDirectory(directory);
}

/**
 * Writes a private key file with mode 0600, atomically: a temporary file in the same directory
 * is written and synced, then moved into place, so a crash leaves the old file or the new one,
 * never half of one. Throws `KEY_FILE_EXISTS` unless `overwrite` is set, or `KEY_FILE_UNWRITABLE`.
 */
export async function writePrivateKeyFile(path: string, contents: string | Uint8Array, options: KeyFileWriteOptions = {}): Promise<void> {
  await writeAtomically(path, contents, PRIVATE_MODE, options);
}

/**
 * Writes a public key (or another non-secret file, such as a certificate) with mode 0644 less
 * the umask, atomically as `writePrivateKeyFile` does. Throws `KEY_FILE_EXISTS` or `KEY_FILE_UNWRITABLE`.
 */
export async function writePublicKeyFile(path: string, contents: string | Uint8Array, options: KeyFileWriteOptions = {}): Promise<void> {
  await writeAtomically(path, contents, PUBLIC_MODE, options);
}

/**
 * The bytes of a key file, at most `MAX_KEY_INPUT_BYTES`. Throws `INPUT_UNREADABLE` for a path
 * that cannot be opened or is not a regular file, and `INPUT_TOO_LARGE`.
 */
export async function readKeyFile(path: string): Promise<Buffer> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: a FIFO at the path must not hang the open; it is refused below.
    handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    throw new SymbolonError('INPUT_UNREADABLE', `cannot read ${path} (${errorCodeOf(error) ?? 'error'})`, { cause: error });
  }
  const buffer = Buffer.alloc(MAX_KEY_INPUT_BYTES + 1);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new SymbolonError('INPUT_UNREADABLE', `${path} is not a regular file`);
    if (stats.size > MAX_KEY_INPUT_BYTES) throw tooLarge(path);
    let length = 0;
    // The size is checked again while reading: the file may grow after the stat.
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_KEY_INPUT_BYTES) throw tooLarge(path);
    return Buffer.from(buffer.subarray(0, length));
  } catch (error) {
    if (error instanceof SymbolonError) throw error;
    throw new SymbolonError('INPUT_UNREADABLE', `cannot read ${path} (${errorCodeOf(error) ?? 'error'})`, { cause: error });
  } finally {
    buffer.fill(0);
    await handle.close();
  }
}

function tooLarge(path: string): SymbolonError {
  return new SymbolonError('INPUT_TOO_LARGE', `${path} is larger than ${MAX_KEY_INPUT_BYTES} bytes, more than any key file`);
}
