/**
 * Byte-level HTTP/1.1 field syntax shared by the request head, response head and chunked-trailer
 * parsers (RFC 9110 5.1, 5.5, 5.6; RFC 9112 5). Everything works on Buffers with lookup tables;
 * strings are cut from one latin1 decoding of the whole head, so byte offsets are string offsets.
 */

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;

/** RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request-line; we allow this many. */
export const MAX_LEADING_EMPTY_LINES = 4;

function tableOf(accepts: (byte: number) => boolean): Uint8Array {
  const table = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) table[byte] = accepts(byte) ? 1 : 0;
  return table;
}

const isAlphaDigit = (byte: number): boolean =>
  (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);

/** RFC 9110 5.6.2 tchar: ALPHA DIGIT and !#$%&'*+-.^_`|~ */
export const TCHAR = tableOf((byte) => isAlphaDigit(byte) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(byte)));

/** RFC 9110 5.5 field-value bytes: HTAB, SP, VCHAR, obs-text. Also the reason-phrase and chunk-ext byte class. */
export const FIELD_VALUE_BYTE = tableOf((byte) => byte === HTAB || (byte >= 0x20 && byte !== 0x7f));

/** Bytes a Host value or an absolute-form authority may hold: RFC 3986 reg-name, IP-literal brackets, ":" and port. */
export const HOST_BYTE = tableOf((byte) => isAlphaDigit(byte) || "-._~!$&'()*+,;=:[]%".includes(String.fromCharCode(byte)));

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Buffer, start: number, end: number) => string }).latin1Slice;

/** buffer[start..end) as a latin1 string: one character per byte, so offsets carry over. */
export function latin1(buffer: Buffer, start: number, end: number): string {
  return latin1Slice.call(buffer, start, end);
}

/** Whether every character of `text` is a tchar and there is at least one. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let index = 0; index < text.length; index++) if (TCHAR[text.charCodeAt(index)] !== 1) return false;
  return true;
}

/** Whether `text` is a non-empty Host value / authority (see HOST_BYTE). */
export function isHostText(text: string): boolean {
  if (text.length === 0) return false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code > 0xff || HOST_BYTE[code] !== 1) return false;
  }
  return true;
}

/**
 * Whether buffer[start..start+lower.length) equals `lower` (lower-case letters, "-", ":", "/")
 * ignoring ASCII case. Only for bytes already known to be in 0x21-0x7E, where `| 0x20` folds
 * A-Z onto a-z and maps nothing else onto those characters.
 */
export function equalsLowerCase(buffer: Buffer, start: number, lower: string): boolean {
  for (let index = 0; index < lower.length; index++) {
    if (((buffer[start + index] ?? 0) | 0x20) !== lower.charCodeAt(index)) return false;
  }
  return true;
}

/** Whether `text` equals `lower` (lower-case ASCII) ignoring ASCII case. */
export function equalsIgnoringCase(text: string, lower: string): boolean {
  if (text.length !== lower.length) return false;
  for (let index = 0; index < lower.length; index++) {
    const code = text.charCodeAt(index);
    const folded = code >= 0x41 && code <= 0x5a ? code | 0x20 : code;
    if (folded !== lower.charCodeAt(index)) return false;
  }
  return true;
}

/** Whether `code` is optional whitespace (RFC 9110 5.6.3 OWS: SP / HTAB). */
export const isOws = (code: number): boolean => code === SP || code === HTAB;

/**
 * Splits a comma-separated list (RFC 9110 5.6.1) into its items with OWS trimmed, keeping
 * empty items so that callers that must refuse them can.
 */
export function splitList(value: string): string[] {
  const items: string[] = [];
  let start = 0;
  for (;;) {
    let comma = value.indexOf(',', start);
    if (comma === -1) comma = value.length;
    let itemStart = start;
    let itemEnd = comma;
    while (itemStart < itemEnd && isOws(value.charCodeAt(itemStart))) itemStart++;
    while (itemEnd > itemStart && isOws(value.charCodeAt(itemEnd - 1))) itemEnd--;
    items.push(value.slice(itemStart, itemEnd));
    if (comma === value.length) return items;
    start = comma + 1;
  }
}

/**
 * Adds the lower-cased tokens of a Connection value (RFC 9110 7.6.1: `#connection-option`) to
 * `into`; empty items are skipped. Returns false when an item is not a token.
 */
export function addConnectionOptions(value: string, into: Set<string>): boolean {
  for (const item of splitList(value)) {
    if (item.length === 0) continue;
    if (!isToken(item)) return false;
    into.add(item.toLowerCase());
  }
  return true;
}

/** A Content-Length value: 1 to 15 ASCII digits (leading zeros allowed, so always a safe integer); -1 when it is not. */
export function parseContentLength(text: string): number {
  if (text.length === 0 || text.length > 15) return -1;
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const digit = text.charCodeAt(index) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    length = length * 10 + digit;
  }
  return length;
}

/** Whether buffer[0..end) ends with CRLFCRLF, as a head from findHeadEnd does. */
export function endsWithEmptyLine(buffer: Buffer, end: number): boolean {
  return (
    end >= 4 && end <= buffer.length && buffer[end - 4] === CR && buffer[end - 3] === LF && buffer[end - 2] === CR && buffer[end - 1] === LF
  );
}

/** Index of the first byte after the leading empty lines, or -1 when there are more than allowed. */
export function skipLeadingEmptyLines(buffer: Buffer, end: number): number {
  let position = 0;
  let emptyLines = 0;
  while (position + 2 < end && buffer[position] === CR && buffer[position + 1] === LF) {
    position += 2;
    if (++emptyLines > MAX_LEADING_EMPTY_LINES) return -1;
  }
  return position;
}

/** RFC 9112 2.3: "HTTP/" DIGIT "." DIGIT, case-sensitive. Returns the minor version for 1.0/1.1, -1 for another well-formed version, -2 otherwise. */
export function parseHttpVersion(buffer: Buffer, start: number, end: number): number {
  if (
    end - start !== 8 ||
    buffer[start] !== 0x48 ||
    buffer[start + 1] !== 0x54 ||
    buffer[start + 2] !== 0x54 ||
    buffer[start + 3] !== 0x50 ||
    buffer[start + 4] !== 0x2f ||
    buffer[start + 6] !== 0x2e
  ) {
    return -2;
  }
  const major = buffer[start + 5]! - 0x30;
  const minor = buffer[start + 7]! - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return -2;
  return major === 1 && minor <= 1 ? minor : -1;
}

/** Field names the head parsers act on; other fields are only carried. */
export const KnownField = {
  host: 1,
  contentLength: 2,
  transferEncoding: 3,
  connection: 4,
  expect: 5,
  keepAlive: 6,
} as const;
export type KnownField = (typeof KnownField)[keyof typeof KnownField];

function knownFieldAt(buffer: Buffer, start: number, length: number): KnownField | 0 {
  switch (length) {
    case 4:
      return equalsLowerCase(buffer, start, 'host') ? KnownField.host : 0;
    case 6:
      return equalsLowerCase(buffer, start, 'expect') ? KnownField.expect : 0;
    case 10:
      if (equalsLowerCase(buffer, start, 'connection')) return KnownField.connection;
      return equalsLowerCase(buffer, start, 'keep-alive') ? KnownField.keepAlive : 0;
    case 14:
      return equalsLowerCase(buffer, start, 'content-length') ? KnownField.contentLength : 0;
    case 17:
      return equalsLowerCase(buffer, start, 'transfer-encoding') ? KnownField.transferEncoding : 0;
    default:
      return 0;
  }
}

/** Why a field line is not valid; `null` when it is. */
export type FieldLineProblem = 'obs_fold' | 'bad_name' | 'bad_value' | 'bare_cr_or_lf';

const FIELD_LINE_MESSAGES: Readonly<Record<FieldLineProblem, string>> = {
  obs_fold: 'a field line starts with whitespace (obsolete line folding, RFC 9112 5.2)',
  bad_name: 'a field name is empty, holds a non-token byte, or is followed by whitespace before the colon',
  bad_value: 'a field value holds a control byte',
  bare_cr_or_lf: 'a line does not end in CRLF',
};

export function describeFieldLineProblem(problem: FieldLineProblem): string {
  return FIELD_LINE_MESSAGES[problem];
}

export interface FieldSection {
  /** [name, value, name, value, ...] in order, values with OWS trimmed. */
  readonly fields: string[];
  /** [KnownField, index of the value in `fields`, ...] for the fields the head parsers act on. */
  readonly known: number[];
}

export type FieldSectionResult =
  | { readonly ok: true; readonly section: FieldSection }
  | { readonly ok: false; readonly reason: 'bad_request' | 'header_too_large'; readonly message: string };

/**
 * Parses field lines (RFC 9112 5: `field-name ":" OWS field-value OWS CRLF`) from `start` up to
 * and including the empty line that must end exactly at `end`. `text` is the latin1 decoding of
 * buffer[0..end) so names and values are cut from it without decoding again.
 * Never throws; more than `maxFields` lines gives header_too_large.
 */
export function parseFieldSection(buffer: Buffer, text: string, start: number, end: number, maxFields: number): FieldSectionResult {
  const fields: string[] = [];
  const known: number[] = [];
  let position = start;
  for (;;) {
    if (position >= end) return { ok: false, reason: 'bad_request', message: 'the field section does not end with an empty line' };
    let byte = buffer[position]!;
    if (byte === CR) {
      if (buffer[position + 1] !== LF) return { ok: false, reason: 'bad_request', message: FIELD_LINE_MESSAGES.bare_cr_or_lf };
      if (position + 2 !== end) return { ok: false, reason: 'bad_request', message: 'an empty line ends the head before its end' };
      return { ok: true, section: { fields, known } };
    }
    if (fields.length >= maxFields * 2) return { ok: false, reason: 'header_too_large', message: 'more field lines than the limit' };
    if (byte === SP || byte === HTAB) return { ok: false, reason: 'bad_request', message: FIELD_LINE_MESSAGES.obs_fold };

    const nameStart = position;
    while (TCHAR[byte] === 1) byte = buffer[++position] ?? 0;
    if (byte !== 0x3a || position === nameStart) return { ok: false, reason: 'bad_request', message: FIELD_LINE_MESSAGES.bad_name };
    const nameEnd = position;

    byte = buffer[++position] ?? 0;
    while (byte === SP || byte === HTAB) byte = buffer[++position] ?? 0;
    const valueStart = position;
    let valueEnd = position;
    while (FIELD_VALUE_BYTE[byte] === 1) {
      position++;
      if (byte !== SP && byte !== HTAB) valueEnd = position;
      byte = buffer[position] ?? 0;
    }
    if (byte !== CR) {
      const problem = byte === LF ? FIELD_LINE_MESSAGES.bare_cr_or_lf : FIELD_LINE_MESSAGES.bad_value;
      return { ok: false, reason: 'bad_request', message: problem };
    }
    if (buffer[position + 1] !== LF) return { ok: false, reason: 'bad_request', message: FIELD_LINE_MESSAGES.bare_cr_or_lf };

    const id = knownFieldAt(buffer, nameStart, nameEnd - nameStart);
    if (id !== 0) known.push(id, fields.length + 1);
    fields.push(text.slice(nameStart, nameEnd), text.slice(valueStart, valueEnd));
    position += 2;
  }
}

/**
 * Streaming check of one trailer field line, for the chunked decoder: feed bytes with `step`
 * until it reports the line complete. States are small integers so the decoder keeps one field.
 */
export const FieldLineState = { lineStart: 0, name: 1, value: 2, lineFeed: 3 } as const;

/**
 * Advances the field-line checker by one byte. The caller tells the empty line (a CR as the first
 * byte) apart before calling. Returns the next state, -1 when the line ended (its LF), or a
 * FieldLineProblem.
 */
export function stepFieldLine(state: number, byte: number): number | FieldLineProblem {
  switch (state) {
    case FieldLineState.lineStart:
      if (byte === SP || byte === HTAB) return 'obs_fold';
      return TCHAR[byte] === 1 ? FieldLineState.name : 'bad_name';
    case FieldLineState.name:
      if (TCHAR[byte] === 1) return FieldLineState.name;
      return byte === 0x3a ? FieldLineState.value : 'bad_name';
    case FieldLineState.value:
      if (FIELD_VALUE_BYTE[byte] === 1) return FieldLineState.value;
      if (byte === CR) return FieldLineState.lineFeed;
      return byte === LF ? 'bare_cr_or_lf' : 'bad_value';
    default:
      return byte === LF ? -1 : 'bare_cr_or_lf';
  }
}
