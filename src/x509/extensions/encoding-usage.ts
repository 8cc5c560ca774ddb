import { der } from '../../asn1/index.js';
import { BoundedCache } from '../../bounded-cache.js';
import { SymbolonError } from '../../errors.js';
import { KEY_USAGES } from './types.js';
import type { BasicConstraints, KeyUsage } from './types.js';
import { oidElement } from '../oid-element.js';
import { OID } from '../oids.js';

/** Extended key usages by the names RFC 5280 4.2.1.12 gives them. */
export const EXTENDED_KEY_USAGES = {
  serverAuth: OID.serverAuth,
  clientAuth: OID.clientAuth,
  codeSigning: OID.codeSigning,
  emailProtection: OID.emailProtection,
  timeStamping: OID.timeStamping,
  ocspSigning: OID.ocspSigning,
  anyExtendedKeyUsage: OID.anyExtendedKeyUsage,
} as const;

/** An extended key usage by name, or any purpose as a dotted OID. */
export type ExtendedKeyUsage = keyof typeof EXTENDED_KEY_USAGES | (string & {});

// basicConstraints with cA FALSE: DEFAULT values are omitted in DER (X.690 11.5).
const END_ENTITY_BASIC_CONSTRAINTS = der.sequence();
const CA_BASIC_CONSTRAINTS = der.sequence(der.boolean(true));

/** extnValue of basicConstraints (RFC 5280 4.2.1.9). */
export function encodeBasicConstraints(value: BasicConstraints): Buffer {
  const { isCa, pathLenConstraint } = value;
  if (pathLenConstraint === undefined) return isCa ? CA_BASIC_CONSTRAINTS : END_ENTITY_BASIC_CONSTRAINTS;
  // RFC 5280 4.2.1.9: pathLenConstraint only when cA is asserted, and never negative.
  if (!isCa) throw new SymbolonError('CERT_INVALID_INPUT', 'pathLenConstraint is only allowed in a CA certificate');
  if (!Number.isSafeInteger(pathLenConstraint) || pathLenConstraint < 0) {
    throw new SymbolonError('CERT_INVALID_INPUT', `pathLenConstraint must be a non-negative integer, not ${pathLenConstraint}`);
  }
  return der.sequence(der.boolean(true), der.integer(pathLenConstraint));
}

const EKU_BY_NAME = new Map<string, string>(Object.entries(EXTENDED_KEY_USAGES));
const KEY_USAGE_BIT = new Map<string, number>(KEY_USAGES.map((name, bit) => [name, bit]));
const keyUsageValues = new BoundedCache<number, Buffer>(512);

/** The key usages as a bit mask, bit n of RFC 5280 4.2.1.3 at `1 << n`. */
export function keyUsageMask(usages: readonly KeyUsage[]): number {
  let mask = 0;
  for (const usage of usages) {
    const bit = KEY_USAGE_BIT.get(usage);
    if (bit === undefined) throw new SymbolonError('CERT_INVALID_INPUT', `"${usage}" is not a key usage (use ${KEY_USAGES.join(', ')})`);
    mask |= 1 << bit;
  }
  return mask;
}

/** extnValue of keyUsage (RFC 5280 4.2.1.3), memoised per set of bits. */
export function encodeKeyUsage(usages: readonly KeyUsage[]): Buffer {
  const mask = keyUsageMask(usages);
  // RFC 5280 4.2.1.3: when the extension is present, at least one bit is set.
  if (mask === 0) throw new SymbolonError('CERT_INVALID_INPUT', 'keyUsage needs at least one usage');
  let value = keyUsageValues.get(mask);
  if (value === undefined) {
    const bits: number[] = [];
    for (let bit = 0; bit < KEY_USAGES.length; bit++) if (mask & (1 << bit)) bits.push(bit);
    value = der.namedBitString(bits);
    keyUsageValues.set(mask, value);
  }
  return value;
}

const extKeyUsageValues = new BoundedCache<string, Buffer>(256);

/** extnValue of extKeyUsage (RFC 5280 4.2.1.12): purposes by name or dotted OID, memoised. */
export function encodeExtKeyUsage(purposes: readonly ExtendedKeyUsage[]): Buffer {
  const key = purposes.join(',');
  const cached = extKeyUsageValues.get(key);
  if (cached !== undefined) return cached;
  if (purposes.length === 0) throw new SymbolonError('CERT_INVALID_INPUT', 'extKeyUsage needs at least one purpose');
  const seen = new Set<string>();
  const elements = purposes.map((purpose) => {
    const dotted = EKU_BY_NAME.get(purpose) ?? purpose;
    if (seen.has(dotted)) throw new SymbolonError('CERT_INVALID_INPUT', `extKeyUsage lists ${purpose} twice`);
    seen.add(dotted);
    return oidElement(dotted, 'the extended key usage');
  });
  const value = der.sequenceOf(elements);
  extKeyUsageValues.set(key, value);
  return value;
}

const OCSP_NO_CHECK = der.nullValue();

/** extnValue of id-pkix-ocsp-nocheck: NULL (RFC 6960 4.2.2.2.1). */
export function encodeOcspNoCheck(): Buffer {
  return OCSP_NO_CHECK;
}
