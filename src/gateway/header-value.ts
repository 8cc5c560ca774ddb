import { SymbolonError } from '../errors.js';

/**
 * Returns `value` when every character is visible ASCII or space (RFC 9110 5.5 field-vchar
 * without obs-text), so no CR, LF, NUL or raw non-ASCII can reach the upstream; otherwise
 * throws `GATEWAY_HEADER_UNSAFE`. The builders escape first; this is the last guard.
 */
export function assertSafeHeaderValue(name: string, value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value))
    throw new SymbolonError('GATEWAY_HEADER_UNSAFE', `the ${name} header value would contain a control or non-ASCII character`);
  return value;
}

/** Percent-encodes every UTF-8 byte outside visible ASCII and `%` itself (RFC 3986 2.1, RFC 3987 3.1). */
export function percentEncodeUnsafe(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f && char !== '%') out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Hex-escapes (`\c3\a9`) every UTF-8 byte outside printable ASCII in RFC 4514 text (RFC 4514 2.4). */
export function escapeRfc4514NonAscii(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0x20 && code < 0x7f) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `\\${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}
