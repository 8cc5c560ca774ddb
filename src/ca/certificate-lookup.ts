import { SymbolonError } from '../errors.js';
import type { CertificateRecord, IssuerRecord, Store } from '../store/index.js';
import { formatName, parseCertificate, verifyCertificateSignature } from '../x509/index.js';
import type { Certificate } from '../x509/index.js';
import { normalizeSerialNumber } from './serial.js';

/**
 * The certificate with this serial (as a person types it), from any issuer of this CA or from
 * `issuerId`. Throws `USAGE` for text that is not a serial, `CA_CERT_NOT_FOUND` or `CA_CERT_AMBIGUOUS`.
 */
export async function findCertificate(store: Store, serialText: string, issuerId?: string): Promise<CertificateRecord> {
  const serial = normalizeSerialNumber(serialText);
  if (serial === undefined)
    throw new SymbolonError('USAGE', `"${serialText}" is not a serial number; give it in hex as \`symbolon ca list\` prints it`);
  const found = (await store.findCertificatesBySerial(serial)).filter((record) => issuerId === undefined || record.issuerId === issuerId);
  if (found.length === 0)
    throw new SymbolonError(
      'CA_CERT_NOT_FOUND',
      `no certificate with serial ${serial} was issued by this CA; check it with \`symbolon ca list\``,
    );
  if (found.length > 1)
    throw new SymbolonError(
      'CA_CERT_AMBIGUOUS',
      `${found.length} issuers have a certificate with serial ${serial}; pass the certificate file instead`,
    );
  return found[0]!;
}

/**
 * The record of a certificate this CA issued, found from the certificate itself: its issuer
 * must be one of ours and have signed it, and the store must hold exactly these bytes. Throws
 * `CA_CERT_FOREIGN` otherwise.
 */
export async function identifyCertificate(
  store: Store,
  issuers: readonly IssuerRecord[],
  certificate: Certificate,
): Promise<CertificateRecord> {
  for (const issuer of issuers) {
    const issuerCertificate = parseCertificate(issuer.certificate);
    if (!issuerCertificate.subjectDer.equals(certificate.issuerDer)) continue;
    if (!verifyCertificateSignature(certificate, issuerCertificate)) continue;
    const record = await store.getCertificate({ issuerId: issuer.id, serial: certificate.serialNumber });
    if (record !== undefined && record.der.equals(certificate.der)) return record;
  }
  throw new SymbolonError(
    'CA_CERT_FOREIGN',
    `the certificate with serial ${certificate.serialNumber} (issuer ${formatName(certificate.issuer)}) was not issued by this CA`,
  );
}
