import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT_ISSUER_ID, unlockRootKey } from '../ca/index.js';
import type { DataDir } from '../ca/index.js';
import { createSigner, writePublicKeyFile } from '../keys/index.js';
import { SymbolonError } from '../errors.js';
import { buildCrl, keyIdentifier, parseCertificate, parseCrl, toPem, verifyCrlSignature } from '../x509/index.js';
import type { RevocationReason, RevokedEntry } from '../x509/index.js';
import { lastCrlNumber, nextCrlNumber } from './crl-number.js';
import { crlEtag } from './crl-publisher.js';
import type { PublishedCrl } from './crl-publisher.js';

export interface RootCrlOptions {
  readonly rootKeyPath?: string | undefined;
  readonly rootPassphrase: string;
  /** nextUpdate - thisUpdate: a root CRL is made by hand with the offline key, so it lives long. */
  readonly validitySeconds: number;
  readonly now: Date;
  /** Who used the root key, for the audit entry. */
  readonly actor: string;
  /** A certificate the root signed (an intermediate) to add to the CRL. */
  readonly revoke?: { readonly serialNumber: string; readonly reason: RevocationReason } | undefined;
}

/** The entries of the root CRL now at `path`, if it is one the root signed; none otherwise. */
async function currentRootEntries(path: string, root: DataDir['root']): Promise<RevokedEntry[]> {
  try {
    const parsed = parseCrl(await readFile(path));
    if (!verifyCrlSignature(parsed, root)) return [];
    return parsed.revokedCertificates.map((entry) => ({
      serialNumber: entry.serialNumber,
      revocationDate: entry.revocationDate,
      ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    }));
  } catch {
    return [];
  }
}

/** Where the root's CRL lives in the data directory: beside the intermediates' CRLs, served by `up`. */
export function rootCrlPath(dataDir: Pick<DataDir, 'paths'>): string {
  return join(dataDir.paths.root, 'crl', `${ROOT_ISSUER_ID}.crl`);
}

/**
 * Signs the root's CRL (RFC 5280 5.1: version 2, cRLNumber above the last one, the root's key
 * identifier, thisUpdate and nextUpdate) with the root key brought back from offline, and writes
 * it to crl/root.crl (DER) and crl/root.crl.pem. It lists the intermediates revoked so far
 * (carried over from the last root CRL) and `revoke`. Relying parties that check the whole chain (`openssl verify
 * -crl_check_all`) need it, at the URL every intermediate's CRL distribution point names.
 * Throws `KEY_BAD_PASSPHRASE`, `CA_ROOT_KEY_MISMATCH`, `INPUT_UNREADABLE`.
 */
export async function publishRootCrl(
  dataDir: DataDir,
  options: RootCrlOptions,
): Promise<{ readonly path: string; readonly crlNumber: bigint; readonly nextUpdate: Date; readonly entries: number }> {
  const rootKey = await unlockRootKey(dataDir, options.rootKeyPath, options.rootPassphrase);
  const path = rootCrlPath(dataDir);
  await mkdir(join(dataDir.paths.root, 'crl'), { recursive: true });
  const crlNumber = nextCrlNumber(await lastCrlNumber(path), options.now);
  // Every revocation the last root CRL listed stays listed: a revoked intermediate is never un-revoked.
  const revokedCertificates = await currentRootEntries(path, dataDir.root);
  const revoke = options.revoke;
  if (revoke !== undefined && !revokedCertificates.some((entry) => entry.serialNumber === revoke.serialNumber)) {
    revokedCertificates.push({
      serialNumber: revoke.serialNumber,
      revocationDate: options.now,
      ...(revoke.reason === 'unspecified' ? {} : { reason: revoke.reason }),
    });
  }
  const nextUpdate = new Date(options.now.getTime() + options.validitySeconds * 1000);
  const der = await buildCrl(
    {
      issuer: dataDir.root.subjectDer,
      thisUpdate: options.now,
      nextUpdate,
      crlNumber,
      authorityKeyIdentifier: dataDir.root.subjectKeyIdentifier ?? keyIdentifier(dataDir.root.spki),
      revokedCertificates,
    },
    createSigner(rootKey),
  );
  await writePublicKeyFile(path, der, { overwrite: true });
  await writePublicKeyFile(`${path}.pem`, toPem('X509 CRL', der), { overwrite: true });
  // Every use of the root key is in the audit log (`ca intermediate create` records issuer.add).
  await dataDir.store.appendAudit({
    at: options.now,
    actor: options.actor,
    action: 'root.crl',
    target: ROOT_ISSUER_ID,
    payload: {
      crlNumber: crlNumber.toString(),
      thisUpdate: options.now.toISOString(),
      nextUpdate: nextUpdate.toISOString(),
      sha256: createHash('sha256').update(der).digest('hex'),
    },
  });
  return { path, crlNumber, nextUpdate, entries: revokedCertificates.length };
}

/**
 * Revokes one of this CA's intermediates with the root key: a new root CRL (crl/root.crl, which
 * `up` serves at once) lists it, with every revocation the last one listed, and the audit log
 * records it. Throws `USAGE` for the root or an unknown issuer, and the errors of `publishRootCrl`.
 */
export async function revokeIntermediate(
  dataDir: DataDir,
  options: Omit<RootCrlOptions, 'revoke'> & { readonly issuerId: string; readonly reason: RevocationReason },
): Promise<{
  readonly path: string;
  readonly crlNumber: bigint;
  readonly nextUpdate: Date;
  readonly serialNumber: string;
  readonly isActive: boolean;
}> {
  const issuer = dataDir.issuers.find((record) => record.id === options.issuerId);
  if (issuer === undefined || issuer.parentId === null) {
    throw new SymbolonError(
      'USAGE',
      issuer === undefined
        ? `this CA has no issuer ${options.issuerId}`
        : 'the root cannot be revoked by its own CRL; a compromised root means a new CA',
    );
  }
  const serialNumber = parseCertificate(issuer.certificate).serialNumber;
  const published = await publishRootCrl(dataDir, { ...options, revoke: { serialNumber, reason: options.reason } });
  await dataDir.store.appendAudit({
    at: options.now,
    actor: options.actor,
    action: 'issuer.revoke',
    target: issuer.id,
    payload: { issuer: issuer.id, serial: serialNumber, reason: options.reason, rootCrlNumber: published.crlNumber.toString() },
  });
  return { ...published, serialNumber, isActive: issuer.isActive };
}

/**
 * The root CRL as `up` serves it: read from crl/root.crl whenever the file changes (a new one is
 * made offline with `ca root-crl` and copied in), verified against the root before it is served.
 * Undefined while there is none, or when the file is not a CRL the root signed (told to onError).
 */
export function createRootCrlFile(
  dataDir: Pick<DataDir, 'paths' | 'root'>,
  onError: (error: unknown) => void,
): { current(): Promise<PublishedCrl | undefined> } {
  const path = rootCrlPath(dataDir);
  let held: { readonly mtimeMs: number; readonly crl: PublishedCrl | undefined } | undefined;
  return {
    async current() {
      let mtimeMs: number;
      try {
        mtimeMs = (await stat(path)).mtimeMs;
      } catch {
        return undefined;
      }
      if (held?.mtimeMs === mtimeMs) return held.crl;
      let crl: PublishedCrl | undefined;
      try {
        const der = await readFile(path);
        const parsed = parseCrl(der);
        if (!verifyCrlSignature(parsed, dataDir.root)) throw new SymbolonError('CRL_INVALID_INPUT', `${path} is not signed by the root`);
        const crlNumber = parsed.crlNumber ?? 0n;
        crl = {
          issuerId: ROOT_ISSUER_ID,
          der,
          crlNumber,
          thisUpdate: parsed.thisUpdate,
          nextUpdate: parsed.nextUpdate ?? parsed.thisUpdate,
          etag: crlEtag(crlNumber, der),
          entries: parsed.revokedCertificates.length,
          baseCrlNumber: undefined,
        };
      } catch (error) {
        onError(error);
      }
      held = { mtimeMs, crl };
      return crl;
    },
  };
}
