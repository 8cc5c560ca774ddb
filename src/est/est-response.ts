import type { ServerResponse } from 'node:http';
import { ERROR_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';

/** RFC 7030 4.1.3 / 4.2.3: the media type of certificate answers, spelled as deployed clients match it. */
export const PKCS7_CERTS_ONLY = 'application/pkcs7-mime; smime-type=certs-only';

/**
 * Base64 in lines of 64 characters joined by CRLF, with nothing after the last line: the body
 * form RFC 7030 answers take (Content-Transfer-Encoding: base64), which strict clients split.
 */
export function base64Lines(der: Uint8Array): string {
  const text = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 64) lines.push(text.slice(i, i + 64));
  return lines.join('\r\n');
}

/**
 * Ends `res` with a whole answer: the given head with `Content-Length` always (EST clients do not
 * all read chunked answers), header names in the case RFC 7030's examples spell them.
 */
function send(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Length': String(bytes.length) });
  res.end(bytes);
}

/** 200 with certificates as base64 certs-only PKCS#7 (cacerts, simpleenroll, simplereenroll). */
export function sendCertsOnly(res: ServerResponse, pkcs7: Uint8Array): void {
  send(
    res,
    200,
    { 'Content-Type': PKCS7_CERTS_ONLY, 'Content-Transfer-Encoding': 'base64', 'Cache-Control': 'no-store' },
    base64Lines(pkcs7),
  );
}

/** 200 with CSR attributes (RFC 7030 4.5.2), or 204 with no body when there are none. */
export function sendCsrAttributes(res: ServerResponse, csrAttrs: Uint8Array | undefined): void {
  if (csrAttrs === undefined) {
    send(res, 204, {}, '');
    return;
  }
  send(res, 200, { 'Content-Type': 'application/csrattrs', 'Content-Transfer-Encoding': 'base64' }, base64Lines(csrAttrs));
}

/** 202: the enrollment waits for approval; the client retries the same request after `retryAfterSeconds` (RFC 7030 4.2.3). */
export function sendAccepted(res: ServerResponse, retryAfterSeconds: number, id: string): void {
  send(
    res,
    202,
    { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': String(retryAfterSeconds) },
    `enrollment ${id} waits for approval (symbolon ca approve ${id}); retry in ${retryAfterSeconds} seconds\n`,
  );
}

/**
 * RFC 7030 4.4.2: serverkeygen's answer, multipart/mixed with the private key (application/pkcs8)
 * and the certificate (certs-only PKCS#7), each base64.
 */
export function sendServerKey(res: ServerResponse, pkcs8: Uint8Array, pkcs7: Uint8Array, boundary: string): void {
  const body = [
    `--${boundary}`,
    'Content-Type: application/pkcs8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(pkcs8),
    `--${boundary}`,
    `Content-Type: ${PKCS7_CERTS_ONLY}`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(pkcs7),
    `--${boundary}--`,
  ].join('\r\n');
  send(res, 200, { 'Content-Type': `multipart/mixed; boundary=${boundary}`, 'Cache-Control': 'no-store' }, body);
}

/**
 * A refusal as EST clients show it: a short text body `CODE: what went wrong` (RFC 7030 4.2.3:
 * "the content... SHOULD be a text/plain human-readable error message"). A 401 carries the Basic
 * challenge (RFC 7030 3.2.3, RFC 7617).
 */
export function sendRefusal(res: ServerResponse, status: number, code: ErrorCode, detail: string | undefined, realm: string): void {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };
  if (status === 401) headers['WWW-Authenticate'] = `Basic realm="${realm}"`;
  send(res, status, headers, `${code}: ${detail ?? ERROR_CODES[code]}\n`);
}
