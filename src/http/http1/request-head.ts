import {
  CR,
  LF,
  SP,
  KnownField,
  MAX_LEADING_EMPTY_LINES,
  TCHAR,
  addConnectionOptions,
  endsWithEmptyLine,
  equalsIgnoringCase,
  equalsLowerCase,
  isHostText,
  latin1,
  parseContentLength,
  parseFieldSection,
  parseHttpVersion,
  skipLeadingEmptyLines,
  splitList,
} from './field-syntax.js';

export type BodyFraming = { readonly kind: 'none' } | { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' };

export interface RequestHead {
  readonly method: string;
  /** origin-form path and query ("/a/b?c"), or "*" (OPTIONS only). An absolute-form target ("http://h:1/p?q") is given here as its path+query ("/p?q", "/" when empty). */
  readonly target: string;
  /** The host to route on: the absolute-form target's authority when given, else the single Host field's value; undefined only for an HTTP/1.0 request without Host. */
  readonly authority: string | undefined;
  readonly versionMinor: 0 | 1;
  /** Every field line in order, flat: [name as sent, value with surrounding OWS removed, name, value, ...]. */
  readonly fields: readonly string[];
  readonly framing: BodyFraming;
  /** HTTP/1.1 unless Connection lists "close"; HTTP/1.0 only when Connection lists "keep-alive". */
  readonly keepAlive: boolean;
  /** Expect: 100-continue was sent (case-insensitive). */
  readonly expectContinue: boolean;
  /** Lower-cased names listed in Connection fields (RFC 9110 7.6.1), "close"/"keep-alive" included; undefined when no Connection field. */
  readonly connectionListed: ReadonlySet<string> | undefined;
}

export type HeadError = {
  readonly ok: false;
  readonly reason: 'bad_request' | 'header_too_large' | 'not_implemented' | 'version_not_supported' | 'expectation_failed';
  /** For logs, never sent to the client verbatim. */
  readonly message: string;
};

export type RequestHeadResult = { readonly ok: true; readonly head: RequestHead } | HeadError;

export interface HeadLimits {
  readonly maxFields: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });

/**
 * Index just past the first CRLFCRLF at or after `from` in buffer[0..length), or -1.
 *
 * Pass as `from` the buffer length of the previous unsuccessful call (0 the first time): the
 * search restarts 3 bytes earlier so a terminator split across reads is still found, and the
 * bytes searched before are not searched again. Up to MAX_LEADING_EMPTY_LINES empty lines at the
 * start of the buffer (RFC 9112 2.2) are not taken for the terminator; one more returns the
 * index past them, so parseRequestHead refuses the head at once instead of waiting for a
 * terminator that a stream of CRLFs never sends.
 */
export function findHeadEnd(buffer: Buffer, from: number): number {
  let start = 0;
  let emptyLines = 0;
  while (buffer[start] === CR && buffer[start + 1] === LF) {
    start += 2;
    if (++emptyLines > MAX_LEADING_EMPTY_LINES) return start;
  }
  const found = buffer.indexOf(CRLFCRLF, Math.max(start, from - 3));
  return found === -1 ? -1 : found + 4;
}

const fail = (reason: HeadError['reason'], message: string): HeadError => ({ ok: false, reason, message });

const isTargetByte = (byte: number): boolean => byte >= 0x21 && byte <= 0x7e;

/**
 * Parses a request head, buffer[0..end) where `end` is what findHeadEnd returned (RFC 9112 2-7,
 * RFC 9110 7.2, 7.6.1, 10.1.1). Never throws: hostile input gives a HeadError with the status
 * class to answer with.
 */
export function parseRequestHead(buffer: Buffer, end: number, limits: HeadLimits): RequestHeadResult {
  if (!endsWithEmptyLine(buffer, end)) return fail('bad_request', 'the head does not end with CRLFCRLF');
  let position = skipLeadingEmptyLines(buffer, end);
  if (position === -1) return fail('bad_request', 'too many empty lines before the request line');
  const text = latin1(buffer, 0, end);

  // RFC 9112 3: request-line = method SP request-target SP HTTP-version, single spaces.
  const methodStart = position;
  while (TCHAR[buffer[position]!] === 1) position++;
  if (position === methodStart || buffer[position] !== SP)
    return fail('bad_request', 'the request line does not start with a method token and one space');
  const method = text.slice(methodStart, position);

  const targetStart = ++position;
  while (isTargetByte(buffer[position]!)) position++;
  if (position === targetStart || buffer[position] !== SP)
    return fail('bad_request', 'the request target is empty, holds a byte outside 0x21-0x7E, or is not followed by one space');
  const targetEnd = position;

  const versionStart = ++position;
  while (isTargetByte(buffer[position]!)) position++;
  if (buffer[position] !== CR || buffer[position + 1] !== LF)
    return fail('bad_request', 'the request line does not end in HTTP-version CRLF');
  const version = parseHttpVersion(buffer, versionStart, position);
  if (version === -2) return fail('bad_request', 'the request line does not end in an HTTP version');
  if (version === -1) return fail('version_not_supported', 'the HTTP version is not 1.0 or 1.1');
  const versionMinor = version as 0 | 1;

  // RFC 9110 9.3.6: CONNECT tunnels are not relayed.
  if (method === 'CONNECT') return fail('not_implemented', 'CONNECT is not supported');

  let target: string;
  let targetAuthority: string | undefined;
  const firstTargetByte = buffer[targetStart];
  if (firstTargetByte === 0x2f) {
    target = text.slice(targetStart, targetEnd);
  } else if (firstTargetByte === 0x2a && targetEnd - targetStart === 1) {
    // RFC 9112 3.2.4: asterisk-form only for OPTIONS.
    if (method !== 'OPTIONS') return fail('bad_request', 'the asterisk-form target is only for OPTIONS');
    target = '*';
  } else {
    // RFC 9112 3.2.2: absolute-form; the scheme is case-insensitive.
    const targetLength = targetEnd - targetStart;
    let authorityStart: number;
    if (targetLength >= 7 && equalsLowerCase(buffer, targetStart, 'http://')) authorityStart = targetStart + 7;
    else if (targetLength >= 8 && equalsLowerCase(buffer, targetStart, 'https://')) authorityStart = targetStart + 8;
    else return fail('bad_request', 'the request target is not in origin-form, absolute-form or asterisk-form');
    let authorityEnd = authorityStart;
    while (authorityEnd < targetEnd && buffer[authorityEnd] !== 0x2f && buffer[authorityEnd] !== 0x3f) authorityEnd++;
    targetAuthority = text.slice(authorityStart, authorityEnd);
    // RFC 9110 4.2.4: userinfo ("@") is refused; the same byte class as Host keeps routing exact.
    if (!isHostText(targetAuthority)) return fail('bad_request', 'the absolute-form target has an empty or invalid authority');
    if (authorityEnd === targetEnd) target = '/';
    else if (buffer[authorityEnd] === 0x3f) target = '/' + text.slice(authorityEnd, targetEnd);
    else target = text.slice(authorityEnd, targetEnd);
  }

  const parsed = parseFieldSection(buffer, text, position + 2, end, limits.maxFields);
  if (!parsed.ok) return parsed;
  const { fields, known } = parsed.section;

  let hostCount = 0;
  let host: string | undefined;
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connectionListed: Set<string> | undefined;
  let expectCount = 0;
  let isExpectationUnknown = false;
  for (let index = 0; index < known.length; index += 2) {
    const value = fields[known[index + 1]!]!;
    switch (known[index]) {
      case KnownField.host:
        hostCount++;
        host = value;
        break;
      case KnownField.contentLength:
        // RFC 9112 6.3: several Content-Length fields or a list are refused, not merged, in a request.
        if (contentLength !== -1) return fail('bad_request', 'more than one Content-Length field');
        contentLength = parseContentLength(value);
        if (contentLength === -1) return fail('bad_request', 'the Content-Length value is not 1 to 15 digits');
        break;
      case KnownField.transferEncoding:
        if (transferEncoding !== undefined) return fail('bad_request', 'more than one Transfer-Encoding field');
        transferEncoding = value;
        break;
      case KnownField.connection:
        connectionListed ??= new Set();
        if (!addConnectionOptions(value, connectionListed)) return fail('bad_request', 'a Connection option is not a token');
        break;
      case KnownField.expect:
        expectCount++;
        // RFC 9110 10.1.1: 100-continue is the only expectation defined.
        if (!equalsIgnoringCase(value, '100-continue')) isExpectationUnknown = true;
        break;
    }
  }

  // RFC 9112 3.2: exactly one Host in HTTP/1.1, still required with an absolute-form target.
  if (hostCount > 1) return fail('bad_request', 'more than one Host field');
  if (hostCount === 0 && versionMinor === 1) return fail('bad_request', 'an HTTP/1.1 request without Host');
  if (host !== undefined && !isHostText(host)) return fail('bad_request', 'the Host value is empty or holds a byte not allowed in a host');

  let framing: BodyFraming = NO_BODY;
  if (transferEncoding !== undefined) {
    // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing; RFC 9112 6.3: with Content-Length, refuse (smuggling).
    if (versionMinor === 0) return fail('bad_request', 'Transfer-Encoding in an HTTP/1.0 request');
    if (contentLength !== -1) return fail('bad_request', 'both Transfer-Encoding and Content-Length');
    const codings = splitList(transferEncoding);
    const last = codings.length - 1;
    for (let index = 0; index < last; index++) {
      const coding = codings[index]!;
      if (coding.length === 0 || equalsIgnoringCase(coding, 'chunked'))
        return fail('bad_request', 'Transfer-Encoding has an empty item or chunked before the final coding');
    }
    // RFC 9112 6.3: a request whose final coding is not chunked has no determinable length.
    if (!equalsIgnoringCase(codings[last]!, 'chunked')) return fail('bad_request', 'the final transfer coding is not chunked');
    if (last > 0) return fail('not_implemented', 'transfer codings other than chunked are not supported');
    framing = CHUNKED;
  } else if (contentLength > 0) {
    framing = { kind: 'length', length: contentLength };
  }

  if (isExpectationUnknown) return fail('expectation_failed', 'an Expect value other than 100-continue');

  const listsClose = connectionListed?.has('close') === true;
  const keepAlive = versionMinor === 1 ? !listsClose : !listsClose && connectionListed?.has('keep-alive') === true;
  const head: RequestHead = {
    method,
    target,
    authority: targetAuthority ?? host,
    versionMinor,
    fields,
    framing,
    keepAlive,
    // RFC 9110 10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored.
    expectContinue: expectCount > 0 && versionMinor === 1,
    connectionListed,
  };
  return { ok: true, head };
}
