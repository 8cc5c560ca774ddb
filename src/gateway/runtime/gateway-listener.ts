import { createServer as createHttp2Server } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import { createServer as createTlsServer } from 'node:tls';
import type { SecureContextOptions, Server as TlsServer, TLSSocket } from 'node:tls';
import type { GatewayConfig } from '../gateway-config.js';
import { serveHttp1 } from '../http1/http1-connection.js';
import type { Http1Hooks } from '../http1/http1-connection.js';

/** Field lines a request head may carry over HTTP/1.1 (HTTP/2's limit is 256 pairs). */
const MAX_HEADER_FIELDS = 256;

export interface GatewayListenerOptions<Context> {
  readonly listener: GatewayConfig['listeners'][number];
  readonly limits: GatewayConfig['limits'];
  readonly secureContext: SecureContextOptions;
  readonly http1: Http1Hooks<Context>;
  readonly onHttp2Request: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  /** Every completed handshake, before any request: for metrics. */
  readonly onSecureConnection: (socket: TLSSocket) => void;
  readonly onHandshakeFailure: (error: NodeJS.ErrnoException) => void;
  /** The OCSP response to staple now, if any. */
  readonly staple: () => Buffer | undefined;
}

export interface GatewayListener {
  readonly tls: TlsServer;
  close(): Promise<void>;
}

/**
 * One listener: a TLS server that asks every client for a certificate and completes the
 * handshake whatever it gets (so a refusal can say why over HTTP; `socket.authorized` carries
 * OpenSSL's verdict), then hands the connection by ALPN to `node:http2`'s server or to the
 * HTTP/1.x relay (`http1/`), which costs about half of `node:http` plus undici per request.
 */
export function createGatewayListener<Context>(options: GatewayListenerOptions<Context>): GatewayListener {
  const { listener, limits } = options;
  const allowsHttp1 = listener.alpn.includes('http/1.1');
  const allowsHttp2 = listener.alpn.includes('h2');
  const http1Limits = { maxHeaderBytes: limits.maxHeaderBytes, maxHeaderFields: MAX_HEADER_FIELDS, headersTimeoutMs: limits.handshakeTimeoutMs + limits.idleTimeoutMs, idleTimeoutMs: limits.idleTimeoutMs, bufferedChunkedBodyBytes: limits.bufferedChunkedBodyBytes };
  const http1Sockets = new Set<TLSSocket>();

  const sessions = new Set<ServerHttp2Session>();
  const http2 = allowsHttp2
    ? createHttp2Server({ maxSessionMemory: 16, settings: { maxHeaderListSize: limits.maxHeaderBytes }, maxHeaderListPairs: MAX_HEADER_FIELDS }, options.onHttp2Request)
    : undefined;
  http2?.setTimeout(limits.idleTimeoutMs);
  http2?.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });

  const tls = createTlsServer(
    {
      ...options.secureContext,
      ALPNProtocols: [...listener.alpn],
      requestCert: true,
      rejectUnauthorized: false,
      handshakeTimeout: limits.handshakeTimeoutMs,
    },
    (socket) => {
      options.onSecureConnection(socket);
      if (socket.alpnProtocol === 'h2' && http2 !== undefined) http2.emit('connection', socket);
      else if (socket.alpnProtocol !== 'h2' && allowsHttp1) {
        http1Sockets.add(socket);
        socket.once('close', () => http1Sockets.delete(socket));
        serveHttp1(socket, http1Limits, options.http1);
      } else socket.destroy();
    },
  );
  tls.maxConnections = limits.maxConnections;
  tls.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    options.onHandshakeFailure(error);
    socket.destroy();
  });
  tls.on('OCSPRequest', (_certificate: Buffer, _issuer: Buffer, callback: (error: Error | null, response?: Buffer) => void) => callback(null, options.staple()));

  return {
    tls,
    close() {
      return new Promise((resolve) => {
        tls.close(() => resolve());
        for (const socket of http1Sockets) socket.destroy();
        for (const session of sessions) session.destroy();
        if (!tls.listening) resolve();
      });
    },
  };
}
