/** Identifier octets of the universal types X.509, PKCS#10, CRLs, OCSP and CMS use. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Tag classes, as the top two bits of the identifier octet. */
export const TagClass = {
  UNIVERSAL: 0x00,
  APPLICATION: 0x40,
  CONTEXT: 0x80,
  PRIVATE: 0xc0,
} as const;

export const CONSTRUCTED = 0x20;

/** Identifier octet of a context-specific tag `[n]`. */
export function contextTag(n: number, isConstructed: boolean): number {
  return TagClass.CONTEXT | (isConstructed ? CONSTRUCTED : 0) | n;
}
