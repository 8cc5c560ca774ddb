import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { errorCodeOf, SymbolonError } from '../../errors.js';
import { createSigner, exportPrivateKeyPem, generateKeyPair, writePrivateKeyFile, writePublicKeyFile } from '../../keys/index.js';
import type { KeyType } from '../../keys/index.js';
import { openPostgresStore, openSqliteStore, parsePostgresUrl, passwordlessUrl } from '../../store/index.js';
import { formatName, parseCertificate, toPem } from '../../x509/index.js';
import { initialConfigText, parseCaConfig } from './ca-config.js';
import { assertDataDirFree, dataDirPaths, markerText, PRE_INIT_FILES } from './data-dir.js';
import { isProcessAlive } from './data-dir-lock.js';
import { buildIntermediateCertificate, buildRootCertificate, intermediateSubject, rootSubject } from '../hierarchy/hierarchy.js';
import type { IntermediateConstraints } from '../hierarchy/hierarchy.js';
import { crlUrl } from '../policy/issuance-policy.js';
import { ROOT_ISSUER_ID } from '../hierarchy/root-key.js';

/** Key types a CA may have. */
export const CA_KEY_TYPES: readonly KeyType[] = Object.freeze(['p256', 'p384', 'ed25519', 'rsa3072']);

export interface CaInitOptions {
  readonly dir: string;
  /** Shown in the CA names; `Symbolon` by default. */
  readonly name: string;
  readonly keyType: KeyType;
  /**
   * Encrypts the root key, which goes offline. Undefined generates one (192 random bits),
   * written to offline/root.passphrase with mode 0600 beside the key it opens.
   */
  readonly rootPassphrase?: string | undefined;
  /**
   * Encrypts the intermediate key, which the running CA unlocks. Undefined generates one,
   * written to intermediate.passphrase with mode 0600, where `symbolon up` looks for it.
   */
  readonly intermediatePassphrase?: string | undefined;
  readonly publicBaseUrl?: string | undefined;
  readonly spiffeTrustDomain?: string | undefined;
  /**
   * Keep the records in this PostgreSQL database (`postgres://...`) instead of the data
   * directory's SQLite file: its schema is created, and config.yaml names it (without the
   * password), so copies of the data directory on other nodes use it too.
   */
  readonly database?: string | undefined;
  readonly constraints?: IntermediateConstraints | undefined;
  readonly actor: string;
  readonly now: Date;
  readonly random: (size: number) => Uint8Array;
}

export interface CaInitResult {
  readonly dir: string;
  readonly rootSubject: string;
  readonly intermediateSubject: string;
  readonly intermediateId: string;
  /** The files of the passphrases that were generated (none when both were given). */
  readonly generatedPassphraseFiles: { readonly intermediate?: string; readonly root?: string };
}

/** A generated passphrase: 192 random bits, as text that survives a copy and paste. */
function generatePassphrase(random: (size: number) => Uint8Array): string {
  return Buffer.from(random(24)).toString('base64url');
}

/** The staging directory of an init: beside the data directory (one file system, so rename is atomic), named with the PID. */
const STAGING = /^\.(.+)\.init-(\d+)-[0-9a-f]{8}$/;

function stagingDirOf(dir: string, random: (size: number) => Uint8Array): string {
  const target = resolve(dir);
  return join(dirname(target), `.${basename(target)}.init-${process.pid}-${Buffer.from(random(4)).toString('hex')}`);
}

/**
 * Clears what an init killed part way left beside `dir`: a staging directory of a dead process is
 * removed, or, when it holds a complete CA (its marker is written last) and `dir` is still free,
 * put in place, as the init would have. Returns what was done, for the operator.
 */
export async function recoverInterruptedInit(dir: string): Promise<readonly string[]> {
  const target = resolve(dir);
  const parent = dirname(target);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const name of names) {
    const match = STAGING.exec(name);
    if (match === null || match[1] !== basename(target) || isProcessAlive(Number(match[2]))) continue;
    const staging = join(parent, name);
    const isComplete = await stat(join(staging, 'symbolon.json')).then(
      () => true,
      () => false,
    );
    if (isComplete) {
      try {
        await commitStaging(staging, target);
        done.push(`finished an interrupted first start: the complete CA in ${staging} was moved to ${target}`);
        continue;
      } catch {
        // The data directory was made meanwhile: the staged CA was never used.
      }
    }
    await rm(staging, { recursive: true, force: true });
    done.push(`removed ${staging}, left by a first start that was interrupted before the CA was complete`);
  }
  return done;
}

/**
 * Puts a complete staged data directory at `target`: rename(2) replaces an absent or empty
 * directory atomically. The files a user may put there first (gateway.yaml) are linked into the
 * staging directory and unlinked from the target before; killed between the two, the target is
 * empty and the staging directory complete, which `recoverInterruptedInit` finishes. Throws
 * `CA_DATA_DIR_EXISTS` when the target holds anything else (another init won).
 */
async function commitStaging(staging: string, target: string): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await readdir(target);
  } catch (error) {
    if (errorCodeOf(error) !== 'ENOENT') throw error;
  }
  if (!entries.every((name) => PRE_INIT_FILES.has(name)))
    throw new SymbolonError('CA_DATA_DIR_EXISTS', `${target} was given a CA by another process meanwhile`);
  for (const name of entries) {
    await link(join(target, name), join(staging, name)).catch((error: unknown) => {
      if (errorCodeOf(error) !== 'EEXIST') throw error;
    });
    await unlink(join(target, name));
  }
  try {
    await rename(staging, target);
  } catch (error) {
    const code = errorCodeOf(error);
    if (code === 'ENOTEMPTY' || code === 'EEXIST')
      throw new SymbolonError('CA_DATA_DIR_EXISTS', `${target} was given a CA by another process meanwhile`, { cause: error });
    throw new SymbolonError('CA_DATA_DIR_EXISTS', `cannot create ${target} (${code ?? 'error'})`, { cause: error });
  }
  await syncDirectory(dirname(target));
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

/**
 * Creates a data directory with a root CA (self-signed, pathLen 1, encrypted key in offline/), an
 * active intermediate (pathLen 0, signed by the root, encrypted key), the configuration and the
 * store. Everything is written into a staging directory beside `dir` (generated passphrase files
 * first, the marker last) and renamed into place: killed at any point, it leaves no data
 * directory or a complete one. Throws `CA_DATA_DIR_EXISTS`, `CA_CONFIG_INVALID`,
 * `KEY_WEAK_PASSPHRASE`, `KEY_UNSUPPORTED_TYPE`.
 */
export async function initCertificateAuthority(options: CaInitOptions): Promise<CaInitResult> {
  if (!CA_KEY_TYPES.includes(options.keyType))
    throw new SymbolonError('KEY_UNSUPPORTED_TYPE', `a CA key is one of ${CA_KEY_TYPES.join(', ')}, not ${options.keyType}`);
  if (options.rootPassphrase !== undefined && options.rootPassphrase === options.intermediatePassphrase) {
    throw new SymbolonError(
      'USAGE',
      'the root and intermediate passphrases must differ: the root key goes offline, the intermediate passphrase stays with the running CA',
    );
  }
  if (options.database !== undefined) parsePostgresUrl(options.database);
  const configText = initialConfigText({
    ...options,
    database: options.database === undefined ? undefined : passwordlessUrl(options.database),
  });
  parseCaConfig(configText);
  assertDataDirFree(options.dir);
  const rootPassphrase = options.rootPassphrase ?? generatePassphrase(options.random);
  const intermediatePassphrase = options.intermediatePassphrase ?? generatePassphrase(options.random);

  const rootKeys = await generateKeyPair(options.keyType);
  const intermediateKeys = await generateKeyPair(options.keyType);
  // Encrypt first: a passphrase that is too short fails before anything is written.
  const [rootKeyPem, intermediateKeyPem] = await Promise.all([
    exportPrivateKeyPem(rootKeys.privateKey, { passphrase: rootPassphrase }),
    exportPrivateKeyPem(intermediateKeys.privateKey, { passphrase: intermediatePassphrase }),
  ]);
  const rootSigner = createSigner(rootKeys.privateKey);
  const rootDer = await buildRootCertificate({
    subject: rootSubject(options.name),
    signer: rootSigner,
    now: options.now,
    random: options.random,
  });
  const root = parseCertificate(rootDer);
  const intermediateId = 'intermediate-1';
  const intermediateDer = await buildIntermediateCertificate({
    subject: intermediateSubject(options.name, 1),
    subjectPublicKey: intermediateKeys.publicKey.export({ type: 'spki', format: 'der' }),
    root,
    rootSigner,
    now: options.now,
    random: options.random,
    ...(options.constraints === undefined ? {} : { constraints: options.constraints }),
    ...(options.publicBaseUrl === undefined ? {} : { crlDistributionPoint: crlUrl(options.publicBaseUrl, ROOT_ISSUER_ID) }),
  });
  const intermediate = parseCertificate(intermediateDer);

  const staging = stagingDirOf(options.dir, options.random);
  const paths = dataDirPaths(staging);
  try {
    // The data directory's parent may not exist yet (--dir a/b/c): made as the data directory always was.
    await mkdir(dirname(staging), { recursive: true });
    await mkdir(staging, { mode: 0o700 });
    await mkdir(paths.offlineDir, { mode: 0o700 });
    await mkdir(paths.caDir, { mode: 0o700 });
    // Passphrase files first: a key is never on disk without the passphrase that opens it.
    if (options.intermediatePassphrase === undefined)
      await writePrivateKeyFile(paths.intermediatePassphrase, intermediatePassphrase + '\n');
    if (options.rootPassphrase === undefined) await writePrivateKeyFile(paths.rootPassphrase, rootPassphrase + '\n');
    await writePrivateKeyFile(paths.rootKey, rootKeyPem);
    await writePrivateKeyFile(paths.issuerKey(intermediateId), intermediateKeyPem);
    await writePublicKeyFile(paths.rootCertificate, toPem('CERTIFICATE', rootDer));
    await writePublicKeyFile(paths.issuerCertificate(intermediateId), toPem('CERTIFICATE', intermediateDer));
    await writePublicKeyFile(paths.issuerChain(intermediateId), toPem('CERTIFICATE', intermediateDer) + toPem('CERTIFICATE', rootDer));
    await writePublicKeyFile(paths.config, configText);

    // A PostgreSQL store gets its schema here; other nodes then open the data directory's copy.
    const store =
      options.database === undefined
        ? openSqliteStore({ path: paths.database })
        : await openPostgresStore({ url: options.database, migrate: true });
    try {
      const audit = { at: options.now, actor: options.actor };
      await store.addIssuer(
        {
          id: 'root',
          parentId: null,
          subject: formatName(root.subject),
          certificate: rootDer,
          notBefore: root.notBefore,
          notAfter: root.notAfter,
          isActive: false,
          createdAt: options.now,
        },
        {
          ...audit,
          action: 'ca.init',
          target: 'root',
          payload: { subject: formatName(root.subject), sha256: root.fingerprintSha256, keyType: options.keyType },
        },
      );
      await store.addIssuer(
        {
          id: intermediateId,
          parentId: 'root',
          subject: formatName(intermediate.subject),
          certificate: intermediateDer,
          notBefore: intermediate.notBefore,
          notAfter: intermediate.notAfter,
          isActive: true,
          createdAt: options.now,
        },
        {
          ...audit,
          action: 'issuer.add',
          target: intermediateId,
          payload: { subject: formatName(intermediate.subject), sha256: intermediate.fingerprintSha256, parent: 'root' },
        },
      );
      // The marker last: a staging directory without it was never a CA.
      await writePublicKeyFile(paths.marker, markerText(await store.storeId(), options.now));
    } finally {
      await store.close();
    }
    await syncDirectory(staging);
    await commitStaging(staging, resolve(options.dir));
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  const final = dataDirPaths(options.dir);
  return Object.freeze({
    dir: options.dir,
    rootSubject: formatName(root.subject),
    intermediateSubject: formatName(intermediate.subject),
    intermediateId,
    generatedPassphraseFiles: Object.freeze({
      ...(options.intermediatePassphrase === undefined ? { intermediate: final.intermediatePassphrase } : {}),
      ...(options.rootPassphrase === undefined ? { root: final.rootPassphrase } : {}),
    }),
  });
}
