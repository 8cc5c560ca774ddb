import { createSigner, exportPrivateKeyPem, generateKeyPair, writePrivateKeyFile, writePublicKeyFile } from '../../keys/index.js';
import type { KeyType } from '../../keys/index.js';
import { formatName, parseCertificate, toPem } from '../../x509/index.js';
import { CA_KEY_TYPES } from '../data-dir/ca-init.js';
import type { DataDir } from '../data-dir/data-dir-open.js';
import { buildIntermediateCertificate, intermediateSubject } from './hierarchy.js';
import { crlUrl } from '../policy/issuance-policy.js';
import { ROOT_ISSUER_ID, unlockRootKey } from './root-key.js';
import type { IntermediateConstraints } from './hierarchy.js';

export interface IntermediateOptions {
  /** The root key file, brought back from offline; `ca/root.key.enc` by default. */
  readonly rootKeyPath?: string | undefined;
  readonly rootPassphrase: string;
  /** Encrypts the new intermediate's key. */
  readonly intermediatePassphrase: string;
  readonly keyType?: KeyType | undefined;
  readonly constraints?: IntermediateConstraints | undefined;
  readonly actor: string;
  readonly now: Date;
  readonly random: (size: number) => Uint8Array;
}

/**
 * Makes the next intermediate (`intermediate-<n+1>`), signed with the root key, and makes it the
 * active issuer; the previous ones stay valid for what they signed. Throws `KEY_BAD_PASSPHRASE`,
 * `CA_ROOT_KEY_MISMATCH` when the key is not the root's, `INPUT_UNREADABLE`.
 */
export async function createIntermediate(
  dataDir: DataDir,
  options: IntermediateOptions,
): Promise<{ readonly id: string; readonly subject: string }> {
  const rootKey = await unlockRootKey(dataDir, options.rootKeyPath, options.rootPassphrase);

  const numbers = dataDir.issuers
    .map((issuer) => /^intermediate-(\d+)$/.exec(issuer.id)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  const n = Math.max(0, ...numbers) + 1;
  const id = `intermediate-${n}`;
  const keyType = options.keyType ?? keyTypeOf(dataDir.root.publicKey.algorithm, dataDir.root.publicKey.curve, dataDir.root.publicKey.bits);
  const keys = await generateKeyPair(keyType);
  const keyPem = await exportPrivateKeyPem(keys.privateKey, { passphrase: options.intermediatePassphrase });
  const der = await buildIntermediateCertificate({
    subject: intermediateSubject(dataDir.config.name, n),
    subjectPublicKey: keys.publicKey.export({ type: 'spki', format: 'der' }),
    root: dataDir.root,
    rootSigner: createSigner(rootKey),
    now: options.now,
    random: options.random,
    ...(options.constraints === undefined ? {} : { constraints: options.constraints }),
    ...(dataDir.config.publicBaseUrl === undefined ? {} : { crlDistributionPoint: crlUrl(dataDir.config.publicBaseUrl, ROOT_ISSUER_ID) }),
  });
  const certificate = parseCertificate(der);
  const paths = dataDir.paths;
  await writePrivateKeyFile(paths.issuerKey(id), keyPem);
  await writePublicKeyFile(paths.issuerCertificate(id), toPem('CERTIFICATE', der));
  await writePublicKeyFile(paths.issuerChain(id), toPem('CERTIFICATE', der) + toPem('CERTIFICATE', dataDir.root.der));
  const subject = formatName(certificate.subject);
  await dataDir.store.addIssuer(
    {
      id,
      parentId: 'root',
      subject,
      certificate: der,
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
      isActive: true,
      createdAt: options.now,
    },
    {
      at: options.now,
      actor: options.actor,
      action: 'issuer.add',
      target: id,
      payload: { subject, sha256: certificate.fingerprintSha256, parent: 'root', replaces: dataDir.activeIssuer.id },
    },
  );
  return { id, subject };
}

function keyTypeOf(algorithm: string, curve: string | undefined, bits: number | undefined): KeyType {
  if (algorithm === 'ed25519') return 'ed25519';
  if (algorithm === 'rsa') return (bits ?? 0) >= 4096 ? 'rsa4096' : 'rsa3072';
  if (curve === 'P-384') return 'p384';
  const fallback = CA_KEY_TYPES[0]!;
  return curve === 'P-256' ? 'p256' : fallback;
}
