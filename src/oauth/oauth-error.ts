import type { ServerResponse } from 'node:http';
import { ERROR_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';

/** The Symbolon codes of the token and introspection endpoints, with the RFC 6749 5.2 (and RFC 8707) error and status of each. */
const OAUTH_ERRORS = {
  OAUTH_INVALID_REQUEST: { error: 'invalid_request', status: 400 },
  // RFC 6749 5.2: 401 is a MUST only when the client authenticated with an Authorization header; here TLS did.
  OAUTH_INVALID_CLIENT: { error: 'invalid_client', status: 400 },
  OAUTH_UNSUPPORTED_GRANT_TYPE: { error: 'unsupported_grant_type', status: 400 },
  OAUTH_INVALID_SCOPE: { error: 'invalid_scope', status: 400 },
  OAUTH_INVALID_TARGET: { error: 'invalid_target', status: 400 },
} as const satisfies Partial<Record<ErrorCode, { error: string; status: number }>>;

export type OAuthErrorCode = keyof typeof OAUTH_ERRORS;

/** RFC 6749 5.1 and 5.2: token answers are never cached. */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/** Ends `res` with JSON, not cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...NO_STORE, ...headers });
  res.end(text);
}

/**
 * Ends `res` with an RFC 6749 5.2 error: `{"error", "error_description"}` (the description is
 * the code's text from src/errors.ts, or `detail`; never an internal message). `status`
 * overrides the code's (413 for a body too large, 405 for a method).
 */
export function sendOAuthError(
  res: ServerResponse,
  code: OAuthErrorCode,
  detail?: string,
  options: { readonly status?: number; readonly headers?: Readonly<Record<string, string>> } = {},
): void {
  const entry = OAUTH_ERRORS[code];
  sendJson(res, options.status ?? entry.status, { error: entry.error, error_description: detail ?? ERROR_CODES[code] }, options.headers);
}
