import { SymbolonError } from '../../errors.js';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** Whoever holds an upstream connection gets its bytes, its end and its failure. */
export interface UpstreamUser {
  /**
   * Bytes from the upstream, valid only during the call: the pool reads plain-TCP upstreams into
   * one buffer it reuses (no stream machinery per read), so what is kept or written later is copied.
   */
  onUpstreamData(chunk: Buffer): void;
  /** The upstream closed its side (or the connection) without an error. */
  onUpstreamEnd(): void;
  onUpstreamError(error: Error): void;
}

export interface UpstreamPoolOptions {
  /** `http://host:port` or `https://host:port` (the path is the caller's). */
  readonly origin: URL;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  /** How long an idle connection is kept: below the usual server keep-alive timeouts (Node's is 5 s). */
  readonly idleTimeoutMs?: number;
  /** For https upstreams: CA certificates (PEM; default the system's), client identity for mTLS, server name. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly serverName?: string };
}

/** One connection to the upstream, handed to one exchange at a time. */
export class UpstreamConnection {
  user: UpstreamUser | undefined;
  /** Exchanges completed on it: a reused connection may have been closed by the upstream while idle. */
  served = 0;
  idleUntil = 0;
  isClosed = false;

  constructor(readonly socket: Socket) {}
}

export type AcquireCallback = (error: Error | undefined, connection: UpstreamConnection | undefined) => void;

const DEFAULT_IDLE_MS = 4000;
const SWEEP_MS = 1000;
/** The pool's read buffer for plain-TCP upstreams: every read is handed on before the next begins. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Keep-alive connections to one upstream, at most `maxConnections` at once; requests beyond wait
 * in order. Idle connections are reused newest first and closed after the idle timeout (or the
 * upstream's own `Keep-Alive: timeout` less a second), so that a request is rarely written to a
 * connection the upstream is closing.
 */
export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  private readonly waiting: AcquireCallback[] = [];
  private open = 0;
  private isClosing = false;
  private readonly idleMs: number;
  private sweeper: NodeJS.Timeout | undefined;
  private readBuffer: Buffer | undefined;

  constructor(private readonly options: UpstreamPoolOptions) {
    this.idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
  }

  /** A connection for `user`: an idle one unless `fresh`, else a new one, else the next released. */
  acquire(user: UpstreamUser, callback: AcquireCallback, fresh = false): void {
    if (this.isClosing) return callback(new Error('the upstream pool is closed'), undefined);
    const now = Date.now();
    for (let connection = fresh ? undefined : this.idle.pop(); connection !== undefined; connection = this.idle.pop()) {
      if (connection.isClosed) continue;
      if (connection.idleUntil <= now) {
        this.destroy(connection);
        continue;
      }
      connection.user = user;
      return callback(undefined, connection);
    }
    const oldestIdle = fresh && this.open >= this.options.maxConnections ? this.idle.shift() : undefined;
    if (oldestIdle !== undefined) this.destroy(oldestIdle);
    if (this.open < this.options.maxConnections) return this.connect(user, callback);
    this.waiting.push((error, connection) => {
      if (connection !== undefined) connection.user = user;
      callback(error, connection);
    });
  }

  /** Back to the pool after a complete exchange; `keepAliveMs` is the upstream's own idle limit when it named one. */
  release(connection: UpstreamConnection, keepAliveMs?: number): void {
    connection.user = undefined;
    connection.served++;
    if (connection.isClosed) return;
    if (this.isClosing) return this.destroy(connection);
    const next = this.waiting.shift();
    if (next !== undefined) return next(undefined, connection);
    const limit = keepAliveMs === undefined ? this.idleMs : Math.min(this.idleMs, keepAliveMs - 1000);
    if (limit <= 0) return this.destroy(connection);
    connection.idleUntil = Date.now() + limit;
    this.idle.push(connection);
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  /** Closes a connection that cannot be reused (framing unclear, an error, the exchange abandoned). */
  discard(connection: UpstreamConnection): void {
    connection.user = undefined;
    this.destroy(connection);
  }

  /** Closes idle connections now and the others as their exchanges end. */
  close(): Promise<void> {
    this.isClosing = true;
    for (const connection of this.idle.splice(0)) this.destroy(connection);
    for (const waiter of this.waiting.splice(0)) waiter(new Error('the upstream pool is closed'), undefined);
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    return Promise.resolve();
  }

  private sweep(): void {
    const now = Date.now();
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const connection = this.idle[i]!;
      if (connection.isClosed || connection.idleUntil <= now) {
        this.idle.splice(i, 1);
        this.destroy(connection);
      }
    }
    if (this.idle.length === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private destroy(connection: UpstreamConnection): void {
    if (!connection.isClosed) connection.socket.destroy();
    this.closed(connection);
  }

  /** Counts a connection out once, and lets the next waiter open one. */
  private closed(connection: UpstreamConnection): void {
    if (connection.isClosed) return;
    connection.isClosed = true;
    this.open--;
    const waiter = this.waiting.shift();
    if (waiter !== undefined) {
      if (this.isClosing) waiter(new Error('the upstream pool is closed'), undefined);
      else this.connect(undefined, waiter);
    }
  }

  private connect(user: UpstreamUser | undefined, callback: AcquireCallback): void {
    const { origin, tls } = this.options;
    const host = origin.hostname.startsWith('[') ? origin.hostname.slice(1, -1) : origin.hostname;
    const isTls = origin.protocol === 'https:';
    const port = Number(origin.port || (isTls ? 443 : 80));
    this.open++;
    const socket = isTls
      ? connectTls({
          host,
          port,
          ALPNProtocols: ['http/1.1'],
          ...(tls?.serverName === undefined ? {} : { servername: tls.serverName }),
          ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
          ...(tls?.cert === undefined ? {} : { cert: tls.cert, key: tls.key }),
        })
      : connectTcp({
          host,
          port,
          onread: {
            buffer: (this.readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES)),
            callback: (length, buffer) => onRead(length, buffer),
          },
        });
    socket.setNoDelay(true);
    const connection = new UpstreamConnection(socket);
    const onData = (chunk: Buffer): void => {
      if (connection.user !== undefined) connection.user.onUpstreamData(chunk);
      // Bytes from an idle upstream have no request to belong to: the connection cannot be trusted.
      else this.destroy(connection);
    };
    const onRead = (length: number, buffer: Uint8Array): boolean => {
      onData(Buffer.from(buffer.buffer, buffer.byteOffset, length));
      return true;
    };
    connection.user = user;
    let isConnected = false;
    const timer = setTimeout(
      () => socket.destroy(new SymbolonError('GATEWAY_UPSTREAM_CONNECT_TIMEOUT', `connecting to ${origin.host} timed out`)),
      this.options.connectTimeoutMs,
    );
    socket.once(isTls ? 'secureConnect' : 'connect', () => {
      isConnected = true;
      clearTimeout(timer);
      callback(undefined, connection);
    });
    // A TLS socket has no onread: its bytes come as 'data' events.
    if (isTls) socket.on('data', onData);
    socket.on('end', () => {
      const owner = connection.user;
      this.destroy(connection);
      owner?.onUpstreamEnd();
    });
    socket.on('error', (error: Error) => {
      clearTimeout(timer);
      const owner = connection.user;
      this.destroy(connection);
      if (!isConnected) callback(error, undefined);
      else owner?.onUpstreamError(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const owner = connection.user;
      const wasClosed = connection.isClosed;
      this.closed(connection);
      if (!isConnected && !wasClosed) callback(new Error(`the connection to ${origin.host} closed before it was established`), undefined);
      else if (isConnected && !wasClosed) owner?.onUpstreamError(new Error('the upstream connection closed'));
    });
  }
}
