import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import { createServer as createTlsServer } from 'node:tls';
import type { SecureContextOptions, Server as TlsServer, TLSSocket } from 'node:tls';
import type { GatewayConfig } from '../gateway-config.js';

export interface GatewayListenerOptions {
  readonly listener: GatewayConfig['listeners'][number];
  readonly limits: GatewayConfig['limits'];
  readonly secureContext: SecureContextOptions;
  readonly onRequest: (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;
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
 * OpenSSL's verdict), then hands the connection by ALPN to an HTTP/2 or an HTTP/1.1 server. Plain
 * `node:tls` plus the two HTTP servers costs a third less per handshake than `http2`'s secure
 * server with `allowHTTP1`, measured here (bench/gateway.ts).
 */
export function createGatewayListener(options: GatewayListenerOptions): GatewayListener {
  const { listener, limits } = options;
  const allowsHttp1 = listener.alpn.includes('http/1.1');
  const allowsHttp2 = listener.alpn.includes('h2');

  const http1 = createHttpServer({ maxHeaderSize: limits.maxHeaderBytes, requestTimeout: 0, headersTimeout: limits.handshakeTimeoutMs + limits.idleTimeoutMs, keepAliveTimeout: limits.idleTimeoutMs }, options.onRequest);
  // Keep-alive idle, and a connection that sends nothing at all.
  http1.timeout = limits.idleTimeoutMs;
  // This server never listens itself (connections come from the TLS server), but its headers
  // timeout (slow-header clients) is enforced by a checker `node:http` starts on 'listening'.
  http1.emit('listening');

  const sessions = new Set<ServerHttp2Session>();
  const http2 = allowsHttp2
    ? createHttp2Server({ maxSessionMemory: 16, settings: { maxHeaderListSize: limits.maxHeaderBytes }, maxHeaderListPairs: 256 }, options.onRequest)
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
      else if (socket.alpnProtocol !== 'h2' && allowsHttp1) http1.emit('connection', socket);
      else socket.destroy();
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
        http1.close();
        http1.closeAllConnections();
        for (const session of sessions) session.destroy();
        if (!tls.listening) resolve();
      });
    },
  };
}
