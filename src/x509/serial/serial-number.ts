/**
 * A serial number's INTEGER content octets as text, the way OpenSSL prints it: lowercase hex of
 * the magnitude without the DER sign octet, `-` in front of a negative one, `00` for zero.
 */
export function formatSerialNumber(content: Uint8Array): string {
  if (content.length === 0) return '00';
  if ((content[0]! & 0x80) === 0) {
    const start = content.length > 1 && content[0] === 0 ? 1 : 0;
    return Buffer.from(content.buffer, content.byteOffset + start, content.byteLength - start).toString('hex');
  }
  // Two's complement: the magnitude of a negative value is its bitwise inverse plus one.
  const magnitude = Buffer.alloc(content.length);
  let carry = 1;
  for (let i = content.length - 1; i >= 0; i--) {
    const sum = (~content[i]! & 0xff) + carry;
    magnitude[i] = sum & 0xff;
    carry = sum >> 8;
  }
  const start = magnitude.length > 1 && magnitude[0] === 0 ? 1 : 0;
  return '-' + magnitude.subarray(start).toString('hex');
}

/**
 * RFC 5280 4.1.2.2: conforming CAs use positive serials of at most 20 octets. Certificate
 * users are to be prepared for others, so the parsers keep them and report this instead.
 */
export function isConformingSerialNumber(content: Uint8Array): boolean {
  if (content.length === 0 || (content[0]! & 0x80) !== 0) return false;
  const magnitudeLength = content[0] === 0 && content.length > 1 ? content.length - 1 : content.length;
  return magnitudeLength <= 20 && content.some((byte) => byte !== 0);
}
