import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpDate, isNotModified, readBody, sendProblem } from '../http/index.js';
import { ocspErrorResponse } from '../x509/index.js';
import type { OcspAnswer, OcspResponder } from './ocsp-responder.js';

export interface OcspHttpOptions {
  /** Largest POST body read; larger ones get 413 without being read. */
  readonly maxBodyBytes: number;
  /** Cache-Control max-age ceiling for precomputed answers (never past their nextUpdate). */
  readonly maxAgeSeconds: number;
  readonly clock: () => Date;
}

/** RFC 5019 5: a GET request is the base64 of the DER, URL-encoded; 255 octets of DER is ~344 characters. */
const MAX_GET_PATH = 1024;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function send(req: IncomingMessage, res: ServerResponse, answer: OcspAnswer, clock: () => Date, maxAgeSeconds: number): void {
  const headers: Record<string, string | number> = { 'Content-Type': 'application/ocsp-response' };
  if (answer.cache !== undefined) {
    // RFC 5019 6.2: validators and a lifetime no longer than nextUpdate.
    const secondsLeft = Math.floor((answer.cache.nextUpdate.getTime() - clock().getTime()) / 1000);
    headers['Cache-Control'] = `max-age=${Math.max(0, Math.min(maxAgeSeconds, secondsLeft))}, public, no-transform, must-revalidate`;
    headers['Last-Modified'] = httpDate(answer.cache.thisUpdate);
    headers['Expires'] = httpDate(answer.cache.nextUpdate);
    headers['ETag'] = answer.cache.etag;
    if (req.method === 'GET' && isNotModified(req, answer.cache.etag, answer.cache.thisUpdate)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
  } else {
    headers['Cache-Control'] = 'no-store';
  }
  headers['Content-Length'] = answer.der.length;
  res.writeHead(200, headers);
  res.end(answer.der);
}

/**
 * The responder over HTTP (RFC 6960 appendix A, RFC 5019 5): `POST /ocsp` (or `/`) with an
 * `application/ocsp-request` body, and `GET /ocsp/<base64 DER, URL-encoded>`. Bad OCSP bytes get
 * an OCSP malformedRequest; bad HTTP gets 4xx: 415 for another content type, 413 for a body over
 * the cap, 414 for an absurdly long GET, 405 for other methods. Returns false for a path it does
 * not serve.
 */
export function createOcspHandler(responder: OcspResponder, options: OcspHttpOptions) {
  const { clock, maxAgeSeconds } = options;
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    const isRoot = path === '/';
    if (!isRoot && path !== '/ocsp' && !path.startsWith('/ocsp/')) return false;
    if (req.method === 'POST' && (isRoot || path === '/ocsp' || path === '/ocsp/')) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/ocsp-request') {
        sendProblem(res, 415, 'HTTP_UNSUPPORTED_MEDIA_TYPE', 'send the DER OCSPRequest as application/ocsp-request', { Accept: 'application/ocsp-request' });
        return true;
      }
      const body = await readBody(req, options.maxBodyBytes);
      if (!body.ok) {
        if (body.reason === 'too-large') sendProblem(res, 413, 'HTTP_BODY_TOO_LARGE', `an OCSP request is at most ${options.maxBodyBytes} bytes here`, {}, true);
        else res.destroy();
        return true;
      }
      send(req, res, await responder.answer(body.body), clock, maxAgeSeconds);
      return true;
    }
    if (isRoot) return false;
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendProblem(res, 405, 'HTTP_METHOD_NOT_ALLOWED', 'OCSP takes POST /ocsp or GET /ocsp/<base64 request>', { Allow: 'GET, POST' });
      return true;
    }
    if (req.method === 'POST') {
      sendProblem(res, 405, 'HTTP_METHOD_NOT_ALLOWED', 'POST to /ocsp; GET carries the request in the path', { Allow: 'GET' });
      return true;
    }
    const encoded = path.slice('/ocsp/'.length);
    if (encoded.length > MAX_GET_PATH) {
      sendProblem(res, 414, 'HTTP_URI_TOO_LONG', `a GET request is at most ${MAX_GET_PATH} characters of base64; POST larger ones`);
      return true;
    }
    let text: string;
    try {
      text = decodeURIComponent(encoded);
    } catch {
      text = '';
    }
    // RFC 5019 5: base64, then URL-encoded; some clients leave '/' and '+' as they are, some use base64url.
    const request = BASE64.test(text) ? Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : Buffer.alloc(0);
    const answer = request.length === 0 ? { status: 'malformedRequest' as const, der: ocspErrorResponse('malformedRequest') } : await responder.answer(request);
    send(req, res, answer, clock, maxAgeSeconds);
    return true;
  };
}
