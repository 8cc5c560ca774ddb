/*
 * The HTTP/1.x relay on one client TLS connection, written as a state machine: one `state` field,
 * changed only by `enter`, which refuses a transition the table below does not list (the
 * connection is then closed: fail closed). Requests on a connection are handled one at a time.
 *
 * States (each carries only the data valid in it):
 * - `head`        waiting for or reading a request head
 * - `deciding`    a head parsed; `hooks.admit` decides (the client is paused while it is async)
 * - `holding`     admitted; a chunked body held back from the upstream until its framing is
 *                 checked (`checker`) or it passed bufferedChunkedBodyBytes (`heldBytes`)
 * - `connecting`  admitted; waiting for the route's pool to hand over an upstream connection
 * - `requesting`  the head is upstream (the body streams while it is open); the response head is read
 * - `responding`  the response head went to the client; its body streams, framed as `body` says
 * - `closed`      the connection ends: what was written goes out, then the socket is destroyed
 *
 * Data of the exchange in progress (`Exchange`, then `AdmittedExchange`) rides in the states
 * from `deciding` to `responding`; `body` says what of the request body is still to come.
 * Independent of the state: `reader` (client bytes read ahead, heads cut from them, the client
 * paused: shared with the CRL/OCSP fast path), `isClientEnded` (the client half-closed) and the
 * one timer (`timerKind`, `deadline`).
 *
 * Transitions, by event:
 * - client bytes        head -> deciding (a head) | closed (a head refused: 400, 431, 417, 501, 505)
 *                       holding -> connecting (body checked or over the limit) | closed (bad framing, 400)
 *                       requesting|responding: the body's bytes go upstream (bad framing: closed, 400)
 * - admission           deciding -> holding | connecting (admitted); -> head | closed (refused, 4xx);
 *                       -> closed (admit threw or rejected: 500)
 * - pool hands over     connecting -> requesting; a failure -> head | closed (502/504)
 * - upstream bytes      requesting -> responding (a final response head); -> head | closed (502)
 *                       responding -> head | closed (the response complete)
 * - upstream end/error  requesting -> connecting (an idempotent request without body on a reused
 *                       connection, once) | head | closed (502); responding -> closed
 *                       (a close-delimited response ends: -> head | closed)
 * - client end          head -> closed; requesting|responding with the body open -> closed (abandoned)
 * - timer               head -> closed (idle: silently; headers: 408); connecting|requesting -> head |
 *                       closed (504); holding|requesting -> closed (408, client too slow);
 *                       responding -> closed (the client stopped reading, or the upstream stopped)
 * - socket error/close  any -> closed (the exchange in progress is recorded 499, or its status)
 * After a response, `next`: -> closed when the exchange asked for it (Connection: close, HTTP/1.0,
 * a body left unread), else -> head (a pipelined head already read is parsed at once).
 */
import { isSymbolonError, SymbolonError } from '../../errors.js';
import type { TLSSocket } from 'node:tls';
import type { RejectionReason } from '../rejection.js';
import { REJECTION_REASONS, rejectionBody } from '../rejection.js';
import { clientResponseHead, upstreamRequestHead } from './relay-heads.js';
import {
  ChunkedDecoder,
  chunkOf,
  deadlines,
  findHeadEnd,
  httpDateNow,
  internalErrorMessage,
  LAST_CHUNK,
  parseResponseHead,
  problemMessage,
  RequestReader,
} from '../../http/index.js';
import type { RequestHead, ResponseHead } from '../../http/index.js';
import type { UpstreamConnection, UpstreamPool, UpstreamUser } from './upstream-pool.js';

/** Where an admitted request goes. */
export interface RelayTarget {
  readonly pool: UpstreamPool;
  /** The upstream URL's path, prefixed to every request path ('' for none). */
  readonly basePath: string;
  readonly timeoutMs: number;
}

export type Admission<Context> =
  | {
      readonly ok: true;
      readonly target: RelayTarget;
      /** The request-target to send upstream: the client's, its path normalized as the route was matched on it. */
      readonly requestTarget: string;
      /** Identity headers for the upstream, already built for this client and route. */
      readonly headers: Readonly<Record<string, string>>;
      readonly context: Context;
    }
  | {
      readonly ok: false;
      readonly reason: RejectionReason;
      readonly context: Context;
      /** RFC 6750 3: the WWW-Authenticate value of a refusal for the access token. */
      readonly challenge?: string;
    };

/** How one exchange ended, for metrics and the access log. */
export interface ExchangeEnd<Context> {
  readonly head: RequestHead;
  /** Undefined when the request never got as far as a decision (a malformed head). */
  readonly context: Context | undefined;
  readonly status: number;
  readonly reason: RejectionReason | undefined;
  /** Milliseconds until the upstream's response head, when there was one. */
  readonly upstreamMs: number | undefined;
  readonly durationMs: number;
  readonly remoteAddress: string | undefined;
  /** What went wrong with the upstream, for the log: the exchange's status alone does not say. */
  readonly detail?: string | undefined;
}

export interface Http1Hooks<Context> {
  admit(socket: TLSSocket, head: RequestHead): Admission<Context> | Promise<Admission<Context>>;
  record(end: ExchangeEnd<Context>): void;
  /** A request head that could not be parsed: counted, never logged with its bytes. */
  malformed(reason: RejectionReason, message: string): void;
  onError(error: unknown): void;
}

export interface Http1Limits {
  /** The request line and header fields, CRLFs included. */
  readonly maxHeaderBytes: number;
  readonly maxHeaderFields: number;
  /** From the first byte of a request head to its end. */
  readonly headersTimeoutMs: number;
  /** A keep-alive connection waiting for its next request, and a client that stops sending its body or reading the response. */
  readonly idleTimeoutMs: number;
  /**
   * A chunked request body up to this size is read whole, its framing checked, before the request
   * goes upstream, so a malformed one is refused with nothing sent; a larger one streams (0: all do).
   */
  readonly bufferedChunkedBodyBytes: number;
}

const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;
const MAX_RESPONSE_FIELDS = 500;
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** `text` (latin1) followed by `pieces`, in one new buffer. */
function joinAfter(text: string, pieces: readonly Buffer[]): Buffer {
  let length = text.length;
  for (const piece of pieces) length += piece.length;
  const joined = Buffer.allocUnsafe(length);
  let offset = joined.write(text, 0, 'latin1');
  for (const piece of pieces) offset += piece.copy(joined, offset);
  return joined;
}

type TimerKind = 'idle' | 'headers' | 'client' | 'upstream' | 'closing';

/** What of the request body is still to come from the client. */
type RequestBody =
  | { readonly kind: 'done' }
  | { readonly kind: 'length'; remaining: number }
  | { readonly kind: 'chunked'; readonly decoder: ChunkedDecoder };

/** One request and what is known of it before its admission is decided. */
interface Exchange {
  readonly head: RequestHead;
  readonly startedAt: number;
  body: RequestBody;
  /** Milliseconds until the upstream's response head, once it came. */
  upstreamMs: number | undefined;
}

interface AdmittedExchange<Context> extends Exchange {
  readonly context: Context;
  readonly target: RelayTarget;
  readonly upstreamHead: Buffer;
  hasRetried: boolean;
  hasSentContinue: boolean;
  /** Bytes of response heads (interim ones included) read for this request, across a retry. */
  responseHeadBytes: number;
}

/** The upstream connection an exchange writes to. */
interface UpstreamLink {
  readonly connection: UpstreamConnection;
  readonly sentAt: number;
  /** The request body's last write did not fit: the client is paused until the upstream drains. */
  isAwaitingDrain: boolean;
}

/** How the response body ends: after a length, at the last chunk, or when the upstream closes (re-chunked for HTTP/1.1 clients). */
type ResponseBody =
  | { readonly kind: 'length'; remaining: number }
  | { readonly kind: 'chunked'; readonly decoder: ChunkedDecoder }
  | { readonly kind: 'close'; readonly isChunking: boolean }
  | { readonly kind: 'none' };

type State<Context> =
  | { readonly kind: 'head' }
  | { readonly kind: 'deciding'; readonly exchange: Exchange }
  | { readonly kind: 'holding'; readonly exchange: AdmittedExchange<Context>; readonly checker: ChunkedDecoder; heldBytes: number }
  | { readonly kind: 'connecting'; readonly exchange: AdmittedExchange<Context> }
  | {
      readonly kind: 'requesting';
      readonly exchange: AdmittedExchange<Context>;
      readonly link: UpstreamLink;
      responseBuffer: Buffer | undefined;
    }
  | {
      readonly kind: 'responding';
      readonly exchange: AdmittedExchange<Context>;
      readonly link: UpstreamLink;
      readonly response: ResponseHead;
      readonly body: ResponseBody;
      /** Connection: close was sent with the response. */
      readonly closeAfter: boolean;
      /** Bytes after a complete response: the upstream's framing cannot be trusted any more. */
      hasExtraBytes: boolean;
    }
  | { readonly kind: 'closed' };

type StateKind = State<unknown>['kind'];
type AdmittedState<Context> = Extract<State<Context>, { readonly exchange: AdmittedExchange<Context> }>;
type LinkedState<Context> = Extract<State<Context>, { readonly link: UpstreamLink }>;

/** The transitions `enter` allows, from each state. */
const TRANSITIONS: Readonly<Record<StateKind, readonly StateKind[]>> = {
  head: ['deciding', 'closed'],
  deciding: ['holding', 'connecting', 'head', 'closed'],
  holding: ['connecting', 'closed'],
  connecting: ['requesting', 'head', 'closed'],
  requesting: ['responding', 'connecting', 'head', 'closed'],
  responding: ['head', 'closed'],
  closed: [],
};

/** A function, not an inline test: TypeScript would keep a narrowing across the calls that read the body. */
const isBodyDone = (exchange: Exchange): boolean => exchange.body.kind === 'done';
const isAdmitted = <Context>(state: State<Context>): state is AdmittedState<Context> =>
  state.kind === 'holding' || state.kind === 'connecting' || state.kind === 'requesting' || state.kind === 'responding';
const isLinked = <Context>(state: State<Context>): state is LinkedState<Context> =>
  state.kind === 'requesting' || state.kind === 'responding';

/**
 * Serves HTTP/1.x on one TLS connection as a relay: request heads are parsed strictly (no
 * ambiguous framing is ever forwarded: bodies are re-framed), each request is admitted or refused
 * by `hooks.admit`, and admitted ones are written to a pooled upstream connection with the
 * gateway's headers, their bodies and responses streamed both ways with backpressure. Requests on
 * a connection are handled one at a time, in order (pipelined ones wait, read ahead up to 64 KiB).
 */
export function serveHttp1<Context>(socket: TLSSocket, limits: Http1Limits, hooks: Http1Hooks<Context>): void {
  new Http1Connection(socket, limits, hooks);
}

class Http1Connection<Context> implements UpstreamUser {
  private state: State<Context> = { kind: 'head' };
  /** Unread client bytes: a partial head, or what follows the request in progress. */
  private readonly reader: RequestReader;
  /** When the current timeout fires (performance.now() time), Infinity for none. */
  deadline = Infinity;
  private timerKind: TimerKind | undefined;
  /** The client half-closed (TCP FIN or TLS close_notify): no more requests come, and those it sent are still answered. */
  private isClientEnded = false;
  private readonly remoteAddress: string | undefined;

  constructor(
    private readonly socket: TLSSocket,
    private readonly limits: Http1Limits,
    private readonly hooks: Http1Hooks<Context>,
  ) {
    this.remoteAddress = socket.remoteAddress;
    this.reader = new RequestReader(socket);
    socket.setNoDelay(true);
    // RFC 9112 9.6, RFC 8446 6.1: a half-close ends what the client sends, not what it reads.
    socket.allowHalfOpen = true;
    socket.on('data', (chunk: Buffer) => this.onClientData(chunk));
    socket.on('end', () => this.onClientEnd());
    socket.on('drain', () => this.onClientDrain());
    socket.on('error', () => this.abort());
    socket.on('close', () => {
      deadlines.delete(this);
      this.abort();
    });
    deadlines.add(this);
    this.arm('idle', limits.idleTimeoutMs);
  }

  /**
   * The one place the state changes. A transition the table does not list is a fault in this file:
   * reported, and the connection destroyed (fail closed), never a crash of the process.
   */
  private enter(next: State<Context>): void {
    const from = this.state.kind;
    if (TRANSITIONS[from].includes(next.kind)) {
      this.state = next;
      return;
    }
    if (from !== 'closed') this.hooks.onError(new Error(`http1 relay: no transition from ${from} to ${next.kind}`));
    this.state = { kind: 'closed' };
    this.disarm();
    this.socket.destroy();
  }

  // --- client side --------------------------------------------------------------------------------

  private onClientData(chunk: Buffer): void {
    const state = this.state;
    if (isAdmitted(state) && state.exchange.body.kind !== 'done') return this.forwardBody(state, chunk);
    this.reader.append(chunk);
    if (state.kind === 'head') this.readHead();
    else this.reader.pauseIfFull();
  }

  /**
   * The client sent all it will (gnutls-cli half-closes after its request, for one): the request
   * in progress and any complete one after it are answered, then the connection closes. A request
   * whose body stops short can never be relayed and is abandoned.
   */
  private onClientEnd(): void {
    this.isClientEnded = true;
    const state = this.state;
    if (state.kind === 'head') this.closeGracefully();
    else if (isLinked(state) && state.exchange.body.kind !== 'done') this.abort();
  }

  private readHead(): void {
    if (!this.reader.hasPending) return;
    if (this.timerKind !== 'headers') this.arm('headers', this.limits.headersTimeoutMs);
    const read = this.reader.readHead(this.limits);
    if (read.kind === 'incomplete') return;
    if (read.kind === 'refused') return this.refuseMalformed(read.reason, read.message);
    this.reader.take(read.length);
    this.begin(read.head);
  }

  private begin(head: RequestHead): void {
    const framing = head.framing;
    const body: RequestBody =
      framing.kind === 'length'
        ? { kind: 'length', remaining: framing.length }
        : framing.kind === 'chunked'
          ? { kind: 'chunked', decoder: new ChunkedDecoder() }
          : { kind: 'done' };
    const exchange: Exchange = { head, startedAt: performance.now(), body, upstreamMs: undefined };
    this.enter({ kind: 'deciding', exchange });
    this.disarm();
    let admission: Admission<Context> | Promise<Admission<Context>>;
    try {
      admission = this.hooks.admit(this.socket, head);
    } catch (error) {
      return this.internalError(error);
    }
    if (admission instanceof Promise) {
      this.pauseClient();
      admission.then(
        (decided) => this.decided(exchange, decided),
        (error: unknown) => this.internalError(error),
      );
    } else this.decided(exchange, admission);
  }

  private decided(exchange: Exchange, admission: Admission<Context>): void {
    const state = this.state;
    if (state.kind !== 'deciding' || state.exchange !== exchange) return;
    if (!admission.ok) return this.refuse(exchange, admission.context, admission.reason, admission.challenge);
    const admitted: AdmittedExchange<Context> = {
      ...exchange,
      context: admission.context,
      target: admission.target,
      upstreamHead: upstreamRequestHead(
        exchange.head,
        admission.target.basePath,
        admission.headers,
        this.remoteAddress ?? '',
        admission.requestTarget,
      ),
      hasRetried: false,
      hasSentContinue: false,
      responseHeadBytes: 0,
    };
    if (exchange.head.framing.kind === 'chunked' && this.limits.bufferedChunkedBodyBytes > 0) return this.holdBody(admitted);
    this.acquireUpstream(admitted);
  }

  private acquireUpstream(exchange: AdmittedExchange<Context>): void {
    this.arm('upstream', exchange.target.timeoutMs);
    this.connect(exchange, false);
  }

  /** Asks the route's pool for a connection (`fresh`: a new one, for a retry). */
  private connect(exchange: AdmittedExchange<Context>, fresh: boolean): void {
    this.enter({ kind: 'connecting', exchange });
    // The pool may answer at once, or long after this exchange ended: the answer names both.
    const pool = exchange.target.pool;
    pool.acquire(this, (error, connection) => this.connected(exchange, pool, error, connection), fresh);
  }

  /**
   * Holds a chunked request body back from the upstream until its framing is known good: the
   * whole body when it ends within bufferedChunkedBodyBytes, else that much of it. A malformed
   * one is refused (400) with nothing sent upstream, where a streamed one would be half sent.
   */
  private holdBody(exchange: AdmittedExchange<Context>): void {
    const state = { kind: 'holding' as const, exchange, checker: new ChunkedDecoder(), heldBytes: 0 };
    this.enter(state);
    if (exchange.head.expectContinue && !this.reader.hasPending) this.sendContinue(exchange);
    this.arm('client', this.limits.idleTimeoutMs);
    this.resumeClient();
    const early = this.reader.peekAll();
    if (early !== undefined) this.checkHeldBody(state, early);
  }

  /** `chunk` has been added to what the reader holds: checks it, and sends the request on once the body ended or passed the limit. */
  private checkHeldBody(state: Extract<State<Context>, { kind: 'holding' }>, chunk: Buffer): void {
    let isDone: boolean;
    try {
      isDone = state.checker.push(chunk).done;
    } catch (error) {
      if (!isSymbolonError(error, 'HTTP_CHUNKED_FRAMING')) throw error;
      return this.badBodyFraming(state);
    }
    state.heldBytes += chunk.length;
    if (!isDone && state.heldBytes <= this.limits.bufferedChunkedBodyBytes) return this.arm('client', this.limits.idleTimeoutMs);
    this.acquireUpstream(state.exchange);
  }

  private sendContinue(exchange: AdmittedExchange<Context>): void {
    if (exchange.hasSentContinue) return;
    exchange.hasSentContinue = true;
    this.socket.write(CONTINUE);
  }

  private connected(
    exchange: AdmittedExchange<Context>,
    pool: UpstreamPool,
    error: Error | undefined,
    connection: UpstreamConnection | undefined,
  ): void {
    const state = this.state;
    // A connection for an exchange that ended meanwhile (it timed out waiting for the pool, or the
    // client left): back to the pool it came from, whatever route the connection serves now.
    if (state.kind !== 'connecting' || state.exchange !== exchange) {
      if (connection !== undefined) pool.release(connection);
      return;
    }
    if (error !== undefined || connection === undefined) return this.upstreamFailed(error ?? new Error('no upstream connection'));
    const requesting = {
      kind: 'requesting' as const,
      exchange,
      link: { connection, sentAt: performance.now(), isAwaitingDrain: false },
      responseBuffer: undefined,
    };
    this.enter(requesting);
    connection.socket.write(exchange.upstreamHead);
    if (exchange.body.kind === 'done') return;
    if (exchange.head.expectContinue && !this.reader.hasPending) this.sendContinue(exchange);
    const early = this.reader.takeAll();
    if (early !== undefined) this.forwardBody(requesting, early);
    // (forwardBody may have read the body to its end.)
    if (this.isClientEnded && !isBodyDone(exchange)) return this.abort();
    this.resumeClient();
  }

  /** Client bytes while the request body is open: the body's share goes upstream, the rest waits. */
  private forwardBody(state: AdmittedState<Context>, chunk: Buffer): void {
    if (!isLinked(state)) {
      // Still connecting, or held back while its framing is checked: kept until then (the client is
      // paused past the read-ahead limit once the upstream is being reached).
      this.reader.append(chunk);
      if (state.kind === 'holding') return this.checkHeldBody(state, chunk);
      this.reader.pauseIfFull();
      return;
    }
    const { exchange, link } = state;
    const body = exchange.body;
    let rest: Buffer | undefined;
    let isWritable = true;
    let isDone = false;
    if (body.kind === 'chunked') {
      let pushed;
      try {
        pushed = body.decoder.push(chunk);
      } catch (error) {
        if (!isSymbolonError(error, 'HTTP_CHUNKED_FRAMING')) throw error;
        return this.badBodyFraming(state);
      }
      for (const piece of pushed.output) isWritable = link.connection.socket.write(piece);
      if (pushed.done) {
        isDone = true;
        if (pushed.consumed < chunk.length) rest = chunk.subarray(pushed.consumed);
      }
    } else if (body.kind === 'length') {
      const taken = Math.min(body.remaining, chunk.length);
      isWritable = link.connection.socket.write(taken === chunk.length ? chunk : chunk.subarray(0, taken));
      body.remaining -= taken;
      if (body.remaining === 0) {
        isDone = true;
        if (taken < chunk.length) rest = chunk.subarray(taken);
      }
    }
    if (isDone) {
      exchange.body = { kind: 'done' };
      if (rest !== undefined) this.reader.append(rest);
      this.reader.pauseIfFull();
      if (this.timerKind === 'client') this.arm('upstream', exchange.target.timeoutMs);
      return;
    }
    if (state.kind === 'requesting') this.arm('client', this.limits.idleTimeoutMs);
    if (!isWritable && !link.isAwaitingDrain) {
      link.isAwaitingDrain = true;
      this.pauseClient();
      link.connection.socket.once('drain', () => {
        link.isAwaitingDrain = false;
        this.resumeClient();
      });
    }
  }

  private onClientDrain(): void {
    const state = this.state;
    if (state.kind !== 'responding') return;
    state.link.connection.socket.resume();
    if (this.timerKind === 'client') this.arm('upstream', state.exchange.target.timeoutMs);
  }

  // --- upstream side ------------------------------------------------------------------------------

  onUpstreamData(chunk: Buffer): void {
    const state = this.state;
    if (state.kind === 'requesting') this.readResponseHead(state, chunk);
    else if (state.kind === 'responding') this.relayResponseBody(state, chunk);
  }

  onUpstreamEnd(): void {
    const state = this.state;
    if (!isLinked(state)) return;
    // The pool has closed the connection: nothing to give back.
    if (state.kind === 'responding' && state.body.kind === 'close') {
      if (state.body.isChunking) this.socket.write(LAST_CHUNK);
      return this.finishExchange(state, false);
    }
    this.upstreamLost(state, new Error('the upstream closed the connection before its response was complete'));
  }

  onUpstreamError(error: Error): void {
    const state = this.state;
    if (isLinked(state)) this.upstreamLost(state, error);
  }

  /** The upstream connection is gone (the pool closed it). */
  private upstreamLost(state: LinkedState<Context>, error: Error): void {
    const { exchange } = state;
    const mayRetry =
      state.kind === 'requesting' &&
      state.link.connection.served > 0 &&
      state.responseBuffer === undefined &&
      exchange.head.framing.kind === 'none' &&
      IDEMPOTENT.has(exchange.head.method) &&
      !exchange.hasRetried;
    if (mayRetry) {
      // A reused connection the upstream closed as we wrote to it: once more on a new one.
      exchange.hasRetried = true;
      return this.connect(exchange, true);
    }
    this.upstreamFailed(error, false);
  }

  private readResponseHead(state: Extract<State<Context>, { kind: 'requesting' }>, chunk: Buffer): void {
    const { exchange } = state;
    let buffer = state.responseBuffer === undefined ? chunk : Buffer.concat([state.responseBuffer, chunk]);
    for (;;) {
      const end = findHeadEnd(buffer, 0);
      // The whole head counts, found in this read or not, and the interim heads before it.
      if ((end < 0 ? buffer.length : end) + exchange.responseHeadBytes > MAX_RESPONSE_HEAD_BYTES)
        return this.upstreamFailed(new Error('the upstream response head is larger than 64 KiB'));
      if (end < 0) {
        // Kept past this call: a copy (the pool reuses the memory of `chunk`).
        state.responseBuffer = buffer === chunk ? Buffer.from(chunk) : buffer;
        return;
      }
      const parsed = parseResponseHead(buffer, end, exchange.head.method, { maxFields: MAX_RESPONSE_FIELDS });
      if (!parsed.ok) return this.upstreamFailed(new Error(`the upstream sent a malformed response head: ${parsed.message}`));
      const response = parsed.head;
      buffer = buffer.subarray(end);
      exchange.responseHeadBytes += end;
      if (response.status === 101)
        return this.upstreamFailed(new Error('the upstream switched protocols on a request that asked for no upgrade'));
      if (response.status < 200) {
        // Interim responses are not relayed; the gateway sent its own 100 Continue.
        if (buffer.length === 0) {
          state.responseBuffer = undefined;
          return;
        }
        continue;
      }
      state.responseBuffer = undefined;
      this.startResponse(state, response, buffer);
      return;
    }
  }

  private startResponse(state: Extract<State<Context>, { kind: 'requesting' }>, response: ResponseHead, body: Buffer): void {
    const { exchange, link } = state;
    exchange.upstreamMs = performance.now() - link.sentAt;
    const isHttp11 = exchange.head.versionMinor === 1;
    const framing = response.framing;
    // Nothing has gone to the client yet: it gets a 502.
    if (framing.kind === 'chunked' && !isHttp11)
      return this.upstreamFailed(new Error('the upstream sent a chunked response to an HTTP/1.0 request'));
    // The request body still coming (the upstream answered early) leaves the connection unusable after.
    const closeAfter = this.mustClose(exchange) || (framing.kind === 'close' && !isHttp11);
    const responseBody: ResponseBody =
      framing.kind === 'length'
        ? { kind: 'length', remaining: framing.length }
        : framing.kind === 'chunked'
          ? { kind: 'chunked', decoder: new ChunkedDecoder() }
          : framing.kind === 'close'
            ? { kind: 'close', isChunking: isHttp11 }
            : { kind: 'none' };
    const responding = { kind: 'responding' as const, exchange, link, response, body: responseBody, closeAfter, hasExtraBytes: false };
    this.enter(responding);
    const headText = clientResponseHead(
      response,
      exchange.head,
      { close: closeAfter, chunked: framing.kind === 'chunked' || (responseBody.kind === 'close' && responseBody.isChunking) },
      httpDateNow(),
    );
    this.arm('upstream', exchange.target.timeoutMs);
    if (body.length === 0 || responseBody.kind === 'none') {
      this.socket.write(headText, 'latin1');
      if (responseBody.kind === 'none') {
        responding.hasExtraBytes = body.length > 0;
        this.finishExchange(responding, true);
      }
      return;
    }
    this.relayResponseBody(responding, body, headText);
  }

  /** `headText`: the response head, sent in the same write as the first piece of the body. */
  private relayResponseBody(state: Extract<State<Context>, { kind: 'responding' }>, chunk: Buffer, headText = ''): void {
    const body = state.body;
    const out: Buffer[] = [];
    let isComplete = false;
    if (body.kind === 'length') {
      const taken = Math.min(body.remaining, chunk.length);
      out.push(taken === chunk.length ? chunk : chunk.subarray(0, taken));
      body.remaining -= taken;
      if (taken < chunk.length) state.hasExtraBytes = true;
      isComplete = body.remaining === 0;
    } else if (body.kind === 'chunked') {
      let pushed;
      try {
        pushed = body.decoder.push(chunk);
      } catch (error) {
        if (!isSymbolonError(error, 'HTTP_CHUNKED_FRAMING')) throw error;
        const failure = new Error(`the upstream's chunked body is malformed: ${error.message}`);
        // Nothing sent yet (the head goes out with the first piece of the body): the client can still get a 502.
        if (headText !== '') return this.failBeforeResponse(state.exchange, failure, state.link);
        return this.upstreamFailed(failure);
      }
      for (const piece of pushed.output) out.push(piece);
      if (pushed.done) {
        isComplete = true;
        if (pushed.consumed < chunk.length) state.hasExtraBytes = true;
      }
    } else if (body.kind === 'close' && body.isChunking) {
      for (const piece of chunkOf(chunk)) out.push(piece);
    } else out.push(chunk);
    // A copy even of one piece: the pool reuses the memory of `chunk`, and a write may be queued.
    const isWritable = this.socket.write(joinAfter(headText, out));
    if (isComplete) return this.finishExchange(state, true);
    if (this.timerKind === 'upstream') this.arm('upstream', state.exchange.target.timeoutMs);
    if (!isWritable) {
      state.link.connection.socket.pause();
      this.arm('client', this.limits.idleTimeoutMs);
    }
  }

  /**
   * The response is complete. The upstream connection goes back to the pool only when both
   * messages ended exactly where their framing said (`isLinkOpen`: the pool has not closed it);
   * a request body still coming (the upstream answered early) closes the client connection after
   * the response.
   */
  private finishExchange(state: Extract<State<Context>, { kind: 'responding' }>, isLinkOpen: boolean): void {
    const { exchange, response } = state;
    if (isLinkOpen) {
      const connection = state.link.connection;
      connection.socket.resume();
      const isReusable = exchange.body.kind === 'done' && !state.hasExtraBytes && response.keepAlive && response.framing.kind !== 'close';
      if (isReusable) exchange.target.pool.release(connection, response.keepAliveTimeoutMs);
      else exchange.target.pool.discard(connection);
    }
    this.record(exchange, exchange.context, response.status, undefined);
    this.next(exchange, state.closeAfter);
  }

  /** After a response: close if asked or the request body was not all read, else the next request (perhaps already read). */
  private next(exchange: Exchange, closeAfter: boolean): void {
    if (closeAfter || exchange.body.kind !== 'done') return this.closeGracefully();
    this.enter({ kind: 'head' });
    this.resumeClient();
    if (this.reader.hasPending) this.readHead();
    else if (!this.isClientEnded) this.arm('idle', this.limits.idleTimeoutMs);
    // A half-closed client sends no more: what is left is at most part of a request.
    if (this.isClientEnded && this.state.kind === 'head') this.closeGracefully();
  }

  /** Whether the connection closes after this exchange's answer: asked by the client, or a body the gateway did not read leaves its framing unknown. */
  private mustClose(exchange: Exchange): boolean {
    return !exchange.head.keepAlive || exchange.body.kind !== 'done';
  }

  // --- refusals and failures -----------------------------------------------------------------------

  private refuseMalformed(reason: RejectionReason, message: string): void {
    this.hooks.malformed(reason, message);
    this.sendProblem(reason, undefined, true);
    this.closeGracefully();
  }

  private refuse(exchange: Exchange, context: Context, reason: RejectionReason, challenge?: string): void {
    const closeAfter = this.mustClose(exchange);
    this.sendProblem(reason, exchange.head, closeAfter, challenge);
    this.record(exchange, context, REJECTION_REASONS[reason].status, reason);
    this.next(exchange, closeAfter);
  }

  private badBodyFraming(state: Extract<State<Context>, { kind: 'holding' | 'requesting' | 'responding' }>): void {
    this.hooks.malformed('bad_request', 'the chunked request body is malformed');
    if (state.kind !== 'responding') {
      this.sendProblem('bad_request', state.exchange.head, true);
      this.record(state.exchange, state.exchange.context, 400, 'bad_request');
    }
    this.close();
  }

  /** The upstream failed the exchange in progress (`discard`: its connection, if any, is still open and is closed). */
  private upstreamFailed(error: Error, discard = true): void {
    const state = this.state;
    if (state.kind === 'connecting') return this.failBeforeResponse(state.exchange, error, undefined);
    if (state.kind === 'requesting') return this.failBeforeResponse(state.exchange, error, discard ? state.link : undefined);
    if (state.kind !== 'responding') return;
    // Part of the response is on its way: the client learns of the failure by the connection closing.
    this.record(state.exchange, state.exchange.context, state.response.status, undefined, error.message);
    if (discard) this.close();
    else this.closeGracefully();
  }

  /** Nothing of a response went to the client: it gets a 502 or 504, and the connection goes on if it can. */
  private failBeforeResponse(exchange: AdmittedExchange<Context>, error: Error, link: UpstreamLink | undefined): void {
    if (link !== undefined) exchange.target.pool.discard(link.connection);
    const reason: RejectionReason =
      isSymbolonError(error, 'GATEWAY_UPSTREAM_TIMEOUT') || isSymbolonError(error, 'GATEWAY_UPSTREAM_CONNECT_TIMEOUT')
        ? 'upstream_timeout'
        : 'upstream_unavailable';
    const closeAfter = this.mustClose(exchange);
    this.sendProblem(reason, exchange.head, closeAfter);
    this.record(exchange, exchange.context, REJECTION_REASONS[reason].status, reason, error.message);
    this.next(exchange, closeAfter);
  }

  private internalError(error: unknown): void {
    this.hooks.onError(error);
    const state = this.state;
    if (state.kind === 'closed') return;
    this.socket.write(internalErrorMessage(), 'latin1');
    if (state.kind === 'deciding') this.record(state.exchange, undefined, 500, undefined);
    else if (isAdmitted(state)) this.record(state.exchange, state.exchange.context, 500, undefined);
    this.close();
  }

  /** `head`: the request answered, undefined for one that could not be parsed (always closed after). */
  private sendProblem(reason: RejectionReason, head: RequestHead | undefined, closeAfter: boolean, challenge?: string): void {
    const connection = closeAfter ? 'close' : head?.versionMinor === 0 ? 'keep-alive' : undefined;
    this.socket.write(
      problemMessage(
        REJECTION_REASONS[reason].status,
        rejectionBody(reason),
        connection,
        head?.method === 'HEAD',
        challenge === undefined ? undefined : { 'www-authenticate': challenge },
      ),
      'latin1',
    );
  }

  private record(
    exchange: Exchange,
    context: Context | undefined,
    status: number,
    reason: RejectionReason | undefined,
    detail?: string,
  ): void {
    try {
      this.hooks.record({
        head: exchange.head,
        context,
        status,
        reason,
        upstreamMs: exchange.upstreamMs,
        durationMs: performance.now() - exchange.startedAt,
        remoteAddress: this.remoteAddress,
        detail,
      });
    } catch (error) {
      this.hooks.onError(error);
    }
  }

  /** Stops at once: the client connection and any upstream connection in use. */
  private close(): void {
    const state = this.state;
    if (isLinked(state)) state.exchange.target.pool.discard(state.link.connection);
    this.closeGracefully();
  }

  /**
   * Ends the connection once what was written has gone out (as node:http does), not when the
   * client answers the FIN: a client that stops reading would otherwise hold the connection
   * forever. One that does not take the last bytes within the idle timeout is cut off.
   */
  private closeGracefully(): void {
    if (this.state.kind !== 'closed') this.enter({ kind: 'closed' });
    this.arm('closing', this.limits.idleTimeoutMs);
    this.socket.destroySoon();
  }

  /** The client went away (or broke the protocol mid-body): an exchange in progress is abandoned. */
  private abort(): void {
    const state = this.state;
    if (state.kind === 'closed') return;
    this.enter({ kind: 'closed' });
    this.disarm();
    if (isLinked(state)) state.exchange.target.pool.discard(state.link.connection);
    // 499, as nginx logs it: the client closed the connection before the response was complete.
    if (state.kind === 'deciding') this.record(state.exchange, undefined, 499, undefined);
    else if (isAdmitted(state))
      this.record(state.exchange, state.exchange.context, state.kind === 'responding' ? state.response.status : 499, undefined);
    this.socket.destroy();
  }

  // --- flow control and timers ---------------------------------------------------------------------

  private pauseClient(): void {
    this.reader.pause();
  }

  private resumeClient(): void {
    if (this.state.kind !== 'closed') this.reader.resume();
  }

  /** Sets the timeout of `kind` to `ms` from now (again, when it is already the current one). */
  private arm(kind: TimerKind, ms: number): void {
    this.timerKind = kind;
    this.deadline = performance.now() + ms;
  }

  private disarm(): void {
    this.deadline = Infinity;
    this.timerKind = undefined;
  }

  onDeadline(): void {
    const kind = this.timerKind;
    this.disarm();
    if (kind === 'closing') return void this.socket.destroy();
    const state = this.state;
    if (state.kind === 'closed') return;
    // A keep-alive connection idle too long is closed without a word (RFC 9112 9.5).
    if (kind === 'idle') return this.closeGracefully();
    if (kind === 'headers') return this.refuseMalformed('request_timeout', 'the request head did not arrive within the headers timeout');
    if (kind === 'upstream') return this.upstreamFailed(new SymbolonError('GATEWAY_UPSTREAM_TIMEOUT'));
    // 'client': the client stopped sending its body or reading the response.
    if (state.kind === 'responding') this.record(state.exchange, state.exchange.context, state.response.status, undefined);
    else if (isAdmitted(state)) {
      this.sendProblem('request_timeout', state.exchange.head, true);
      this.record(state.exchange, state.exchange.context, 408, 'request_timeout');
    }
    this.close();
  }
}
