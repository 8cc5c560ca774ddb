import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { SymbolonError } from '../errors.js';
import { parseCertsOnlyPkcs7 } from '../x509/index.js';

/** How an EST client reaches the CA: the EST base URL and the CA certificates its server must chain to. */
export interface EstEndpoint {
  /** `https://host:port/.well-known/est` (optionally with a label: `.../est/<profile>`). */
  readonly url: string;
  /** PEM of the trust anchors (and intermediates) the EST server's certificate must verify against. */
  readonly ca: string;
  /** Deadline of one request, connect to last byte. */
  readonly timeoutMs: number;
}

/** A TLS client credential: PEM key and certificate (the leaf first, then its chain). */
export interface TlsCredential {
  readonly keyPem: string;
  readonly certPem: string;
}

/** An enrollment token as `ca token create` prints it. */
export interface EnrollmentToken {
  readonly id: string;
  readonly secret: string;
}

/** Longest EST answer read: a certificate and its chain take a few KiB. */
const MAX_ANSWER_BYTES = 256 * 1024;

/** The code an EST refusal carried (`EST_TOKEN_INVALID`...), kept beside the error made for it. */
const refusalCodes = new WeakMap<SymbolonError, string>();

/** The EST server's own code of a `CLIENT_EST_REFUSED` error (`EST_REENROLL_CERTIFICATE_REVOKED`...), if it sent one. */
export function estRefusalCode(error: unknown): string | undefined {
  return error instanceof SymbolonError ? refusalCodes.get(error) : undefined;
}

/** The wait an EST answer asked for (Retry-After), in ms, kept beside the error made for it. */
const retryAfters = new WeakMap<SymbolonError, number>();

/** How long the EST server asked the client to wait before it asks again (RFC 7030 4.2.3: a 202's Retry-After), if it said. */
export function estRetryAfterMs(error: unknown): number | undefined {
  return error instanceof SymbolonError ? retryAfters.get(error) : undefined;
}

/** Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date; undefined when it is neither. */
function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** OpenSSL's verdicts on a server certificate that does not chain to the CA given. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

function transportError(error: NodeJS.ErrnoException, url: string): SymbolonError {
  const code = error.code ?? '';
  if (UNTRUSTED.has(code))
    return new SymbolonError('CLIENT_EST_UNTRUSTED', `${url}: the server's certificate does not verify against the CA given (${code})`);
  return new SymbolonError('CLIENT_EST_UNREACHABLE', `${url}: ${code === '' ? error.message : `${code} ${error.message}`}`);
}

function readAnswer(res: IncomingMessage, url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        res.destroy();
        reject(new SymbolonError('CLIENT_EST_RESPONSE_INVALID', `${url}: the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', (error) => reject(transportError(error, url)));
  });
}

/** A refusal's `CODE: reason` text (RFC 7030 4.2.3 text/plain), cut to one short line. */
function refusal(status: number, body: Buffer, url: string, retryAfter: string | undefined): SymbolonError {
  const text = body
    .toString('utf8', 0, Math.min(body.length, 1024))
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  const retryAfterMs = parseRetryAfter(retryAfter, Date.now());
  let error: SymbolonError;
  if (status === 202) {
    // The server's text names the enrollment (`symbolon ca approve <id>`); the wait is kept apart (estRetryAfterMs).
    error = new SymbolonError('CLIENT_EST_PENDING', `${url}: ${text.slice(0, 300) || 'the enrollment waits for approval'}`);
  } else {
    error = new SymbolonError('CLIENT_EST_REFUSED', `${url}: HTTP ${status}: ${text.slice(0, 300) || 'no reason given'}`);
    const code = /^([A-Z][A-Z0-9_]{2,63}):/.exec(text)?.[1];
    if (code !== undefined) refusalCodes.set(error, code);
  }
  if (retryAfterMs !== undefined) retryAfters.set(error, retryAfterMs);
  return error;
}

/**
 * One EST request (RFC 7030) over HTTPS on a new connection, the server checked against
 * `endpoint.ca`. Resolves with the certificates (DER) of a 200 certs-only answer. Throws
 * `CLIENT_EST_UNREACHABLE`, `CLIENT_EST_UNTRUSTED`, `CLIENT_EST_REFUSED`, `CLIENT_EST_PENDING` or
 * `CLIENT_EST_RESPONSE_INVALID`.
 */
function estRequest(
  endpoint: EstEndpoint,
  operation: 'cacerts' | 'simpleenroll' | 'simplereenroll',
  options: { readonly body?: Buffer; readonly authorization?: string; readonly credential?: TlsCredential },
): Promise<Buffer[]> {
  const url = `${endpoint.url.replace(/\/+$/, '')}/${operation}`;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) {
      headers['content-type'] = 'application/pkcs10';
      headers['content-transfer-encoding'] = 'base64';
    }
    if (options.authorization !== undefined) headers['authorization'] = options.authorization;
    const req = request(
      url,
      {
        method: options.body === undefined ? 'GET' : 'POST',
        headers,
        ca: endpoint.ca,
        ...(options.credential === undefined ? {} : { key: options.credential.keyPem, cert: options.credential.certPem }),
        agent: false,
        timeout: endpoint.timeoutMs,
      },
      (res) => {
        readAnswer(res, url).then((body) => {
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            const retryAfter = res.headers['retry-after'];
            return reject(refusal(status, body, url, typeof retryAfter === 'string' ? retryAfter : undefined));
          }
          try {
            resolve(parseCertsOnlyPkcs7(Buffer.from(body.toString('latin1').replace(/\s+/g, ''), 'base64')));
          } catch (error) {
            reject(
              new SymbolonError('CLIENT_EST_RESPONSE_INVALID', `${url}: ${error instanceof Error ? error.message : String(error)}`, {
                cause: error,
              }),
            );
          }
        }, reject);
      },
    );
    const deadline = setTimeout(
      () => req.destroy(Object.assign(new Error(`no answer within ${endpoint.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      endpoint.timeoutMs,
    );
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${endpoint.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => reject(transportError(error, url)));
    req.end(options.body === undefined ? undefined : options.body.toString('base64'));
  });
}

/** RFC 7030 4.1: the CA certificates the EST server distributes. */
export function fetchCaCertificates(endpoint: EstEndpoint): Promise<Buffer[]> {
  return estRequest(endpoint, 'cacerts', {});
}

/** RFC 7030 4.2.1: first enrollment, authenticated by an enrollment token (HTTP Basic, RFC 7030 3.2.3). */
export function simpleEnroll(endpoint: EstEndpoint, token: EnrollmentToken, csrDer: Buffer): Promise<Buffer[]> {
  const authorization = `Basic ${Buffer.from(`${token.id}:${token.secret}`).toString('base64')}`;
  return estRequest(endpoint, 'simpleenroll', { body: csrDer, authorization });
}

/** RFC 7030 4.2.2: re-enrollment, authenticated by the current certificate in the TLS handshake. */
export function simpleReenroll(endpoint: EstEndpoint, current: TlsCredential, csrDer: Buffer): Promise<Buffer[]> {
  return estRequest(endpoint, 'simplereenroll', { body: csrDer, credential: current });
}
