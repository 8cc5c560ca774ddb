import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCodeOf, isSymbolonError } from '../../errors.js';
import { writePublicKeyFile } from '../../keys/index.js';
import type { CertificateRef, Store } from '../../store/index.js';
import type { DataDirPaths } from '../data-dir/data-dir.js';
import { revokeCertificate } from '../revocation.js';

/**
 * The certificates the CA issues to its own services (`ocsp-signer:<issuer>`, `feed`, `gateway`):
 * internal/issued.txt lists every one ever issued (`issuer serial role`, one a line), so
 * `ca list` can tell them from the certificates users asked for; internal/current.json names the
 * one each role uses now.
 */
export interface InternalCertificates {
  /**
   * Records `issued` as the certificate `role` uses from now on and revokes the one it replaces
   * (reason superseded): its key lived only in the memory of a process that is gone or is
   * dropping it, so nothing may use it any more.
   */
  replaced(role: string, issued: CertificateRef): Promise<void>;
}

function issuedLogOf(paths: DataDirPaths): string {
  return join(paths.internalDir, 'issued.txt');
}

/** Every internal certificate of the data directory: `issuer/serial` -> role. Empty when none was recorded. */
export async function readInternalCertificates(paths: DataDirPaths): Promise<ReadonlyMap<string, string>> {
  let text: string;
  try {
    text = await readFile(issuedLogOf(paths), 'utf8');
  } catch (error) {
    if (errorCodeOf(error) === 'ENOENT') return new Map();
    throw error;
  }
  const roles = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [issuerId, serial, role] = line.trim().split(' ');
    if (issuerId !== undefined && serial !== undefined && role !== undefined) roles.set(`${issuerId}/${serial}`, role);
  }
  return roles;
}

/** The log of internal certificates of a data directory; `store` should publish revocations (the feed). */
export function internalCertificates(options: {
  readonly paths: DataDirPaths;
  readonly store: Store;
  readonly clock: () => Date;
  readonly actor: string;
}): InternalCertificates {
  const currentFile = join(options.paths.internalDir, 'current.json');
  let queue: Promise<void> = Promise.resolve();
  const replace = async (role: string, issued: CertificateRef): Promise<void> => {
    await mkdir(options.paths.internalDir, { recursive: true, mode: 0o700 });
    // Listed before anything else: a crash after issuing leaves it known as internal.
    await appendFile(issuedLogOf(options.paths), `${issued.issuerId} ${issued.serial} ${role}\n`);
    let current: Record<string, CertificateRef> = {};
    try {
      current = JSON.parse(await readFile(currentFile, 'utf8')) as Record<string, CertificateRef>;
    } catch (error) {
      if (errorCodeOf(error) !== 'ENOENT') throw error;
    }
    const previous = current[role];
    if (previous !== undefined && (previous.issuerId !== issued.issuerId || previous.serial !== issued.serial)) {
      try {
        await revokeCertificate(options.store, previous, 'superseded', { actor: options.actor, now: options.clock() });
      } catch (error) {
        // Already revoked (by an operator), or from a store restored without it: nothing to supersede.
        if (!(isSymbolonError(error) && (error.code === 'STORE_ALREADY_REVOKED' || error.code === 'CA_CERT_NOT_FOUND'))) throw error;
      }
    }
    current[role] = { issuerId: issued.issuerId, serial: issued.serial };
    await writePublicKeyFile(currentFile, JSON.stringify(current, null, 2) + '\n', { overwrite: true });
  };
  return {
    // One at a time: the roles share current.json.
    replaced(role, issued) {
      const next = queue.then(() => replace(role, issued));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
