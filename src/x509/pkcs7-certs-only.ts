import { der } from '../asn1/index.js';

// RFC 5652 (CMS) object identifiers.
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_DATA = '1.2.840.113549.1.7.1';

/**
 * A certs-only CMS message (RFC 5652 5, RFC 8551 3.2.2: "degenerate" SignedData with no
 * signers and no content), as EST answers carry certificates (RFC 7030 4.1.3, 4.2.3): a
 * ContentInfo of SignedData version 1, no digest algorithms, id-data without content, the
 * certificates (DER, in any order: SET OF sorts them) and no signerInfos.
 */
export function buildCertsOnlyPkcs7(certificates: readonly Uint8Array[]): Buffer {
  const signedData = der.sequence(
    der.integer(1),
    der.set(),
    der.sequence(der.oid(OID_DATA)),
    der.implicit(0, der.setOf(certificates)),
    der.set(),
  );
  return der.sequence(der.oid(OID_SIGNED_DATA), der.explicit(0, signedData));
}
