import { isSymbolonError, SymbolonError } from '../errors.js';
import type { CertificateRef, RevocationReason, RevocationRecord, Store } from '../store/index.js';

/**
 * Records that a certificate is revoked, with its audit entry, in one transaction. The revocation
 * gets the next feed sequence number (CRL, OCSP and gateways build on it). Throws
 * `CA_CERT_NOT_FOUND` or `STORE_ALREADY_REVOKED`.
 */
export async function revokeCertificate(
  store: Store,
  ref: CertificateRef,
  reason: RevocationReason,
  context: { readonly actor: string; readonly now: Date },
): Promise<RevocationRecord> {
  try {
    return await store.recordRevocation(
      { ...ref, reason, revokedAt: context.now },
      {
        at: context.now,
        actor: context.actor,
        action: 'certificate.revoke',
        target: `${ref.issuerId}/${ref.serial}`,
        payload: { issuer: ref.issuerId, serial: ref.serial, reason },
      },
    );
  } catch (error) {
    if (isSymbolonError(error) && error.code === 'STORE_NOT_FOUND') {
      throw new SymbolonError('CA_CERT_NOT_FOUND', `no certificate with serial ${ref.serial} was issued by ${ref.issuerId}`, {
        cause: error,
      });
    }
    throw error;
  }
}
