/** Bytes or a hex string as colon-separated lowercase pairs (`0a:1b:2c`), as serials and key identifiers are shown. */
export function colonHex(value: Uint8Array | string): string {
  const hex =
    typeof value === 'string' ? value.toLowerCase() : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  const sign = hex.startsWith('-') ? '-' : '';
  const digits = sign === '' ? hex : hex.slice(1);
  const even = digits.length % 2 === 1 ? '0' + digits : digits;
  return sign + (even.match(/../g) ?? []).join(':');
}
