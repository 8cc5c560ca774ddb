import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { SymbolonError, isSymbolonError } from '../../errors.js';
import { importPrivateKey, readKeyFile } from '../../keys/index.js';
import { openPostgresStore, openSqliteStore, redactedUrl } from '../../store/index.js';
import type { IssuerRecord, Store } from '../../store/index.js';
import { parseCertificate, parseCertificates } from '../../x509/index.js';
import type { Certificate } from '../../x509/index.js';
import { parseCaConfig } from './ca-config.js';
import type { CaConfig } from './ca-config.js';
import { dataDirPaths, readDataDirMarker, sweepTemporaryFiles } from './data-dir.js';
import type { DataDirPaths } from './data-dir.js';
import { createIssuingCa } from '../hierarchy/issuing-ca.js';
import type { IssuingCa } from '../hierarchy/issuing-ca.js';

/** An opened data directory: its store, configuration and issuers; no key unlocked yet. */
export interface DataDir {
  readonly paths: DataDirPaths;
  readonly store: Store;
  readonly config: CaConfig;
  readonly issuers: readonly IssuerRecord[];
  readonly root: Certificate;
  readonly activeIssuer: IssuerRecord;
  close(): Promise<void>;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SymbolonError('CA_DATA_DIR_CORRUPT', `${what} ${path} cannot be read; restore it from a backup`, { cause: error });
  }
}

function certificateFile(path: string, expected: Buffer, what: string): Certificate {
  const text = readText(path, what);
  let certificate: Certificate;
  try {
    const [first] = parseCertificates(text);
    if (first === undefined) throw new Error('no certificate');
    certificate = first;
  } catch (error) {
    throw new SymbolonError('CA_DATA_DIR_CORRUPT', `${what} ${path} is not a certificate; restore it from a backup`, { cause: error });
  }
  if (!certificate.der.equals(expected))
    throw new SymbolonError('CA_DATA_DIR_CORRUPT', `${what} ${path} differs from the one recorded in the store; restore it from a backup`);
  return certificate;
}

/**
 * Opens a data directory and checks that its parts belong together: marker, store (same store
 * id), configuration, root and active intermediate certificates. When the configuration file
 * changed since it was last seen, records a `config.change` audit entry. Throws the errors of
 * `readDataDirMarker`, `CA_DATA_DIR_CORRUPT`, `CA_CONFIG_INVALID` and the store's.
 */
export async function openDataDir(
  root: string,
  context: {
    readonly actor: string;
    readonly now: Date;
    /** The PostgreSQL database (`postgres://...`); default: config.yaml's `database:`, else the SQLite file. */
    readonly database?: string | undefined;
    /** Told when a PostgreSQL store's revocation notifications stop (it reconnects by itself); ignored by default. */
    readonly onStoreNotice?: ((error: unknown) => void) | undefined;
  },
): Promise<DataDir> {
  const paths = dataDirPaths(root);
  const marker = readDataDirMarker(root);
  // A write cut short by a crash leaves its temporary file; the real file is old or new, never half.
  sweepTemporaryFiles(root);
  sweepTemporaryFiles(paths.caDir);
  const configText = readText(paths.config, 'the configuration');
  const config = parseCaConfig(configText, paths.config);
  const database = context.database ?? config.database;
  const store = await openDataDirStore(paths, database, context.onStoreNotice);
  const where = database === undefined ? paths.database : redactedUrl(database);
  try {
    if ((await store.storeId()) !== marker.storeId) {
      throw new SymbolonError(
        'CA_DATA_DIR_CORRUPT',
        `${where} belongs to another data directory (its store id differs from symbolon.json)`,
      );
    }
    const issuers = await store.listIssuers();
    const rootRecord = issuers.find((issuer) => issuer.parentId === null);
    const activeIssuer = issuers.find((issuer) => issuer.isActive);
    if (rootRecord === undefined || activeIssuer === undefined)
      throw new SymbolonError('CA_DATA_DIR_CORRUPT', `the store ${where} records no root or no active intermediate`);
    const rootCertificate = certificateFile(paths.rootCertificate, rootRecord.certificate, 'the root certificate');
    certificateFile(paths.issuerCertificate(activeIssuer.id), activeIssuer.certificate, 'the intermediate certificate');
    await recordConfigurationChange(store, configText, paths.config, context);
    return Object.freeze({ paths, store, config, issuers, root: rootCertificate, activeIssuer, close: () => store.close() });
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * The store of a data directory: the PostgreSQL database `database` names (which must already
 * have its schema: `symbolon db migrate`), else the directory's SQLite file, which must exist.
 */
async function openDataDirStore(
  paths: DataDirPaths,
  database: string | undefined,
  onNotice: ((error: unknown) => void) | undefined,
): Promise<Store> {
  if (database !== undefined) return openPostgresStore({ url: database, ...(onNotice === undefined ? {} : { onWatchError: onNotice }) });
  try {
    if (!statSync(paths.database).isFile()) throw new Error('not a file');
  } catch (error) {
    throw new SymbolonError('CA_DATA_DIR_CORRUPT', `the store ${paths.database} is missing; restore it from a backup`, { cause: error });
  }
  return openSqliteStore({ path: paths.database, mustExist: true });
}

async function recordConfigurationChange(
  store: Store,
  text: string,
  path: string,
  context: { readonly actor: string; readonly now: Date },
): Promise<void> {
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  const last = await store.lastAuditEntry('config.change');
  const previous = last === undefined ? undefined : (JSON.parse(last.payload) as { sha256?: string }).sha256;
  if (previous === sha256) return;
  await store.appendAudit({
    at: context.now,
    actor: context.actor,
    action: 'config.change',
    target: 'config.yaml',
    payload: { file: path, sha256, previousSha256: previous ?? null, content: text },
  });
}

/**
 * Decrypts the active intermediate's key and makes it ready to sign. Throws `KEY_BAD_PASSPHRASE`
 * naming the key file, `CA_DATA_DIR_CORRUPT` when the key is missing or not the certificate's.
 */
export async function unlockActiveIssuer(dataDir: DataDir, passphrase: string): Promise<IssuingCa> {
  const id = dataDir.activeIssuer.id;
  const path = dataDir.paths.issuerKey(id);
  let bytes: Buffer;
  try {
    bytes = await readKeyFile(path);
  } catch (error) {
    throw new SymbolonError('CA_DATA_DIR_CORRUPT', `the key of issuer ${id} (${path}) cannot be read; restore it from a backup`, {
      cause: error,
    });
  }
  let key;
  try {
    key = await importPrivateKey(bytes, { passphrase });
  } catch (error) {
    if (isSymbolonError(error) && error.code === 'KEY_BAD_PASSPHRASE') {
      throw new SymbolonError(
        'KEY_BAD_PASSPHRASE',
        `the passphrase does not decrypt ${path}; give the passphrase chosen for it at \`ca init\` or \`ca intermediate create\``,
        { cause: error },
      );
    }
    throw error;
  } finally {
    bytes.fill(0);
  }
  return createIssuingCa(id, parseCertificate(dataDir.activeIssuer.certificate), dataDir.root, key);
}
