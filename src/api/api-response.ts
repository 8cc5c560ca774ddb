import type { ServerResponse } from 'node:http';
import { isSymbolonError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { sendProblem } from '../http/index.js';

/** Sends `body` as JSON, never cached (it carries the CA's records). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** Errors of the caller's input: 400. */
const BAD_REQUEST_PREFIXES = ['ASN1_', 'PEM_', 'CSR_', 'CERT_', 'KEY_', 'SIG_', 'CA_KEY_', 'CA_NAME_', 'CA_SUBJECT_', 'CA_LIFETIME_'];
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  API_QUERY_INVALID: 400,
  API_BODY_INVALID: 400,
  USAGE: 400,
  CA_PROFILE_UNKNOWN: 400,
  CA_REVOCATION_REASON_UNKNOWN: 400,
  EST_LABEL_UNKNOWN: 400,
  NAME_GLOB_INVALID: 400,
  OAUTH_CLIENT_INVALID: 400,
  CA_CERT_NOT_FOUND: 404,
  STORE_TOKEN_NOT_FOUND: 404,
  STORE_ENROLLMENT_NOT_FOUND: 404,
  STORE_OAUTH_CLIENT_NOT_FOUND: 404,
  CA_CERT_AMBIGUOUS: 409,
  CA_CERT_REVOKED: 409,
  STORE_ALREADY_REVOKED: 409,
  STORE_TOKEN_ALREADY_REVOKED: 409,
  STORE_ENROLLMENT_DECIDED: 409,
  STORE_OAUTH_CLIENT_EXISTS: 409,
  API_ISSUANCE_UNAVAILABLE: 503,
  HTTP_BODY_TOO_LARGE: 413,
  HTTP_UNSUPPORTED_MEDIA_TYPE: 415,
};

/** The HTTP status of a refusal the API answers as a problem; undefined for a fault (500). */
export function refusalStatus(error: unknown): number | undefined {
  if (!isSymbolonError(error)) return undefined;
  const status = STATUS_BY_CODE[error.code];
  if (status !== undefined) return status;
  return BAD_REQUEST_PREFIXES.some((prefix) => error.code.startsWith(prefix)) ? 400 : undefined;
}

/** Answers an error: a refusal as its problem with the error's message, anything else as 500 (told to `onError`). */
export function sendError(res: ServerResponse, error: unknown, onError: (error: unknown) => void): void {
  const status = refusalStatus(error);
  // A body too large was left unread: the connection closes after the answer.
  if (status !== undefined && isSymbolonError(error)) return sendProblem(res, status, error.code, error.message, {}, status === 413);
  onError(error);
  sendProblem(res, 500, 'HTTP_INTERNAL_ERROR');
}
