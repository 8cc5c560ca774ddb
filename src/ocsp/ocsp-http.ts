import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpDate, isNotModified, readBody, sendProblem } from '../http/index.js';
import type { FastPath } from '../http/index.js';
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

/** The fields of an answer (RFC 5019 6.2: validators and a lifetime no longer than nextUpdate), without Content-Length. */
function answerFields(answer: OcspAnswer, clock: () => Date, maxAgeSeconds: number): [string, string][] {
  if (answer.cache === undefined)
    return [
      ['Content-Type', 'application/ocsp-response'],
      ['Cache-Control', 'no-store'],
    ];
  const secondsLeft = Math.floor((answer.cache.nextUpdate.getTime() - clock().getTime()) / 1000);
  return [
    ['Content-Type', 'application/ocsp-response'],
    ['Cache-Control', `max-age=${Math.max(0, Math.min(maxAgeSeconds, secondsLeft))}, public, no-transform, must-revalidate`],
    ['Last-Modified', httpDate(answer.cache.thisUpdate)],
    ['Expires', httpDate(answer.cache.nextUpdate)],
    ['ETag', answer.cache.etag],
  ];
}

function send(req: IncomingMessage, res: ServerResponse, answer: OcspAnswer, clock: () => Date, maxAgeSeconds: number): void {
  const headers: Record<string, string | number> = Object.fromEntries(answerFields(answer, clock, maxAgeSeconds));
  if (answer.cache !== undefined && req.method === 'GET' && isNotModified(req, answer.cache.etag, answer.cache.thisUpdate)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers['Content-Length'] = answer.der.length;
  res.writeHead(200, headers);
  res.end(answer.der);
}

function isOcspPostPath(path: string): boolean {
  return path === '/' || path === '/ocsp' || path === '/ocsp/';
}

const OCSP_REQUEST_TYPE = 'application/ocsp-request';

/**
 * The common case without `node:http` (for `createFastPathServer`): a POST of an
 * `application/ocsp-request` body with a Content-Length within the cap. Everything else (GET, other
 * types, chunked or oversize bodies) is left to `createOcspHandler` on the fallback server.
 */
export function createOcspFastPath(responder: OcspResponder, options: OcspHttpOptions): FastPath {
  return {
    claims(head) {
      if (head.method !== 'POST') return false;
      const query = head.target.indexOf('?');
      if (!isOcspPostPath(query < 0 ? head.target : head.target.slice(0, query))) return false;
      const fields = head.fields;
      let type: string | undefined;
      for (let i = 0; i < fields.length; i += 2) {
        if (fields[i]!.length !== 12 || fields[i]!.toLowerCase() !== 'content-type') continue;
        // Two Content-Type fields are the fallback's to judge.
        if (type !== undefined) return false;
        type = fields[i + 1]!;
      }
      return type !== undefined && type.split(';')[0]!.trim().toLowerCase() === OCSP_REQUEST_TYPE;
    },
    async serve(_head, body) {
      const answer = await responder.answer(body);
      return { status: 200, fields: answerFields(answer, options.clock, options.maxAgeSeconds), body: answer.der };
    },
  };
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
    if (req.method === 'POST' && isOcspPostPath(path)) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== OCSP_REQUEST_TYPE) {
        sendProblem(res, 415, 'HTTP_UNSUPPORTED_MEDIA_TYPE', 'send the DER OCSPRequest as application/ocsp-request', {
          Accept: 'application/ocsp-request',
        });
        return true;
      }
      const body = await readBody(req, options.maxBodyBytes);
      if (!body.ok) {
        if (body.reason === 'too-large')
          sendProblem(res, 413, 'HTTP_BODY_TOO_LARGE', `an OCSP request is at most ${options.maxBodyBytes} bytes here`, {}, true);
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
    const answer =
      request.length === 0
        ? { status: 'malformedRequest' as const, der: ocspErrorResponse('malformedRequest') }
        : await responder.answer(request);
    send(req, res, answer, clock, maxAgeSeconds);
    return true;
  };
}
