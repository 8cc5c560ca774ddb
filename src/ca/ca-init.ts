import { mkdir } from 'node:fs/promises';
import { SymbolonError } from '../errors.js';
import { createSigner, exportPrivateKeyPem, generateKeyPair, writePrivateKeyFile, writePublicKeyFile } from '../keys/index.js';
import type { KeyType } from '../keys/index.js';
import { openSqliteStore } from '../store/index.js';
import { formatName, parseCertificate, toPem } from '../x509/index.js';
import { initialConfigText, parseCaConfig } from './ca-config.js';
import { assertDataDirFree, dataDirPaths, markerText } from './data-dir.js';
import { buildIntermediateCertificate, buildRootCertificate, intermediateSubject, rootSubject } from './hierarchy.js';
import type { IntermediateConstraints } from './hierarchy.js';
import { crlUrl } from './issuance-policy.js';
import { ROOT_ISSUER_ID } from './root-key.js';

/** Key types a CA may have. */
export const CA_KEY_TYPES: readonly KeyType[] = Object.freeze(['p256', 'p384', 'ed25519', 'rsa3072']);

export interface CaInitOptions {
  readonly dir: string;
  /** Shown in the CA names; `Symbolon` by default. */
  readonly name: string;
  readonly keyType: KeyType;
  /** Encrypts the root key, which goes offline. */
  readonly rootPassphrase: string;
  /** Encrypts the intermediate key, which the running CA unlocks. */
  readonly intermediatePassphrase: string;
  readonly publicBaseUrl?: string | undefined;
  readonly spiffeTrustDomain?: string | undefined;
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
}

/**
 * Creates a data directory with a root CA (self-signed, pathLen 1, encrypted key), an active
 * intermediate (pathLen 0, signed by the root, encrypted key), the configuration and the store;
 * the marker is written last, so an interrupted init is never taken for a CA. Throws
 * `CA_DATA_DIR_EXISTS`, `CA_CONFIG_INVALID`, `KEY_WEAK_PASSPHRASE`, `KEY_UNSUPPORTED_TYPE`.
 */
export async function initCertificateAuthority(options: CaInitOptions): Promise<CaInitResult> {
  if (!CA_KEY_TYPES.includes(options.keyType)) throw new SymbolonError('KEY_UNSUPPORTED_TYPE', `a CA key is one of ${CA_KEY_TYPES.join(', ')}, not ${options.keyType}`);
  if (options.rootPassphrase === options.intermediatePassphrase) {
    throw new SymbolonError('USAGE', 'the root and intermediate passphrases must differ: the root key goes offline, the intermediate passphrase stays with the running CA');
  }
  const configText = initialConfigText(options);
  parseCaConfig(configText);
  assertDataDirFree(options.dir);
  const paths = dataDirPaths(options.dir);

  const rootKeys = await generateKeyPair(options.keyType);
  const intermediateKeys = await generateKeyPair(options.keyType);
  // Encrypt first: a passphrase that is too short fails before anything is written.
  const [rootKeyPem, intermediateKeyPem] = await Promise.all([
    exportPrivateKeyPem(rootKeys.privateKey, { passphrase: options.rootPassphrase }),
    exportPrivateKeyPem(intermediateKeys.privateKey, { passphrase: options.intermediatePassphrase }),
  ]);
  const rootSigner = createSigner(rootKeys.privateKey);
  const rootDer = await buildRootCertificate({ subject: rootSubject(options.name), signer: rootSigner, now: options.now, random: options.random });
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

  await mkdir(paths.caDir, { recursive: true, mode: 0o700 });
  await writePrivateKeyFile(paths.rootKey, rootKeyPem);
  await writePrivateKeyFile(paths.issuerKey(intermediateId), intermediateKeyPem);
  await writePublicKeyFile(paths.rootCertificate, toPem('CERTIFICATE', rootDer));
  await writePublicKeyFile(paths.issuerCertificate(intermediateId), toPem('CERTIFICATE', intermediateDer));
  await writePublicKeyFile(paths.issuerChain(intermediateId), toPem('CERTIFICATE', intermediateDer) + toPem('CERTIFICATE', rootDer));
  await writePublicKeyFile(paths.config, configText);

  const store = openSqliteStore({ path: paths.database });
  try {
    const audit = { at: options.now, actor: options.actor };
    await store.addIssuer(
      { id: 'root', parentId: null, subject: formatName(root.subject), certificate: rootDer, notBefore: root.notBefore, notAfter: root.notAfter, isActive: false, createdAt: options.now },
      { ...audit, action: 'ca.init', target: 'root', payload: { subject: formatName(root.subject), sha256: root.fingerprintSha256, keyType: options.keyType } },
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
      { ...audit, action: 'issuer.add', target: intermediateId, payload: { subject: formatName(intermediate.subject), sha256: intermediate.fingerprintSha256, parent: 'root' } },
    );
    await writePublicKeyFile(paths.marker, markerText(await store.storeId(), options.now));
  } finally {
    await store.close();
  }
  return Object.freeze({ dir: options.dir, rootSubject: formatName(root.subject), intermediateSubject: formatName(intermediate.subject), intermediateId });
}
