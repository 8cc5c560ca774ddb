import { EXTENDED_KEY_USAGES, oidName } from '../../x509/index.js';

const EKU_NAMES = new Map<string, string>(Object.entries(EXTENDED_KEY_USAGES).map(([name, oid]) => [oid, name]));

/** The RFC 5280 name of an extended key usage (serverAuth, clientAuth, ...), or undefined. */
export function extendedKeyUsageName(oid: string): string | undefined {
  return EKU_NAMES.get(oid);
}

/** The name Symbolon knows an extension or policy OID by (subjectKeyIdentifier, anyPolicy, ...), or undefined. */
export function knownOidName(oid: string): string | undefined {
  return oidName(oid);
}
