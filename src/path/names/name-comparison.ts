import type { Certificate, DistinguishedName } from '../../x509/index.js';

// RFC 5280 7.1: names are compared after RFC 4518 string preparation, so that the same name in
// PrintableString and in UTF8String, or in another case, matches. This keeps the part of RFC
// 4518 that matters in practice: Unicode compatibility normalisation (NFKC), case folding, and
// insignificant space handling (leading and trailing spaces dropped, inner runs collapsed).
// Values that are not strings (isHexEncoded: '#' + DER, see decodeName) are compared as they
// are, and never equal a string value, even one that reads '#' followed by the same hex.

/** A value prepared for caseIgnoreMatch. */
function prepareValue(value: string): string {
  return value.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

function attributeKey(atv: DistinguishedName[number][number]): string {
  return atv.isHexEncoded === true ? `${atv.type}#${atv.value}` : `${atv.type}=${JSON.stringify(prepareValue(atv.value))}`;
}

function rdnKey(rdn: DistinguishedName[number]): string {
  const parts = rdn.map(attributeKey);
  // A multi-valued RDN is a SET: the order of its attributes does not matter.
  if (parts.length > 1) parts.sort();
  return parts.join('+');
}

/** One RDN per entry, each prepared; two names are equal when these lists are. */
export function preparedRdns(name: DistinguishedName): string[] {
  return name.map(rdnKey);
}

/** A string equal for two names exactly when RFC 5280 7.1 calls them the same name. */
export function nameKey(name: DistinguishedName): string {
  return preparedRdns(name).join(',');
}

const subjectKeys = new WeakMap<Certificate, string>();
const issuerKeys = new WeakMap<Certificate, string>();

function memoisedKey(keys: WeakMap<Certificate, string>, certificate: Certificate, name: DistinguishedName): string {
  let key = keys.get(certificate);
  if (key === undefined) {
    key = nameKey(name);
    keys.set(certificate, key);
  }
  return key;
}

/** The subject's nameKey, computed once per parsed certificate. */
export function subjectKey(certificate: Certificate): string {
  return memoisedKey(subjectKeys, certificate, certificate.subject);
}

/** The issuer's nameKey, computed once per parsed certificate. */
export function issuerKey(certificate: Certificate): string {
  return memoisedKey(issuerKeys, certificate, certificate.issuer);
}

/**
 * RFC 5280 6.1 "self-issued": issuer and subject are the same name. Compared as names (7.1),
 * not only as bytes, so that a re-encoded name still counts.
 */
export function isSelfIssued(certificate: Certificate): boolean {
  return certificate.isSelfIssued || subjectKey(certificate) === issuerKey(certificate);
}
