import { createServer as createHttp2Server } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { SecureContextOptions, Server as TlsServer, TLSSocket } from 'node:tls';
import type { GatewayConfig } from '../gateway-config.js';
import { serveHttp1 } from '../http1/http1-connection.js';
import type { Http1Hooks } from '../http1/http1-connection.js';
import type { RejectionReason } from '../rejection.js';
import { reasonOfOpenSslError } from './client-verifier.js';
import type { ClientHelloQueue } from './client-hello-queue.js';
import type { ConnectionBudget } from './connection-budget.js';

/** Field lines a request head may carry over HTTP/1.1 (HTTP/2's limit is 256 pairs). */
const MAX_HEADER_FIELDS = 256;

/** A handshake the gateway refused because of the client certificate (or its absence). */
export interface HandshakeRefusal {
  readonly reason: RejectionReason;
  /** OpenSSL's verify code, or what was missing. */
  readonly detail: string;
  readonly remoteAddress: string | undefined;
}

export interface GatewayListenerOptions<Context> {
  readonly listener: GatewayConfig['listeners'][number];
  readonly limits: GatewayConfig['limits'];
  readonly secureContext: SecureContextOptions;
  /** Whether a handshake without a client certificate is refused (no route takes a client without one). */
  readonly requiresCertificate: boolean;
  /** Shared by every listener of the gateway: `maxConnections` at a time handed to the TLS layer. */
  readonly budget: ConnectionBudget<Socket>;
  /** Shared too: the connections not yet handed to the TLS layer (no ClientHello yet, or one waiting its turn), `maxWaitingConnections` at a time. */
  readonly waiting: ConnectionBudget<Socket>;
  /** Shared too: which complete ClientHello the TLS layer answers next. */
  readonly helloQueue: ClientHelloQueue;
  readonly http1: Http1Hooks<Context>;
  readonly onHttp2Request: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  /** Every handshake that completed and was kept, before any request: for metrics. */
  readonly onSecureConnection: (socket: TLSSocket) => void;
  /** A handshake refused for its client certificate (none, or a chain OpenSSL did not verify). */
  readonly onHandshakeRefused: (refusal: HandshakeRefusal) => void;
  /** A complete ClientHello left unanswered in a flood: it waited too long for its turn. */
  readonly onParked: () => void;
  /** A handshake that failed for another reason (timeout, reset, TLS error). */
  readonly onHandshakeFailure: (error: NodeJS.ErrnoException) => void;
  /** The OCSP response to staple now, if any. */
  readonly staple: () => Buffer | undefined;
}

export interface GatewayListener {
  /** The accept loop: what listens. */
  readonly server: NetServer;
  /** The TLS layer the accepted connections are handed to (its secure context is swapped on reload). */
  readonly tls: TlsServer;
  /** From the next handshake on: refuse handshakes without a client certificate, or complete them. */
  setRequiresCertificate(requiresCertificate: boolean): void;
  close(): Promise<void>;
}

/** A connection whose ClientHello waits its turn is closed after this many handshake timeouts. */
const WAITING_TIMEOUT_FACTOR = 6;

/** `node:tls` reports a missing client certificate (SSL_VERIFY_FAIL_IF_NO_PEER_CERT) with this code. */
const NO_PEER_CERTIFICATE = 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE';

/**
 * One listener. Its accept loop (a plain TCP server) takes every connection the kernel queued,
 * at once, into the pool of waiting connections (which evicts its oldest when full) until its
 * ClientHello is complete and its turn comes in the ClientHello queue; then the connection enters
 * the gateway's connection budget (which evicts the oldest unfinished handshake when full) and the
 * TLS layer takes it. The TLS layer asks every client for a certificate; a chain OpenSSL cannot
 * verify against the trust bundles is refused at the end of the handshake (without alert: see
 * 'keylog' below), and so is a handshake without certificate when `requiresCertificate` (OpenSSL
 * then sends the alert: TLS 1.3 `certificate_required`, TLS 1.2 `handshake_failure`). The
 * connection then goes by ALPN to `node:http2`'s server or to the HTTP/1.x relay (`http1/`), which
 * costs about half of `node:http` plus undici per request.
 */
export function createGatewayListener<Context>(options: GatewayListenerOptions<Context>): GatewayListener {
  const { listener, limits, budget, waiting } = options;
  const allowsHttp1 = listener.alpn.includes('http/1.1');
  const allowsHttp2 = listener.alpn.includes('h2');
  const http1Limits = {
    maxHeaderBytes: limits.maxHeaderBytes,
    maxHeaderFields: MAX_HEADER_FIELDS,
    headersTimeoutMs: limits.handshakeTimeoutMs + limits.idleTimeoutMs,
    idleTimeoutMs: limits.idleTimeoutMs,
    bufferedChunkedBodyBytes: limits.bufferedChunkedBodyBytes,
  };
  /** Accepted TCP connections by peer address and port: how a TLS socket finds the connection it runs on. */
  const connections = new Map<string, Socket>();

  const sessions = new Set<ServerHttp2Session>();
  const http2 = allowsHttp2
    ? createHttp2Server(
        { maxSessionMemory: 16, settings: { maxHeaderListSize: limits.maxHeaderBytes }, maxHeaderListPairs: MAX_HEADER_FIELDS },
        options.onHttp2Request,
      )
    : undefined;
  http2?.setTimeout(limits.idleTimeoutMs);
  /** The session node:http2 made for the connection it was handed last (it says so synchronously). */
  let newestSession: ServerHttp2Session | undefined;
  http2?.on('session', (session: ServerHttp2Session) => {
    newestSession = session;
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const serveHttp2 = (server: NonNullable<typeof http2>, socket: TLSSocket): void => {
    // RFC 8446 6.1 and RFC 9293: the client's close_notify or FIN ends what it sends, not what it
    // reads. HTTP/2 has no half-close of its own, so the streams it opened are answered, and the
    // session then closes (GOAWAY; no new stream can come anyway).
    socket.allowHalfOpen = true;
    newestSession = undefined;
    server.emit('connection', socket);
    const session = newestSession as ServerHttp2Session | undefined;
    socket.once('end', () => session?.close());
  };

  const refuse = (socket: TLSSocket, reason: RejectionReason, detail: string): void => {
    options.onHandshakeRefused({ reason, detail, remoteAddress: socket.remoteAddress });
    closeLingering(socket);
  };
  let requiresCertificate = options.requiresCertificate;

  const tls = createTlsServer(
    {
      ...options.secureContext,
      ALPNProtocols: [...listener.alpn],
      requestCert: true,
      // true: OpenSSL refuses a handshake without certificate, and node:tls closes one whose chain did not verify.
      rejectUnauthorized: options.requiresCertificate,
      handshakeTimeout: limits.handshakeTimeoutMs,
    },
    (socket) => {
      if (!socket.authorized) {
        // A certificate was sent and OpenSSL did not verify it: no route takes it, even where one is optional.
        const error = socket.authorizationError;
        if (error !== null && error !== undefined && socket.getPeerCertificate().raw !== undefined)
          return refuse(socket, reasonOfOpenSslError(String(error)), `OpenSSL: ${String(error)}`);
        // OpenSSL refuses a handshake without certificate itself then; should one get here, it is refused all the same.
        if (requiresCertificate) return refuse(socket, 'no_certificate', 'no client certificate');
      }
      // Refused ones above stay evictable while they linger.
      const key = peerKey(socket.remoteAddress, socket.remotePort);
      const connection = key === undefined ? undefined : connections.get(key);
      if (connection !== undefined) budget.handshakeDone(connection);
      options.onSecureConnection(socket);
      if (socket.alpnProtocol === 'h2' && http2 !== undefined) serveHttp2(http2, socket);
      else if (socket.alpnProtocol !== 'h2' && allowsHttp1) serveHttp1(socket, http1Limits, options.http1);
      else socket.destroy();
    },
  );
  // TLS 1.3: the client's certificate comes after the server's Finished, so a handshake whose chain
  // OpenSSL did not verify has completed for the client before the verdict, and node:tls cannot
  // refuse it with an alert: its verify callback (VerifyCallback, src/crypto/crypto_util.cc) always
  // returns 1 and leaves the verdict to JavaScript after the handshake, where rejectUnauthorized
  // makes onServerSocketSecure (lib/_tls_wrap.js) destroy the socket: no close_notify, and a reset
  // if the client's request is already there. So for TLS 1.3 the refusal is ours, in the handler
  // above: close_notify, then a lingering close. 'keylog' is the one server event that hands over
  // the TLS socket during its handshake, before that verdict; `_rejectUnauthorized` is the field
  // onServerSocketSecure reads (OpenSSL's verify mode, which refuses a handshake without
  // certificate, was set from the option when the socket was made and stays). Should node:tls
  // rename the field, its own destroy comes back: the refusal stays, only less clean. TLS 1.2
  // keeps node:tls's destroy: there the server's Finished is not out yet, and the client sees its
  // handshake fail.
  tls.on('keylog', (_line: Buffer, socket: TLSSocket) => {
    if (socket.getProtocol() === 'TLSv1.3') (socket as TLSSocket & { _rejectUnauthorized: boolean })._rejectUnauthorized = false;
  });
  tls.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    // node:tls closed a TLS 1.2 handshake whose chain did not verify (rejectUnauthorized) and says why here.
    const verifyError = socket.authorizationError;
    if (verifyError !== null && verifyError !== undefined)
      options.onHandshakeRefused({
        reason: reasonOfOpenSslError(String(verifyError)),
        detail: `OpenSSL: ${String(verifyError)}`,
        remoteAddress: undefined,
      });
    else if (error.code === NO_PEER_CERTIFICATE)
      options.onHandshakeRefused({ reason: 'no_certificate', detail: 'no client certificate', remoteAddress: socket.remoteAddress });
    else options.onHandshakeFailure(error);
    socket.destroy();
  });
  tls.on('OCSPRequest', (_certificate: Buffer, _issuer: Buffer, callback: (error: Error | null, response?: Buffer) => void) =>
    callback(null, options.staple()),
  );

  const server = createNetServer((connection) => {
    const key = peerKey(connection.remoteAddress, connection.remotePort);
    // Closed again before it was accepted: nothing to serve.
    if (key === undefined) return void connection.destroy();
    // Until its ClientHello is answered, a connection costs a TCP socket and its bytes so far: it
    // waits in the larger, cheap pool, which evicts its oldest when full.
    waiting.admit(connection, performance.now());
    connections.set(key, connection);
    // Errors surface on the TLS socket that runs over it.
    connection.on('error', () => undefined);
    connection.once('close', () => {
      waiting.closed(connection);
      budget.closed(connection);
      if (connections.get(key) === connection) connections.delete(key);
    });
    // It has the handshake timeout for its first record (reset by each byte); the TLS layer's own
    // timer starts when the TLS layer takes it.
    connection.setTimeout(limits.handshakeTimeoutMs, () => {
      options.onHandshakeFailure(
        Object.assign(new Error('no answered ClientHello within the handshake timeout'), { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }),
      );
      connection.destroy();
    });
    let received: Buffer | undefined;
    /** Hands the connection, with its complete first record, to the TLS layer. */
    const startTls = (firstRecord: Buffer): void => {
      waiting.closed(connection);
      if (!budget.admit(connection, performance.now())) return;
      connection.setTimeout(0);
      connection.unshift(firstRecord);
      // node:tls replays the bytes read so far.
      tls.emit('connection', connection);
    };
    const onData = (chunk: Buffer): void => {
      const sofar = received === undefined ? chunk : Buffer.concat([received, chunk]);
      received = sofar;
      if (!isFirstRecordComplete(sofar)) return;
      connection.off('data', onData);
      connection.pause();
      // Waiting its turn, it keeps its socket for longer: closed, a hostile connection would come
      // back at once as a fresh ClientHello; a good client gives up on its own before.
      connection.setTimeout(limits.handshakeTimeoutMs * WAITING_TIMEOUT_FACTOR);
      options.helloQueue.push({ start: () => startTls(sofar), park: () => options.onParked(), isClosed: () => connection.destroyed });
    };
    connection.on('data', onData);
  });

  return {
    server,
    tls,
    setRequiresCertificate(isRequired) {
      requiresCertificate = isRequired;
      // node:tls reads it from the server for each new connection (a field its types leave out).
      (tls as TlsServer & { rejectUnauthorized: boolean }).rejectUnauthorized = isRequired;
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
        for (const connection of connections.values()) connection.destroy();
        if (!server.listening) resolve();
      });
    },
  };
}

/** How long a refused connection's bytes are still read (and dropped) after close_notify before it is closed. */
const LINGER_MS = 2000;

/**
 * Ends a connection the gateway refused: close_notify, then a lingering close (RFC 9112 9.6): what
 * the client sent (a request right after its Finished, say) is read and dropped until it closes
 * too or `LINGER_MS` pass. Closed at once, with its bytes unread, the connection would end in a
 * reset, and a reset can make the client's kernel drop the close_notify unread.
 */
function closeLingering(socket: TLSSocket): void {
  socket.on('error', () => undefined);
  socket.resume();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** RFC 8446 5.1: a record header is its type (22: handshake), version and length; its body at most 2^14 bytes (plus expansion). */
const RECORD_HEADER_BYTES = 5;
const HANDSHAKE_RECORD = 22;
const MAX_RECORD_BYTES = 16_384 + 2048;

/** Whether `bytes` hold the whole first TLS record, or cannot be the start of a ClientHello (TLS refuses it then). */
export function isFirstRecordComplete(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  if (bytes[0] !== HANDSHAKE_RECORD) return true;
  if (bytes.length < RECORD_HEADER_BYTES) return false;
  const length = bytes.readUInt16BE(3);
  return length > MAX_RECORD_BYTES || bytes.length >= RECORD_HEADER_BYTES + length;
}

function peerKey(address: string | undefined, port: number | undefined): string | undefined {
  return address === undefined || port === undefined ? undefined : `${address}|${port}`;
}
