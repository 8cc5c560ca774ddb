import type { BodyFraming, HeadLimits } from './request-head.js';
import {
  CR,
  LF,
  SP,
  FIELD_VALUE_BYTE,
  KnownField,
  addConnectionOptions,
  endsWithEmptyLine,
  equalsIgnoringCase,
  isOws,
  latin1,
  parseContentLength,
  parseFieldSection,
  parseHttpVersion,
  skipLeadingEmptyLines,
  splitList,
} from './field-syntax.js';

export type ResponseFraming = BodyFraming | { readonly kind: 'close' };

export interface ResponseHead {
  /** 100..599 */
  readonly status: number;
  /** May be ''. */
  readonly reasonPhrase: string;
  readonly versionMinor: 0 | 1;
  /** Flat [name, value, ...] as in RequestHead. */
  readonly fields: readonly string[];
  readonly framing: ResponseFraming;
  /** The upstream will keep the connection open after this response: HTTP/1.1 without Connection: close; HTTP/1.0 only with keep-alive; false when framing is 'close'. */
  readonly keepAlive: boolean;
  readonly connectionListed: ReadonlySet<string> | undefined;
  /** Keep-Alive: timeout=N, in ms, when sent. */
  readonly keepAliveTimeoutMs: number | undefined;
}

export type ResponseHeadResult = { readonly ok: true; readonly head: ResponseHead } | { readonly ok: false; readonly message: string };

const NO_BODY: ResponseFraming = Object.freeze({ kind: 'none' });
const CHUNKED: ResponseFraming = Object.freeze({ kind: 'chunked' });
const UNTIL_CLOSE: ResponseFraming = Object.freeze({ kind: 'close' });

const fail = (message: string): ResponseHeadResult => ({ ok: false, message });

const isDigit = (byte: number | undefined): byte is number => byte !== undefined && byte >= 0x30 && byte <= 0x39;

/** The `timeout` parameter of a Keep-Alive value (RFC 2068 19.7.1.1), in ms; undefined when absent or not 1 to 9 digits. */
function keepAliveTimeoutMsOf(value: string): number | undefined {
  for (const parameter of splitList(value)) {
    const equals = parameter.indexOf('=');
    if (equals === -1) continue;
    let nameEnd = equals;
    while (nameEnd > 0 && isOws(parameter.charCodeAt(nameEnd - 1))) nameEnd--;
    if (!equalsIgnoringCase(parameter.slice(0, nameEnd), 'timeout')) continue;
    let valueStart = equals + 1;
    while (valueStart < parameter.length && isOws(parameter.charCodeAt(valueStart))) valueStart++;
    const digits = parameter.slice(valueStart);
    if (digits.length > 9) return undefined;
    const seconds = parseContentLength(digits);
    return seconds === -1 ? undefined : seconds * 1000;
  }
  return undefined;
}

/**
 * Parses a response head, buffer[0..end) where `end` is what findHeadEnd returned, and decides its
 * framing by RFC 9112 6.3 (`requestMethod` decides HEAD's bodiless responses). Never throws:
 * malformed or ambiguous heads give `{ ok: false }` with a message for logs.
 */
export function parseResponseHead(buffer: Buffer, end: number, requestMethod: string, limits: HeadLimits): ResponseHeadResult {
  if (!endsWithEmptyLine(buffer, end)) return fail('the head does not end with CRLFCRLF');
  let position = skipLeadingEmptyLines(buffer, end);
  if (position === -1) return fail('too many empty lines before the status line');
  const text = latin1(buffer, 0, end);

  // RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ]; the last SP may be missing.
  const versionStart = position;
  while (position - versionStart < 8 && buffer[position] !== SP && position < end) position++;
  const version = parseHttpVersion(buffer, versionStart, position);
  if (version < 0) return fail('the status line does not start with HTTP/1.0 or HTTP/1.1');
  const versionMinor = version as 0 | 1;
  const hundreds = buffer[position + 1];
  const tens = buffer[position + 2];
  const units = buffer[position + 3];
  if (buffer[position] !== SP || !isDigit(hundreds) || !isDigit(tens) || !isDigit(units))
    return fail('the status line has no three-digit status code');
  const status = (hundreds - 0x30) * 100 + (tens - 0x30) * 10 + (units - 0x30);
  if (status < 100 || status > 599) return fail('the status code is not in 100..599');
  position += 4;
  let reasonPhrase = '';
  if (buffer[position] === SP) {
    const reasonStart = ++position;
    while (FIELD_VALUE_BYTE[buffer[position]!] === 1) position++;
    reasonPhrase = text.slice(reasonStart, position);
  }
  if (buffer[position] !== CR || buffer[position + 1] !== LF) return fail('the status line holds a control byte or does not end in CRLF');

  const parsed = parseFieldSection(buffer, text, position + 2, end, limits.maxFields);
  if (!parsed.ok) return fail(parsed.message);
  const { fields, known } = parsed.section;

  let contentLength = -1;
  let contentLengthProblem: string | undefined;
  let hasTransferEncoding = false;
  let finalCoding: string | undefined;
  let chunkedCount = 0;
  let connectionListed: Set<string> | undefined;
  let keepAliveTimeoutMs: number | undefined;
  for (let index = 0; index < known.length; index += 2) {
    const value = fields[known[index + 1]!]!;
    switch (known[index]) {
      case KnownField.contentLength:
        // RFC 9110 8.6: identical repeated values (as fields or as a list) may stand for one.
        for (const item of splitList(value)) {
          const length = parseContentLength(item);
          if (length === -1) contentLengthProblem ??= 'the Content-Length value is not 1 to 15 digits';
          else if (contentLength !== -1 && length !== contentLength) contentLengthProblem ??= 'Content-Length values differ';
          else contentLength = length;
        }
        break;
      case KnownField.transferEncoding:
        // RFC 9110 5.3: several field lines form one list; empty items are ignored (RFC 9110 5.6.1).
        hasTransferEncoding = true;
        for (const coding of splitList(value)) {
          if (coding.length === 0) continue;
          finalCoding = coding;
          if (equalsIgnoringCase(coding, 'chunked')) chunkedCount++;
        }
        break;
      case KnownField.connection:
        connectionListed ??= new Set();
        if (!addConnectionOptions(value, connectionListed)) return fail('a Connection option is not a token');
        break;
      case KnownField.keepAlive:
        keepAliveTimeoutMs ??= keepAliveTimeoutMsOf(value);
        break;
    }
  }

  // RFC 9112 6.3, in its order.
  let framing: ResponseFraming;
  let isFramingAmbiguous = false;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) {
    framing = NO_BODY;
  } else if (hasTransferEncoding) {
    // RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    if (versionMinor === 0) return fail('Transfer-Encoding in an HTTP/1.0 response');
    if (finalCoding === undefined) return fail('the Transfer-Encoding value lists no coding');
    const isChunkedFinal = equalsIgnoringCase(finalCoding, 'chunked');
    // RFC 9112 6.1: chunked is applied at most once.
    if (chunkedCount > 1) return fail('the chunked coding is listed more than once');
    framing = isChunkedFinal ? CHUNKED : UNTIL_CLOSE;
    // RFC 9112 6.3 item 3: both fields may signal smuggling; Transfer-Encoding wins, but do not reuse the connection.
    isFramingAmbiguous = contentLength !== -1 || contentLengthProblem !== undefined;
  } else if (contentLengthProblem !== undefined) {
    return fail(contentLengthProblem);
  } else if (contentLength > 0) {
    framing = { kind: 'length', length: contentLength };
  } else if (contentLength === 0) {
    framing = NO_BODY;
  } else {
    framing = UNTIL_CLOSE;
  }

  const listsClose = connectionListed?.has('close') === true;
  const isPersistent = versionMinor === 1 ? !listsClose : !listsClose && connectionListed?.has('keep-alive') === true;
  const head: ResponseHead = {
    status,
    reasonPhrase,
    versionMinor,
    fields,
    framing,
    keepAlive: isPersistent && framing.kind !== 'close' && !isFramingAmbiguous,
    connectionListed,
    keepAliveTimeoutMs,
  };
  return { ok: true, head };
}
