import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errorCodeOf, SymbolonError } from '../../errors.js';

/**
 * A Symbolon data directory (default `./symbolon-data`):
 *
 *   symbolon.json              marker: format, version, store id; written last by `ca init`
 *   symbolon.lock              the PID of the `symbolon up` running on it (while it runs)
 *   config.yaml                CA configuration (name, public base URL, profiles)
 *   symbolon.db                SQLite store (plus symbolon.db-wal and -shm while open)
 *   intermediate.passphrase    the intermediate key's passphrase, 0600, when it was generated
 *   offline/root.key.enc       root key, encrypted PKCS#8, 0600 \ everything the root needs, and
 *   offline/root.passphrase    its passphrase, 0600, if generated / nothing that runs reads: move
 *                                                                  the folder offline after init
 *   ca/root.crt                root CA certificate (PEM)
 *   ca/intermediate-N.crt      intermediate CA certificates (PEM), N = 1, 2, ...
 *   ca/intermediate-N.key.enc  their keys, encrypted PKCS#8, 0600
 *   ca/intermediate-N.chain.pem  intermediate then root: what a server sends after its own certificate
 *   internal/                  the certificates and encrypted keys of `up`'s own services
 *
 * Which intermediate issues is recorded in the store. Every file is written atomically
 * (temporary file, fsync, rename), so a crash leaves no half-written file, and a new data
 * directory is made whole in a staging directory beside it, then renamed into place.
 * (Data directories made before `offline/` existed keep their root key at ca/root.key.enc.)
 */
export const DATA_DIR_FORMAT = 'symbolon-data-dir';
export const DATA_DIR_VERSION = 1;
export const DEFAULT_DATA_DIR = 'symbolon-data';

export interface DataDirPaths {
  readonly root: string;
  readonly marker: string;
  readonly config: string;
  readonly database: string;
  readonly caDir: string;
  readonly rootCertificate: string;
  readonly rootKey: string;
  /** Where data directories made before `offline/` existed keep the root key. */
  readonly legacyRootKey: string;
  readonly offlineDir: string;
  /** The root passphrase when `ca init` or `up` generated it. */
  readonly rootPassphrase: string;
  /** The intermediate passphrase when `ca init` or `up` generated it; `up` reads it from here. */
  readonly intermediatePassphrase: string;
  readonly lock: string;
  /** Certificates and keys of the CA's own services (OCSP responder, feed, gateway). */
  readonly internalDir: string;
  readonly issuerCertificate: (issuerId: string) => string;
  readonly issuerKey: (issuerId: string) => string;
  readonly issuerChain: (issuerId: string) => string;
}

/** The paths of every file in a data directory. */
export function dataDirPaths(root: string): DataDirPaths {
  const caDir = join(root, 'ca');
  const offlineDir = join(root, 'offline');
  return Object.freeze({
    root,
    marker: join(root, 'symbolon.json'),
    offlineDir,
    rootPassphrase: join(offlineDir, 'root.passphrase'),
    intermediatePassphrase: join(root, 'intermediate.passphrase'),
    lock: join(root, 'symbolon.lock'),
    internalDir: join(root, 'internal'),
    config: join(root, 'config.yaml'),
    database: join(root, 'symbolon.db'),
    caDir,
    rootCertificate: join(caDir, 'root.crt'),
    rootKey: join(offlineDir, 'root.key.enc'),
    legacyRootKey: join(caDir, 'root.key.enc'),
    issuerCertificate: (id: string) => join(caDir, `${id}.crt`),
    issuerKey: (id: string) => join(caDir, `${id}.key.enc`),
    issuerChain: (id: string) => join(caDir, `${id}.chain.pem`),
  });
}

/** What the marker file says. */
export interface DataDirMarker {
  readonly format: typeof DATA_DIR_FORMAT;
  readonly version: number;
  readonly storeId: string;
  readonly createdAt: string;
}

/** The marker's text for a new data directory. */
export function markerText(storeId: string, createdAt: Date): string {
  const marker: DataDirMarker = { format: DATA_DIR_FORMAT, version: DATA_DIR_VERSION, storeId, createdAt: createdAt.toISOString() };
  return JSON.stringify(marker, null, 2) + '\n';
}

/**
 * Files a user may put in a data directory before the CA exists: `symbolon up` reads
 * gateway.yaml from there, so writing it first and then running `up` once must work.
 */
export const PRE_INIT_FILES: ReadonlySet<string> = new Set(['gateway.yaml']);

/** What `ca init` writes: found without a marker, they are the remains of an interrupted init. */
const CA_PARTS: ReadonlySet<string> = new Set([
  'ca',
  'offline',
  'config.yaml',
  'symbolon.db',
  'intermediate.passphrase',
  'root.passphrase',
]);

function isEmptyBeforeInit(entries: readonly string[]): boolean {
  return entries.every((name) => PRE_INIT_FILES.has(name));
}

/**
 * Checks that `root` is a Symbolon data directory this version can use and returns its marker.
 * Throws `CA_DATA_DIR_MISSING` (no such directory, or empty), `CA_DATA_DIR_FOREIGN` (files but
 * no marker, or another program's marker), `CA_DATA_DIR_CORRUPT` (an unreadable marker) or
 * `CA_DATA_DIR_VERSION`.
 */
export function readDataDirMarker(root: string): DataDirMarker {
  const paths = dataDirPaths(root);
  try {
    if (!statSync(root).isDirectory())
      throw new SymbolonError(
        'CA_DATA_DIR_FOREIGN',
        `${root} is a file, not a data directory; pass --dir with a directory made by \`symbolon ca init\``,
      );
  } catch (error) {
    if (error instanceof SymbolonError) throw error;
    throw new SymbolonError(
      'CA_DATA_DIR_MISSING',
      `there is no data directory at ${root}; run \`symbolon ca init --dir ${root}\` or pass --dir`,
      { cause: error },
    );
  }
  let text: string;
  try {
    text = readFileSync(paths.marker, 'utf8');
  } catch (error) {
    if (errorCodeOf(error) !== 'ENOENT')
      throw new SymbolonError('CA_DATA_DIR_CORRUPT', `cannot read ${paths.marker} (${errorCodeOf(error) ?? 'error'})`, { cause: error });
    const entries = readdirSync(root);
    if (isEmptyBeforeInit(entries))
      throw new SymbolonError('CA_DATA_DIR_MISSING', `${root} has no CA yet; run \`symbolon ca init --dir ${root}\``);
    const caParts = entries.filter((name) => CA_PARTS.has(name));
    if (caParts.length > 0) {
      throw new SymbolonError(
        'CA_DATA_DIR_INCOMPLETE',
        `${root} is half made: it has ${caParts.join(', ')} but no symbolon.json, so a first start (\`ca init\` or \`up\` of an older Symbolon) was interrupted before it finished; no certificate was issued from it and its keys may have no passphrase file: move it away (or remove it) and run again`,
      );
    }
    throw new SymbolonError(
      'CA_DATA_DIR_FOREIGN',
      `${root} has no symbolon.json: it is not a Symbolon data directory; pass --dir with a new or empty directory`,
    );
  }
  let marker: unknown;
  try {
    marker = JSON.parse(text);
  } catch (error) {
    throw new SymbolonError('CA_DATA_DIR_CORRUPT', `${paths.marker} is not valid JSON; restore the data directory from a backup`, {
      cause: error,
    });
  }
  const fields = (typeof marker === 'object' && marker !== null ? marker : {}) as Record<string, unknown>;
  if (fields['format'] !== DATA_DIR_FORMAT)
    throw new SymbolonError(
      'CA_DATA_DIR_FOREIGN',
      `${paths.marker} belongs to another program (format ${JSON.stringify(fields['format'])})`,
    );
  const version = fields['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new SymbolonError('CA_DATA_DIR_CORRUPT', `${paths.marker} has no valid version`);
  if (version > DATA_DIR_VERSION)
    throw new SymbolonError(
      'CA_DATA_DIR_VERSION',
      `${root} has layout version ${version}; this Symbolon reads version ${DATA_DIR_VERSION}; upgrade Symbolon`,
    );
  if (typeof fields['storeId'] !== 'string' || typeof fields['createdAt'] !== 'string')
    throw new SymbolonError('CA_DATA_DIR_CORRUPT', `${paths.marker} lacks its store id or creation time`);
  return Object.freeze({ format: DATA_DIR_FORMAT, version, storeId: fields['storeId'], createdAt: fields['createdAt'] });
}

/** Throws `CA_DATA_DIR_EXISTS` unless `root` is absent or an empty directory (but for a gateway.yaml). */
export function assertDataDirFree(root: string): void {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch (error) {
    if (errorCodeOf(error) === 'ENOENT') return;
    throw new SymbolonError('CA_DATA_DIR_EXISTS', `${root} cannot be used as a new data directory (${errorCodeOf(error) ?? 'error'})`, {
      cause: error,
    });
  }
  if (!isEmptyBeforeInit(entries)) {
    const what = entries.includes('symbolon.json') ? 'already holds a CA' : 'is not empty';
    throw new SymbolonError('CA_DATA_DIR_EXISTS', `${root} ${what}; pass --dir with a new or empty directory`);
  }
}

// The temporary names of keys/key-file.ts's atomic writes: `.<name>.<16 hex>.tmp`.
const TEMPORARY_FILE = /^\..+\.[0-9a-f]{16}\.tmp$/;

/**
 * Removes the temporary files an atomic write leaves when the process is killed between
 * creating and renaming them; the files they were to become are untouched. Returns their names.
 */
export function sweepTemporaryFiles(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const removed = names.filter((name) => TEMPORARY_FILE.test(name));
  for (const name of removed) rmSync(join(directory, name), { force: true });
  return removed;
}
