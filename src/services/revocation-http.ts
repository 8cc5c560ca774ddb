import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_ISSUER_ID } from '../ca/index.js';
import type { DataDir } from '../ca/index.js';
import { createCrlHandler, createRootCrlFile } from '../crl/index.js';
import type { CrlPublisher } from '../crl/index.js';
import { errorCodeOf } from '../errors.js';
import { closeServer, closingProblemMessage, createFastPathServer, hostPort, listen, sendProblem } from '../http/index.js';
import type { ListenAddress } from '../http/index.js';
import { createOcspFastPath, createOcspHandler } from '../ocsp/index.js';
import type { OcspResponder } from '../ocsp/index.js';
import type { Closers } from './closers.js';
import type { UpHealth } from './up-health.js';

export interface RevocationHttpOptions {
  readonly listen: ListenAddress;
  readonly dataDir: DataDir;
  readonly responder: OcspResponder;
  readonly publisher: CrlPublisher;
  readonly health: UpHealth;
  readonly crlMaxAgeSeconds: number;
  readonly ocspMaxAgeSeconds: number;
  readonly maxOcspRequestBytes: number;
  readonly clock: () => Date;
  readonly onError: (error: unknown) => void;
  readonly closers: Closers;
}

/** The longest request target served: an OCSP GET of the largest request, base64 and escaped, fits well within it. */
const MAX_TARGET_LENGTH = 4096;

/**
 * The plain-HTTP server relying parties fetch revocation from (RFC 5280 CRL distribution points,
 * RFC 6960/5019 OCSP, caIssuers certificates) and monitoring reads (/healthz, /metrics). OCSP
 * POSTs, the bulk of the traffic, are answered without node:http. Resolves with its
 * `http://host:port`; throws `HTTP_LISTEN_FAILED`.
 */
export async function startRevocationHttp(options: RevocationHttpOptions): Promise<string> {
  const { dataDir, health, clock, onError } = options;
  const rootCrl = createRootCrlFile(dataDir, onError);
  const crlHandler = createCrlHandler(options.publisher, {
    maxAgeSeconds: options.crlMaxAgeSeconds,
    clock,
    published: { [ROOT_ISSUER_ID]: () => rootCrl.current() },
  });
  const ocspHttp = { maxBodyBytes: options.maxOcspRequestBytes, maxAgeSeconds: options.ocspMaxAgeSeconds, clock };
  const ocspHandler = createOcspHandler(options.responder, ocspHttp);
  const caCertificates = new Map(dataDir.issuers.map((issuer) => [`/ca/${issuer.id}.crt`, issuer.certificate]));
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    if (url.length > MAX_TARGET_LENGTH) return sendProblem(res, 414, 'HTTP_URI_TOO_LONG');
    const [path = '/'] = url.split('?');
    if (await ocspHandler(req, res, path)) return;
    if ((req.method === 'GET' || req.method === 'HEAD') && (await health.handle(req, res, path))) return;
    if (await crlHandler(req, res, path)) return;
    const certificate = caCertificates.get(path);
    if (certificate !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      // RFC 5280 4.2.2.1: caIssuers over HTTP is a DER certificate, application/pkix-cert.
      res.writeHead(200, {
        'Content-Type': 'application/pkix-cert',
        'Content-Length': certificate.length,
        'Cache-Control': 'public, max-age=86400',
      });
      res.end(req.method === 'HEAD' ? undefined : certificate);
      return;
    }
    sendProblem(
      res,
      404,
      'HTTP_NOT_FOUND',
      'this server answers /ocsp, /crl/<issuer>.crl, /crl/<issuer>-delta.crl, /ca/<issuer>.crt, /healthz and /metrics',
    );
  };
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      onError(error);
      sendProblem(res, 500, 'HTTP_INTERNAL_ERROR');
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.on('clientError', (error: Error & { rawPacket?: Buffer }, socket) => {
    // A head past node:http's 16 KiB limit gets an answer, as a shorter long target does: 414
    // when the request line alone is longer than any target this server serves, else 431.
    if (errorCodeOf(error) === 'HPE_HEADER_OVERFLOW' && socket.writable) {
      const packet = error.rawPacket;
      const lineEnd = packet === undefined ? -1 : packet.indexOf('\r\n');
      const isLongTarget = lineEnd < 0 || lineEnd > MAX_TARGET_LENGTH;
      socket.end(closingProblemMessage(isLongTarget ? 414 : 431, isLongTarget ? 'HTTP_URI_TOO_LONG' : 'HTTP_HEADERS_TOO_LARGE'), 'latin1');
      return;
    }
    socket.destroy();
  });
  const front = createFastPathServer({
    fastPath: createOcspFastPath(options.responder, ocspHttp),
    fallback: server,
    maxHeaderBytes: 16 * 1024,
    maxBodyBytes: options.maxOcspRequestBytes,
    requestTimeoutMs: server.requestTimeout,
    idleTimeoutMs: server.keepAliveTimeout,
    onError,
  });
  const bound = await listen(front, options.listen);
  options.closers.add(() => closeServer(front));
  return `http://${hostPort(bound)}`;
}
