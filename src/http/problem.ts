import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { ERROR_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { httpDateNow } from './conditional-request.js';

/**
 * RFC 9457 problem details, the one error vocabulary of every Symbolon server (the CRL and OCSP
 * listener, the revocation feed, the gateway): the `type` names a Symbolon error code
 * (`urn:symbolon:error:CODE`), the `title` is that code's description from src/errors.ts (the same
 * for every occurrence of the type, as RFC 9457 3.1.3 wants), and `code` repeats the code for
 * clients that do not parse URNs. Parts add extension members (the gateway its `reason`).
 */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail?: string;
}

/** RFC 9457 3: the media type of the body. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 3.1.1: the problem type of an error code, a URN that need not resolve. */
export function problemType(code: ErrorCode): string {
  return `urn:symbolon:error:${code}`;
}

/** The problem details for an error code, with an occurrence-specific detail and extension members. */
export function problemDocument<Extensions extends Readonly<Record<string, unknown>>>(
  status: number,
  code: ErrorCode,
  detail?: string,
  extensions?: Extensions,
): ProblemDocument & Extensions {
  return {
    type: problemType(code),
    title: ERROR_CODES[code],
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
    ...extensions,
  } as ProblemDocument & Extensions;
}

/**
 * A whole HTTP/1.1 answer with a problem body, for servers that write their own heads. `connection`
 * is the Connection field to send (`close` when the connection ends after it), if any. A HEAD request
 * gets the head alone. `fields` are further header fields (fixed text of the server, never request data).
 */
export function problemMessage(
  status: number,
  body: string,
  connection: 'close' | 'keep-alive' | undefined,
  isHead = false,
  fields?: Readonly<Record<string, string>>,
): string {
  let extra = '';
  if (fields !== undefined) for (const [name, value] of Object.entries(fields)) extra += `${name}: ${value}\r\n`;
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\n` +
    `date: ${httpDateNow()}\r\n${extra}${connection === undefined ? '' : `connection: ${connection}\r\n`}\r\n`;
  return isHead ? head : head + body;
}

/**
 * A whole HTTP/1.1 answer with a problem body that closes the connection, for servers that write
 * their own heads and have no request state left to trust (a fault, a head too large to parse).
 */
export function closingProblemMessage(status: number, code: ErrorCode): string {
  return problemMessage(status, JSON.stringify(problemDocument(status, code)), 'close');
}

/** The 500 answer of `closingProblemMessage`. */
export function internalErrorMessage(): string {
  return closingProblemMessage(500, 'HTTP_INTERNAL_ERROR');
}

/**
 * Ends `res` with a problem+json body naming a Symbolon error code. `close` asks the client to
 * drop the connection (after a body too large to read, say).
 */
export function sendProblem(
  res: ServerResponse | Http2ServerResponse,
  status: number,
  code: ErrorCode,
  detail?: string,
  headers: Readonly<Record<string, string>> = {},
  close = false,
): void {
  sendProblemDocument(res, problemDocument(status, code, detail), headers, close);
}

/** Ends `res` with `problem` as its problem+json body (a response already started is destroyed instead). */
export function sendProblemDocument(
  res: ServerResponse | Http2ServerResponse,
  problem: ProblemDocument,
  headers: Readonly<Record<string, string>> = {},
  close = false,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(problem);
  res.writeHead(problem.status, {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...(close ? { Connection: 'close' } : {}),
    ...headers,
  });
  res.end(body);
}
