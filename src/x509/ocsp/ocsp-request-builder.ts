import { der } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import { encodeNonceExtension } from './nonce.js';
import type { CertId } from './ocsp-types.js';

/** What an unsigned OCSP request asks (RFC 6960 4.1.1). */
export interface OcspRequestTemplate {
  /** The certificates asked about; RFC 5019 2.1.1 clients ask about one. */
  readonly certIds: readonly Pick<CertId, 'der'>[];
  /** RFC 8954 nonce, 1 to 32 octets (32 random octets is the usual choice). */
  readonly nonce?: Uint8Array;
}

/**
 * DER of an unsigned OCSPRequest, version v1 left out as DER asks. Throws `OCSP_INVALID_INPUT`
 * with no CertID, `OCSP_BAD_NONCE` for a nonce outside 1 to 32 octets.
 */
export function buildOcspRequest(template: OcspRequestTemplate): Buffer {
  if (template.certIds.length === 0) throw new SymbolonError('OCSP_INVALID_INPUT', 'an OCSP request asks about at least one certificate');
  const requestList = der.sequenceOf(template.certIds.map((certId) => der.sequence(certId.der)));
  const tbs =
    template.nonce === undefined
      ? der.sequence(requestList)
      : der.sequence(requestList, der.explicit(2, der.sequence(encodeNonceExtension(template.nonce))));
  return der.sequence(tbs);
}
