import { randomSerialNumber } from '../x509/index.js';

/**
 * A new serial number: 16 octets with 126 bits from `random` (a CSPRNG), positive and under the
 * 20-octet limit of RFC 5280 4.1.2.2; the CA/Browser Forum asks for at least 64 random bits.
 * Returns the bytes and the lowercase hex the store keys it by (as OpenSSL prints it).
 */
export function newSerialNumber(random: (size: number) => Uint8Array): { readonly bytes: Buffer; readonly hex: string } {
  const bytes = randomSerialNumber(random);
  return { bytes, hex: bytes.toString('hex') };
}

/**
 * A serial number as a person types it (`4A:01:FF`, `0x4a01ff`, `004a01ff`) in the store's form:
 * lowercase hex without separators or leading zeros. Undefined when it is not hex.
 */
export function normalizeSerialNumber(text: string): string | undefined {
  const hex = text.trim().replace(/^0x/i, '').replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{1,40}$/.test(hex)) return undefined;
  const stripped = hex.replace(/^0+(?=.)/, '');
  return stripped.length % 2 === 0 ? stripped : '0' + stripped;
}
