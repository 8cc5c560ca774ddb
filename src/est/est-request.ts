import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { SymbolonError } from '../errors.js';
import { readBody } from '../http/index.js';
import { OID, parseCsr } from '../x509/index.js';
import type { Csr } from '../x509/index.js';

/** Largest request body read: a base64 CSR with an RSA-8192 key and many names is far smaller. */
export const MAX_EST_BODY_BYTES = 64 * 1024;

/** Extensions a device may ask for; the profile decides their content. Anything else is refused. */
const ALLOWED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.subjectAltName,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectKeyIdentifier,
  OID.basicConstraints,
]);

/** Why a body was not read; the route answers each with its status. */
export type BodyRefusal = {
  readonly status: 413 | 400 | 415;
  readonly code: 'HTTP_BODY_TOO_LARGE' | 'EST_NOT_BASE64' | 'HTTP_UNSUPPORTED_MEDIA_TYPE';
  readonly detail: string;
};

/**
 * Reads a PKCS#10 request as RFC 7030 4.2.1 sends it: `application/pkcs10`, base64 (line breaks
 * allowed), plain or chunked, at most `maxBytes`, within `timeoutMs` (a client that stalls is cut
 * off). Resolves with the DER, a refusal, or undefined when the client went away.
 */
export async function readCsrBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer | BodyRefusal | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/pkcs10') {
    return {
      status: 415,
      code: 'HTTP_UNSUPPORTED_MEDIA_TYPE',
      detail: `EST requests are application/pkcs10 (base64), not "${type.slice(0, 64)}"`,
    };
  }
  const timer = setTimeout(() => req.socket.destroy(), timeoutMs);
  const read = await readBody(req, maxBytes).finally(() => clearTimeout(timer));
  if (!read.ok)
    return read.reason === 'too-large'
      ? { status: 413, code: 'HTTP_BODY_TOO_LARGE', detail: `the request is over ${maxBytes} bytes` }
      : undefined;
  // RFC 4648 base64; RFC 7030 bodies may be broken into lines (RFC 2045 6.8): whitespace is dropped, nothing else.
  const text = read.body.toString('latin1').replace(/[\r\n\t ]/g, '');
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    return {
      status: 400,
      code: 'EST_NOT_BASE64',
      detail:
        text.length === 0
          ? 'the request body is empty'
          : 'the request body is not base64 (a PEM file, or binary DER, is not what RFC 7030 sends)',
    };
  }
  return Buffer.from(text, 'base64');
}

/**
 * Parses and checks a CSR from an EST client: well formed, signed by its key (the caller checks
 * the key against the profile first, via `parseEstCsr` then `verifyCsr`), and asking for no
 * extension a client may not choose. Throws the x509 parse errors and `EST_CSR_EXTENSION_FORBIDDEN`.
 */
export function parseEstCsr(der: Buffer): Csr {
  const csr = parseCsr(der, { checkSignature: false });
  for (const extension of csr.extensions) {
    if (!ALLOWED_EXTENSIONS.has(extension.oid))
      throw new SymbolonError('EST_CSR_EXTENSION_FORBIDDEN', `the request asks for extension ${extension.oid}`);
  }
  if (csr.basicConstraints?.isCa === true)
    throw new SymbolonError('EST_CSR_EXTENSION_FORBIDDEN', 'the request asks to be a CA (basicConstraints cA)');
  return csr;
}

/**
 * RFC 7030 3.5 proof of possession linked to the channel: on TLS 1.2 the tls-unique value (RFC
 * 5929 3: the first Finished message of the handshake: the client's, or the server's when the
 * session was resumed), base64, is what a linking client puts in the CSR's challengePassword.
 * A CSR that carries a challengePassword on such a channel must carry exactly that. TLS 1.3 has
 * no tls-unique; there the password is not checked. Throws `EST_POP_MISMATCH`.
 */
export function checkChannelBinding(socket: TLSSocket, csr: Csr): void {
  if (csr.challengePassword === undefined) return;
  const channel = tlsUnique(socket);
  if (channel === undefined) return;
  if (csr.challengePassword !== channel.toString('base64')) {
    throw new SymbolonError('EST_POP_MISMATCH');
  }
}

/** The tls-unique value of a TLS 1.2 channel (see `checkChannelBinding`), undefined on TLS 1.3. */
export function tlsUnique(socket: TLSSocket): Buffer | undefined {
  if (socket.getProtocol() !== 'TLSv1.2') return undefined;
  return socket.isSessionReused() ? socket.getFinished() : socket.getPeerFinished();
}
