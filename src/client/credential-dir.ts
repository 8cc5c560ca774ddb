import { randomBytes } from 'node:crypto';
import { createPrivateKey } from 'node:crypto';
import { mkdir, open, readdir, readFile, readlink, rename, rm, symlink, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCodeOf, SymbolonError } from '../errors.js';
import { isKeyOfCertificate, leafOfChain } from './credential.js';
import type { Credential } from './credential.js';

/**
 * The credential directory the agent keeps (and the tunnel reads):
 *
 *     DIR/current -> v-000007          the one complete version readers use
 *     DIR/v-000007/key.pem (0600), cert.pem, chain.pem, ca.pem, meta.json
 *     DIR/key.pem -> current/key.pem   (and cert.pem, chain.pem, ca.pem) for programs that take paths
 *     DIR/status.json                  for monitoring
 *     DIR/pending-request.json (0600)  a request the CA holds for approval, while it does (pending-request.ts)
 *
 * A version is written whole in a temporary directory, renamed to its name, and only then is
 * `current` swapped by renaming a new symlink over it (rename(2) is atomic), so `current` always
 * names a directory whose key and certificate belong together, whenever the writer is killed.
 * A reader resolves `current` once and reads both files from that version.
 */
export const CURRENT = 'current';
const VERSION = /^v-(\d{6,})$/;
const FILES = ['key.pem', 'cert.pem', 'chain.pem', 'ca.pem'] as const;

/** Where bytes meet the disk: one file written whole and flushed. Replaceable at the edge, to make a disk fail. */
export interface FileWriter {
  writeFile(path: string, data: string, mode: number): Promise<void>;
}

export const DISK_WRITER: FileWriter = {
  async writeFile(path, data, mode) {
    const handle = await open(path, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function writeFailed(dir: string, error: unknown): SymbolonError {
  return new SymbolonError(
    'CLIENT_CREDENTIAL_WRITE_FAILED',
    `${dir}: ${errorCodeOf(error) ?? ''} ${error instanceof Error ? error.message : String(error)}; the current key and certificate stay in place`.trim(),
    { cause: error },
  );
}

async function versions(dir: string): Promise<{ names: string[]; next: number }> {
  const entries = await readdir(dir);
  const names = entries.filter((name) => VERSION.test(name)).sort();
  const last = names.at(-1);
  return { names, next: last === undefined ? 1 : Number(VERSION.exec(last)![1]) + 1 };
}

/** Creates the directory (0700) and removes what a killed writer left half done. */
export async function prepareCredentialDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const name of await readdir(dir)) {
    if (name.startsWith('.tmp-') || name.startsWith('.current-')) await rm(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Writes `credential` as a new version and makes it current (see above). Keeps the version it
 * replaces (a reader may hold it open), removes older ones. Throws `CLIENT_CREDENTIAL_WRITE_FAILED`
 * with the current version untouched.
 */
export async function writeCredentialDir(dir: string, credential: Credential, writer: FileWriter = DISK_WRITER): Promise<string> {
  const temp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
  let version: string;
  try {
    await mkdir(temp, { mode: 0o700 });
    const leafPem = credential.chainPem.slice(0, credential.chainPem.indexOf('-----END CERTIFICATE-----') + 26);
    await writer.writeFile(join(temp, 'key.pem'), credential.keyPem, 0o600);
    await writer.writeFile(join(temp, 'cert.pem'), leafPem, 0o644);
    await writer.writeFile(join(temp, 'chain.pem'), credential.chainPem, 0o644);
    await writer.writeFile(join(temp, 'ca.pem'), credential.caPem, 0o644);
    await writer.writeFile(join(temp, 'meta.json'), JSON.stringify({ receivedAt: credential.receivedAt.toISOString() }) + '\n', 0o644);
    await syncDirectory(temp);
    version = `v-${String((await versions(dir)).next).padStart(6, '0')}`;
    await rename(temp, join(dir, version));
    await syncDirectory(dir);
    const link = join(dir, `.current-${randomBytes(6).toString('hex')}`);
    await symlink(version, link);
    await rename(link, join(dir, CURRENT));
    await syncDirectory(dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw writeFailed(dir, error);
  }
  await linkFiles(dir).catch(() => undefined);
  await prune(dir, version).catch(() => undefined);
  return version;
}

/** DIR/key.pem -> current/key.pem and the like, made once. */
async function linkFiles(dir: string): Promise<void> {
  for (const file of FILES) {
    const path = join(dir, file);
    const existing = await lstat(path).catch(() => undefined);
    if (existing === undefined) await symlink(join(CURRENT, file), path);
  }
}

/** Removes every version but `keep` and the one before it. */
async function prune(dir: string, keep: string): Promise<void> {
  const { names } = await versions(dir);
  const index = names.indexOf(keep);
  for (const name of names) {
    if (name === keep || (index > 0 && name === names[index - 1])) continue;
    await rm(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * The credential `current` names, its key checked against its certificate; undefined when the
 * directory holds none yet. Throws `CLIENT_CREDENTIAL_DIR_INVALID`.
 */
export async function readCredentialDir(dir: string): Promise<(Credential & { readonly version: string }) | undefined> {
  let version: string;
  try {
    version = await readlink(join(dir, CURRENT));
  } catch (error) {
    if (errorCodeOf(error) === 'ENOENT') return undefined;
    throw new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', `${dir}: ${(error as Error).message}`, { cause: error });
  }
  if (!VERSION.test(version)) throw new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', `${dir}/current points at ${version}`);
  try {
    const base = join(dir, version);
    const [keyPem, chainPem, caPem, meta] = await Promise.all(
      ['key.pem', 'chain.pem', 'ca.pem', 'meta.json'].map((file) => readFile(join(base, file), 'utf8')),
    );
    const privateKey = createPrivateKey(keyPem!);
    const certificate = leafOfChain(chainPem!);
    if (!isKeyOfCertificate(privateKey, certificate))
      throw new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', `${dir}/${version}: the key does not belong to the certificate`);
    const receivedAt = new Date((JSON.parse(meta!) as { receivedAt?: unknown }).receivedAt as string);
    return {
      version,
      privateKey,
      keyPem: keyPem!,
      certificate,
      chainPem: chainPem!,
      caPem: caPem!,
      receivedAt: Number.isNaN(receivedAt.getTime()) ? certificate.notBefore : receivedAt,
    };
  } catch (error) {
    if (error instanceof SymbolonError) throw error;
    throw new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', `${dir}/${version}: ${(error as Error).message}`, { cause: error });
  }
}
