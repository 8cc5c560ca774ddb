import { decodeDer, der, readOid, Tag } from '../asn1/index.js';
import { SymbolonError } from '../errors.js';

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

function malformed(detail: string): SymbolonError {
  return new SymbolonError('PKCS7_MALFORMED', `the answer is not a certs-only PKCS#7: ${detail}`);
}

/**
 * The certificates (DER, in the message's order) of a certs-only CMS message as EST answers with
 * (RFC 7030 4.1.3). Only the framing is read here; each certificate is parsed by its user. Throws
 * `PKCS7_MALFORMED` (or an `ASN1_` code for bad DER).
 */
export function parseCertsOnlyPkcs7(bytes: Uint8Array): Buffer[] {
  const contentInfo = decodeDer(bytes);
  if (contentInfo.tag !== Tag.SEQUENCE || contentInfo.children.length !== 2) throw malformed('ContentInfo is not a SEQUENCE of two');
  if (readOid(contentInfo.children[0]!) !== OID_SIGNED_DATA) throw malformed('the content type is not signedData');
  const wrapper = contentInfo.children[1]!;
  if (!wrapper.isContext(0) || wrapper.children.length !== 1) throw malformed('the content is not [0] EXPLICIT');
  const signedData = wrapper.children[0]!;
  if (signedData.tag !== Tag.SEQUENCE) throw malformed('SignedData is not a SEQUENCE');
  const certificates = signedData.children.find((child) => child.isContext(0) && child.isConstructed);
  if (certificates === undefined || certificates.children.length === 0) throw malformed('it holds no certificates');
  return certificates.children.map((certificate) => certificate.bytes);
}
