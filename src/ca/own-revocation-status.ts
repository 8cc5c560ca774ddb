import type { Certificate } from '../x509/index.js';
import type { DataDir } from './data-dir/data-dir-open.js';

/** What the data directory's records say against a certificate of a path. */
export interface OwnRevocationFinding {
  /** Position in the path: 0 is the leaf. */
  readonly certificateIndex: number;
  /** `revoked`: the CA revoked it. `unknown`: the CA's key signed it but its records do not hold it. */
  readonly status: 'revoked' | 'unknown';
  readonly detail: string;
}

/**
 * The revocation status of a validated path (leaf first, trust anchor last) from the data
 * directory's own records, the source its CRLs, OCSP answers and feed are made from: every
 * certificate below the anchor must be one of its CAs or a certificate its records hold, and not
 * revoked. Returns the first finding against the path, or undefined. Throws the store's errors.
 */
export async function ownRevocationStatus(
  dataDir: Pick<DataDir, 'store' | 'issuers'>,
  path: readonly Certificate[],
): Promise<OwnRevocationFinding | undefined> {
  for (let index = 0; index < path.length - 1; index++) {
    const certificate = path[index]!;
    const issuer = dataDir.issuers.find((record) => record.certificate.equals(path[index + 1]!.der));
    if (issuer === undefined)
      return {
        certificateIndex: index,
        status: 'unknown',
        detail: `the issuer of certificate ${index} is not a CA certificate of the data directory`,
      };
    // The root signs the hierarchy's intermediates only, and records them as issuers.
    if (issuer.parentId === null) {
      if (!dataDir.issuers.some((record) => record.certificate.equals(certificate.der)))
        return {
          certificateIndex: index,
          status: 'unknown',
          detail: `certificate ${index} is signed by the root but is not an intermediate of the data directory`,
        };
      continue;
    }
    const record = await dataDir.store.getCertificate({ issuerId: issuer.id, serial: certificate.serialNumber });
    if (record === undefined || record.fingerprint !== certificate.fingerprintSha256) {
      return {
        certificateIndex: index,
        status: 'unknown',
        detail: `certificate ${index} (serial ${certificate.serialNumber}) is signed by ${issuer.id} but the data directory has no record of issuing it`,
      };
    }
    if (record.revocation !== null) {
      return {
        certificateIndex: index,
        status: 'revoked',
        detail: `certificate ${index} (serial ${certificate.serialNumber}) was revoked by ${issuer.id} at ${record.revocation.revokedAt.toISOString()} (${record.revocation.reason})`,
      };
    }
  }
  return undefined;
}
