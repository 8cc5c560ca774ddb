import type { ServerResponse } from 'node:http';
import { ERROR_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';

/**
 * Ends `res` with an RFC 9457 problem+json body naming a Symbolon error code. `close` asks the
 * client to drop the connection (after a body too large to read, say).
 */
export function sendProblem(res: ServerResponse, status: number, code: ErrorCode, detail?: string, headers: Readonly<Record<string, string>> = {}, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type: `urn:symbolon:error:${code}`, title: ERROR_CODES[code], status, code, ...(detail === undefined ? {} : { detail }) });
  res.writeHead(status, {
    'Content-Type': 'application/problem+json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...(close ? { Connection: 'close' } : {}),
    ...headers,
  });
  res.end(body);
}
