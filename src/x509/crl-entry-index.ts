import type { CertificateList, CrlEntries } from './crl-types.js';
import { crlEntryKey } from './crl-types.js';
import { revocationReasonCode } from '../revocation-reason.js';
import type { GeneralName } from './general-name.js';
import { OID } from './oids.js';

const PROCESSED_ENTRY_EXTENSIONS: ReadonlySet<string> = new Set([OID.crlReason, OID.invalidityDate, OID.certificateIssuer]);

const indexes = new WeakMap<CertificateList, CrlEntries>();

/** The entries of a parsed CRL as a lookup table (see CrlEntries), built once per CRL. */
export function crlEntriesOf(crl: CertificateList): CrlEntries {
  let index = indexes.get(crl);
  if (index !== undefined) return index;
  const byKey = new Map<string, number>();
  const certificateIssuers: (readonly GeneralName[])[] = [];
  let unprocessedCriticalEntryExtension: string | undefined;
  for (const entry of crl.revokedCertificates) {
    unprocessedCriticalEntryExtension ??= entry.extensions.find((extension) => extension.critical && !PROCESSED_ENTRY_EXTENSIONS.has(extension.oid))?.oid;
    if (entry.certificateIssuer !== undefined) certificateIssuers.push(entry.certificateIssuer);
    byKey.set(crlEntryKey(certificateIssuers.length, entry.serialNumber), entry.reason === undefined ? -1 : revocationReasonCode(entry.reason));
  }
  index = { byKey, certificateIssuers, size: crl.revokedCertificates.length, unprocessedCriticalEntryExtension };
  indexes.set(crl, index);
  return index;
}
