import { der } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import { encodeCheckedGeneralName } from './encoding-names.js';
import { OID } from '../oids.js';

/** Where a relying party fetches the issuer's certificate and asks OCSP (RFC 5280 4.2.2.1). */
export interface AuthorityInfoAccess {
  readonly ocsp?: readonly string[];
  readonly caIssuers?: readonly string[];
}

function uriName(uri: string): Buffer {
  return encodeCheckedGeneralName({ type: 'uri', value: uri });
}

/**
 * extnValue of cRLDistributionPoints (RFC 5280 4.2.1.13), and of freshestCRL (4.2.1.15), which
 * has the same syntax: one DistributionPoint whose fullName lists the URIs. RFC 5280 4.2.1.13:
 * several names in one fullName are several ways to fetch the same CRL.
 */
export function encodeCrlDistributionPoints(uris: readonly string[]): Buffer {
  if (uris.length === 0) throw new SymbolonError('CERT_INVALID_INPUT', 'a CRL distribution point needs at least one URI');
  // distributionPoint [0] is EXPLICIT (DistributionPointName is a CHOICE); fullName [0] IMPLICIT.
  const fullName = der.contextConstructed(0, uris.map(uriName));
  return der.sequence(der.sequence(der.explicit(0, fullName)));
}

const OCSP_METHOD = der.oid(OID.accessOcsp);
const CA_ISSUERS_METHOD = der.oid(OID.accessCaIssuers);

/** extnValue of authorityInfoAccess (RFC 5280 4.2.2.1): OCSP responders first, then caIssuers. */
export function encodeAuthorityInfoAccess(value: AuthorityInfoAccess): Buffer {
  const descriptions: Buffer[] = [];
  for (const uri of value.ocsp ?? []) descriptions.push(der.sequence(OCSP_METHOD, uriName(uri)));
  for (const uri of value.caIssuers ?? []) descriptions.push(der.sequence(CA_ISSUERS_METHOD, uriName(uri)));
  if (descriptions.length === 0)
    throw new SymbolonError('CERT_INVALID_INPUT', 'authorityInfoAccess needs at least one OCSP or caIssuers URI');
  return der.sequenceOf(descriptions);
}
