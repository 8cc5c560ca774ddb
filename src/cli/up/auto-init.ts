import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { initCertificateAuthority } from '../../ca/index.js';
import type { CaInitResult } from '../../ca/index.js';
import { writePrivateKeyFile } from '../../keys/index.js';

/** Where `symbolon up` keeps the passphrases it generated for a CA it created. */
export function generatedPassphrasePaths(dir: string): { readonly intermediate: string; readonly root: string } {
  return { intermediate: join(dir, 'intermediate.passphrase'), root: join(dir, 'root.passphrase') };
}

/**
 * `ca init` for a first `symbolon up`: random passphrases (192 bits each), written to files of
 * mode 0600 in the data directory so the next `up` finds the intermediate's. The root's file
 * belongs offline with the root key.
 */
export async function initWithGeneratedPassphrases(options: {
  readonly dir: string;
  readonly publicBaseUrl: string;
  readonly actor: string;
  readonly now: Date;
}): Promise<{ readonly result: CaInitResult; readonly intermediatePassphrase: string; readonly files: { readonly intermediate: string; readonly root: string } }> {
  const intermediatePassphrase = randomBytes(24).toString('base64url');
  const rootPassphrase = randomBytes(24).toString('base64url');
  const result = await initCertificateAuthority({
    dir: options.dir,
    name: 'Symbolon',
    keyType: 'p256',
    rootPassphrase,
    intermediatePassphrase,
    publicBaseUrl: options.publicBaseUrl,
    actor: options.actor,
    now: options.now,
    random: randomBytes,
  });
  const files = generatedPassphrasePaths(options.dir);
  await writePrivateKeyFile(files.intermediate, intermediatePassphrase + '\n');
  await writePrivateKeyFile(files.root, rootPassphrase + '\n');
  return { result, intermediatePassphrase, files };
}
