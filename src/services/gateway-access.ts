import { issuerKey, subjectKey } from '../path/index.js';
import type { Store } from '../store/index.js';
import { parseCertificate } from '../x509/index.js';
import type { Certificate } from '../x509/index.js';

/** Why a client does or does not hold a role kept in the CA's records (the feed's gateway, the admin API's admin). */
export type GatewayAccess =
  | { readonly ok: true; readonly issuerId: string; readonly serial: string; readonly subject: string }
  | {
      readonly ok: false;
      readonly reason:
        'no-certificate' | 'malformed-certificate' | 'foreign-issuer' | 'unknown-certificate' | 'wrong-profile' | 'revoked' | 'expired';
    };

export interface GatewayAccessOptions {
  readonly store: Store;
  /** The CA's issuers: a client certificate must name one of them as its issuer. */
  readonly issuers: readonly { readonly id: string; readonly certificate: Certificate }[];
  /** Profiles whose certificates hold the gateway role (`gateway`). */
  readonly profiles: readonly string[];
  readonly clock: () => Date;
}

/**
 * Decides whether the holder of `peer` (the TLS client certificate's DER, already chain-checked
 * by the TLS layer against the CA's root) holds the gateway role: the store must record exactly
 * this certificate, issued under a gateway profile, neither revoked nor expired. The role lives
 * in the CA's records rather than in a private extension, so revoking the certificate ends it.
 */
export async function checkGatewayAccess(peer: Uint8Array | undefined, options: GatewayAccessOptions): Promise<GatewayAccess> {
  if (peer === undefined || peer.length === 0) return { ok: false, reason: 'no-certificate' };
  let certificate: Certificate;
  try {
    certificate = parseCertificate(peer);
  } catch {
    return { ok: false, reason: 'malformed-certificate' };
  }
  // Names compare as RFC 5280 7.1 says (path/'s one comparison); the record's DER must then be this very certificate.
  const wanted = issuerKey(certificate);
  const issuer = options.issuers.find((candidate) => subjectKey(candidate.certificate) === wanted);
  if (issuer === undefined) return { ok: false, reason: 'foreign-issuer' };
  const record = await options.store.getCertificate({ issuerId: issuer.id, serial: certificate.serialNumber });
  if (record === undefined || !record.der.equals(certificate.der)) return { ok: false, reason: 'unknown-certificate' };
  if (!options.profiles.includes(record.profile)) return { ok: false, reason: 'wrong-profile' };
  if (record.revocation !== null) return { ok: false, reason: 'revoked' };
  const now = options.clock().getTime();
  if (now < record.notBefore.getTime() || now >= record.notAfter.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, issuerId: issuer.id, serial: record.serial, subject: record.subject };
}
