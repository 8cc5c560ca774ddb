import { STATUS_CODES } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { httpDateNow } from './conditional-request.js';
import { deadlines } from './deadline-sweep.js';
import { internalErrorMessage } from './problem.js';
import type { RequestHead } from './http1/request-head.js';
import { RequestReader } from './http1/request-reader.js';

/** An answer of the fast path: the status, its fields (no framing or Connection: the server adds those) and the body. */
export interface FastAnswer {
  readonly status: number;
  readonly fields: readonly (readonly [string, string | number])[];
  readonly body: Buffer;
}

export interface FastPath {
  /**
   * From the head alone: whether this request is served here (its Content-Length body is read,
   * at most `maxBodyBytes`, then `serve` answers). Anything else goes to the fallback server.
   */
  claims(head: RequestHead): boolean;
  serve(head: RequestHead, body: Buffer): FastAnswer | Promise<FastAnswer>;
}

export interface FastPathServerOptions {
  readonly fastPath: FastPath;
  /** Serves every connection from its first request the fast path does not claim, to its end. Never listens itself. */
  readonly fallback: HttpServer;
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  /** From the first byte of a request to the end of its body. */
  readonly requestTimeoutMs: number;
  /** A keep-alive connection waiting for its next request. */
  readonly idleTimeoutMs: number;
  readonly onError: (error: unknown) => void;
}

const MAX_HEADER_FIELDS = 100;

/**
 * A TCP server for endpoints that must be fast and are simple: requests the fast path claims
 * (parsed by the strict HTTP/1.1 parser, with a Content-Length body) are answered here, without
 * `node:http`; the first request it does not claim, and everything after it on that connection,
 * goes to the `node:http` fallback server, with the bytes already read. So the fallback keeps
 * every behaviour it has (errors, limits, chunked bodies, conditional GETs), and the fast path
 * costs about half of it per request (bench/ocsp.ts).
 */
export function createFastPathServer(options: FastPathServerOptions): Server & { closeAllConnections(): void } {
  // node:http checks its headers and request timeouts from 'listening'; this server listens for it.
  options.fallback.emit('listening');
  const sockets = new Set<Socket>();
  // allowHalfOpen: a client that half-closes after its request still gets the answer (RFC 9112 9.6).
  const server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    new FastPathConnection(socket, options);
  });
  return Object.assign(server, {
    /** Every connection, the fallback's included (for `closeServer`). */
    closeAllConnections(): void {
      for (const socket of sockets) socket.destroy();
    },
  });
}

class FastPathConnection {
  private readonly reader: RequestReader;
  /** A claimed head whose body is still coming. */
  private head: RequestHead | undefined;
  private bodyLength = 0;
  private isBusy = false;
  private isDone = false;
  /** The client half-closed: what it sent is answered, then the connection closes. */
  private isClientEnded = false;
  deadline = Infinity;
  private readonly onData = (chunk: Buffer): void => this.read(chunk);
  private readonly onEnd = (): void => {
    this.isClientEnded = true;
    this.closeIfEnded();
  };

  constructor(
    private readonly socket: Socket,
    private readonly options: FastPathServerOptions,
  ) {
    this.reader = new RequestReader(socket);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', () => this.stop());
    socket.on('close', () => this.stop());
    deadlines.add(this);
    this.deadline = performance.now() + options.idleTimeoutMs;
  }

  onDeadline(): void {
    this.stop();
    this.socket.destroy();
  }

  private stop(): void {
    this.isDone = true;
    deadlines.delete(this);
  }

  private read(chunk: Buffer): void {
    if (!this.reader.hasPending && this.head === undefined && !this.isBusy)
      this.deadline = performance.now() + this.options.requestTimeoutMs;
    this.reader.append(chunk);
    // While a request is answered, bytes that arrive wait (the socket is paused only past the read-ahead limit).
    if (this.isBusy) this.reader.pauseIfFull();
    this.advance();
  }

  /** Serves the bytes read, one request at a time, until it needs more bytes or hands over. */
  private advance(): void {
    while (!this.isBusy && !this.isDone && this.reader.hasPending) {
      if (this.head === undefined) {
        const read = this.reader.readHead({ maxHeaderBytes: this.options.maxHeaderBytes, maxHeaderFields: MAX_HEADER_FIELDS });
        if (read.kind === 'incomplete') return;
        // Refused heads too: node:http answers them as it always does.
        const head = read.kind === 'head' ? read.head : undefined;
        const framing = head?.framing;
        if (
          read.kind !== 'head' ||
          head === undefined ||
          framing?.kind !== 'length' ||
          framing.length > this.options.maxBodyBytes ||
          head.versionMinor !== 1 ||
          head.expectContinue ||
          !this.options.fastPath.claims(head)
        ) {
          this.handOver();
          return;
        }
        this.reader.take(read.length);
        this.head = head;
        this.bodyLength = framing.length;
        continue;
      }
      const body = this.reader.take(this.bodyLength);
      if (body === undefined) return;
      const head = this.head;
      this.head = undefined;
      this.serve(head, body);
    }
  }

  private serve(head: RequestHead, body: Buffer): void {
    this.isBusy = true;
    let answer: FastAnswer | Promise<FastAnswer>;
    try {
      answer = this.options.fastPath.serve(head, body);
    } catch (error) {
      return this.fail(error);
    }
    if (answer instanceof Promise)
      answer.then(
        (settled) => this.answer(head, settled),
        (error: unknown) => this.fail(error),
      );
    else this.answer(head, answer);
  }

  private answer(head: RequestHead, answer: FastAnswer): void {
    if (this.isDone) return;
    let text = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n`;
    for (const [name, value] of answer.fields) text += `${name}: ${value}\r\n`;
    text += `Content-Length: ${answer.body.length}\r\nDate: ${httpDateNow()}\r\n`;
    if (!head.keepAlive) text += 'Connection: close\r\n';
    this.socket.write(Buffer.concat([Buffer.from(`${text}\r\n`, 'latin1'), answer.body]));
    this.isBusy = false;
    this.reader.resume();
    if (!head.keepAlive) return this.closeGracefully();
    this.deadline = performance.now() + (this.reader.hasPending ? this.options.requestTimeoutMs : this.options.idleTimeoutMs);
    this.advance();
    this.closeIfEnded();
  }

  /** Once a half-closed client's complete requests are answered: what is left is at most part of one. */
  private closeIfEnded(): void {
    if (this.isClientEnded && !this.isBusy && !this.isDone) this.closeGracefully();
  }

  private fail(error: unknown): void {
    this.options.onError(error);
    if (this.isDone) return;
    this.socket.write(internalErrorMessage(), 'latin1');
    this.closeGracefully();
  }

  /**
   * Ends the connection once the answer has gone out (as node:http does), not when the client
   * answers the FIN; a client that does not take it within the idle timeout is cut off.
   */
  private closeGracefully(): void {
    this.isDone = true;
    this.deadline = performance.now() + this.options.idleTimeoutMs;
    this.socket.destroySoon();
  }

  /** The rest of the connection is the fallback's, starting with the bytes not yet served. */
  private handOver(): void {
    this.stop();
    const rest = this.reader.takeAll();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.options.fallback.emit('connection', this.socket);
    if (rest !== undefined) this.socket.emit('data', rest);
  }
}
