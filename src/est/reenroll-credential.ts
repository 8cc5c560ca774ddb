import type { TLSSocket } from 'node:tls';
import type { CertificateRecord, Store } from '../store/index.js';
import { parseCertificate } from '../x509/index.js';
import type { Certificate } from '../x509/index.js';

/** The certificate a client re-enrolls with, as the CA recorded it, or why it cannot. */
export type ReenrollCredential =
  | { readonly ok: true; readonly record: CertificateRecord; readonly certificate: Certificate }
  | {
      readonly ok: false;
      readonly code:
        | 'EST_REENROLL_CERTIFICATE_REQUIRED'
        | 'EST_REENROLL_CERTIFICATE_UNKNOWN'
        | 'EST_REENROLL_CERTIFICATE_REVOKED'
        | 'EST_REENROLL_CERTIFICATE_EXPIRED';
    };

/**
 * RFC 7030 3.3.2 / 4.2.2: a re-enrolling client authenticates with its current certificate in the
 * TLS handshake (which proved it holds the key). The store must record exactly this certificate
 * from one of the CA's issuers, and it must be neither revoked nor outside its validity; the TLS
 * layer's own chain verdict is not needed (an expired certificate is named as expired).
 */
export async function reenrollCredential(
  socket: TLSSocket,
  options: {
    readonly store: Store;
    readonly issuers: readonly { readonly id: string; readonly certificate: Certificate }[];
    readonly now: Date;
  },
): Promise<ReenrollCredential> {
  const raw = socket.getPeerCertificate(false)?.raw;
  if (raw === undefined || raw.length === 0) return { ok: false, code: 'EST_REENROLL_CERTIFICATE_REQUIRED' };
  let certificate: Certificate;
  try {
    certificate = parseCertificate(raw);
  } catch {
    return { ok: false, code: 'EST_REENROLL_CERTIFICATE_UNKNOWN' };
  }
  const issuer = options.issuers.find((candidate) => candidate.certificate.subjectDer.equals(certificate.issuerDer));
  if (issuer === undefined) return { ok: false, code: 'EST_REENROLL_CERTIFICATE_UNKNOWN' };
  const record = await options.store.getCertificate({ issuerId: issuer.id, serial: certificate.serialNumber });
  if (record === undefined || !record.der.equals(certificate.der)) return { ok: false, code: 'EST_REENROLL_CERTIFICATE_UNKNOWN' };
  if (record.revocation !== null) return { ok: false, code: 'EST_REENROLL_CERTIFICATE_REVOKED' };
  const now = options.now.getTime();
  if (now < record.notBefore.getTime() || now >= record.notAfter.getTime()) return { ok: false, code: 'EST_REENROLL_CERTIFICATE_EXPIRED' };
  return { ok: true, record, certificate };
}
