import { SymbolonError } from '../errors.js';

/** The PEM labels Symbolon reads and writes (RFC 7468). */
export type PemLabel =
  'CERTIFICATE' | 'CERTIFICATE REQUEST' | 'X509 CRL' | 'PRIVATE KEY' | 'ENCRYPTED PRIVATE KEY' | 'PUBLIC KEY' | (string & {});

export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

const BEGIN = /-----BEGIN ([A-Z0-9][A-Z0-9 ]*[A-Z0-9]|[A-Z0-9])-----/g;
/** RFC 7468 strict base64 body: base64 characters and white space only. */
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/** PEM text for DER bytes, with 64-character lines and LF endings (RFC 7468 section 2). */
export function toPem(label: PemLabel, der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < base64.length; i += 64) body += base64.slice(i, i + 64) + '\n';
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/**
 * Every PEM block in `text`, in order. Text around and between blocks is ignored (explanatory
 * text, as OpenSSL writes it), CRLF is accepted, and the body must be strict base64: a stray
 * character is `PEM_BAD_BASE64`, a missing END line `PEM_UNTERMINATED`.
 */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  BEGIN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = BEGIN.exec(text)) !== null) {
    const label = match[1]!;
    const bodyStart = match.index + match[0].length;
    const endMarker = `-----END ${label}-----`;
    const endAt = text.indexOf(endMarker, bodyStart);
    if (endAt < 0) throw new SymbolonError('PEM_UNTERMINATED', `the PEM block "${label}" has no "${endMarker}" line`);
    const rawBody = text.slice(bodyStart, endAt);
    if (rawBody.includes('-----'))
      throw new SymbolonError('PEM_UNTERMINATED', `the PEM block "${label}" is not closed before the next block starts`);
    if (/^\s*[A-Za-z-]+:/m.test(rawBody)) {
      throw new SymbolonError(
        'PEM_BAD_BASE64',
        `the PEM block "${label}" carries RFC 1421 headers (legacy OpenSSL encryption); convert the key to PKCS#8`,
      );
    }
    const body = rawBody.replace(/[ \t\r\n]+/g, '');
    if (!BASE64_BODY.test(body) || body.length % 4 !== 0) {
      throw new SymbolonError('PEM_BAD_BASE64', `the body of the PEM block "${label}" is not valid base64`);
    }
    const der = Buffer.from(body, 'base64');
    blocks.push({ label, der });
    BEGIN.lastIndex = endAt + endMarker.length;
  }
  return blocks;
}

/** The DER of every block with `label`; `PEM_NOT_FOUND` when there is none. */
export function parsePem(text: string, label: PemLabel): Buffer[] {
  const found = parsePemBlocks(text)
    .filter((block) => block.label === label)
    .map((block) => block.der);
  if (found.length === 0) throw new SymbolonError('PEM_NOT_FOUND', `no "-----BEGIN ${label}-----" block was found`);
  return found;
}

/** Does this look like PEM text rather than DER? */
export function isPem(data: Uint8Array): boolean {
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 64 * 1024)).toString('latin1');
  return head.includes('-----BEGIN ');
}

/** The DER of every `label` block of PEM input (text, or bytes that look like PEM), else the one DER input. */
export function pemOrDerBlocks(input: Uint8Array | string, label: PemLabel): Uint8Array[] {
  if (typeof input === 'string') return parsePem(input, label);
  if (isPem(input)) return parsePem(Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1'), label);
  return [input];
}
