import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { ERROR_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { httpDateNow } from './conditional-request.js';

/** An RFC 9457 problem+json body naming a Symbolon error code, for servers that write their own heads. */
function problemBody(status: number, code: ErrorCode, detail?: string): string {
  return JSON.stringify({ type: `urn:symbolon:error:${code}`, title: ERROR_CODES[code], status, code, ...(detail === undefined ? {} : { detail }) });
}

/**
 * A whole HTTP/1.1 answer with a problem body that closes the connection, for servers that write
 * their own heads and have no request state left to trust (a fault, a head too large to parse).
 */
export function closingProblemMessage(status: number, code: ErrorCode): string {
  const body = problemBody(status, code);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\ndate: ${httpDateNow()}\r\n\r\n${body}`;
}

/** The 500 answer of `closingProblemMessage`. */
export function internalErrorMessage(): string {
  return closingProblemMessage(500, 'HTTP_INTERNAL_ERROR');
}

/**
 * Ends `res` with an RFC 9457 problem+json body naming a Symbolon error code. `close` asks the
 * client to drop the connection (after a body too large to read, say).
 */
export function sendProblem(res: ServerResponse | Http2ServerResponse, status: number, code: ErrorCode, detail?: string, headers: Readonly<Record<string, string>> = {}, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = problemBody(status, code, detail);
  res.writeHead(status, {
    'Content-Type': 'application/problem+json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...(close ? { Connection: 'close' } : {}),
    ...headers,
  });
  res.end(body);
}
