import { isSymbolonError, SymbolonError } from '../../errors.js';
import type { TLSSocket } from 'node:tls';
import type { RejectionReason } from '../rejection.js';
import { REJECTION_REASONS, rejectionBody } from '../rejection.js';
import { clientResponseHead, upstreamRequestHead } from './relay-heads.js';
import { ChunkedDecoder, chunkOf, deadlines, findHeadEnd, httpDateNow, internalErrorMessage, LAST_CHUNK, parseRequestHead, parseResponseHead, problemMessage } from '../../http/index.js';
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
  | { readonly ok: false; readonly reason: RejectionReason; readonly context: Context };

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
/** Bytes read ahead of the request in progress (pipelined requests) before the client is paused. */
const MAX_READ_AHEAD = 64 * 1024;
const LF_LF = Buffer.from('\n\n', 'latin1');
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const NO_HEAD_PARSED: RequestHead = Object.freeze<RequestHead>({
  method: '',
  target: '',
  authority: undefined,
  versionMinor: 1,
  fields: [],
  framing: { kind: 'none' } as const,
  keepAlive: false,
  expectContinue: false,
  connectionListed: undefined,
});


/** `text` (latin1) followed by `pieces`, in one new buffer. */
function joinAfter(text: string, pieces: readonly Buffer[]): Buffer {
  let length = text.length;
  for (const piece of pieces) length += piece.length;
  const joined = Buffer.allocUnsafe(length);
  let offset = joined.write(text, 0, 'latin1');
  for (const piece of pieces) offset += piece.copy(joined, offset);
  return joined;
}

type Phase = 'head' | 'deciding' | 'exchange' | 'closed';
type TimerKind = 'idle' | 'headers' | 'client' | 'upstream' | 'closing';


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
  private phase: Phase = 'head';
  /** Unread client bytes: a partial head, or what follows the request in progress. */
  private pending: Buffer | undefined;
  private searchedTo = 0;
  /** When the current timeout fires (performance.now() time), Infinity for none. */
  deadline = Infinity;
  private timerKind: TimerKind | undefined;
  private isPaused = false;
  /** The client half-closed (TCP FIN or TLS close_notify): no more requests come, and those it sent are still answered. */
  private isClientEnded = false;

  // The exchange in progress.
  private head: RequestHead = NO_HEAD_PARSED;
  private context: Context | undefined;
  private target: RelayTarget | undefined;
  private started = 0;
  private upstream: UpstreamConnection | undefined;
  private upstreamHead: Buffer | undefined;
  private hasRetried = false;
  private sentAt = 0;
  private upstreamMs: number | undefined;
  /** Request body still to come from the client: bytes for a length, or the decoder for chunked. */
  private requestRemaining = 0;
  private requestDecoder: ChunkedDecoder | undefined;
  private isRequestDone = true;
  /** Checks a chunked body's framing while it is held back from the upstream (see bufferedChunkedBodyBytes). */
  private heldBodyChecker: ChunkedDecoder | undefined;
  private heldBodyBytes = 0;
  private hasSentContinue = false;
  /** Bytes of response heads (interim ones included) read for this request. */
  private responseHeadBytes = 0;
  private responseBuffer: Buffer | undefined;
  private response: ResponseHead | undefined;
  private responseRemaining = 0;
  private responseDecoder: ChunkedDecoder | undefined;
  /** An upstream body without framing (read until close) is re-framed as chunked for HTTP/1.1 clients. */
  private isChunkingClose = false;
  private closeAfterResponse = false;
  private responseStatus = 0;
  /** Bytes after a complete response: the upstream's framing cannot be trusted any more. */
  private hasExtraBytes = false;
  private isAwaitingUpstreamDrain = false;
  /** Counts the requests on this connection: an upstream connection arriving late is matched to its own. */
  private exchangeNumber = 0;
  private readonly remoteAddress: string | undefined;

  constructor(
    private readonly socket: TLSSocket,
    private readonly limits: Http1Limits,
    private readonly hooks: Http1Hooks<Context>,
  ) {
    this.remoteAddress = socket.remoteAddress;
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

  // --- client side --------------------------------------------------------------------------------

  private onClientData(chunk: Buffer): void {
    if (this.phase === 'exchange' && !this.isRequestDone) {
      this.forwardBody(chunk);
      return;
    }
    this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.phase === 'head') this.readHead();
    else if (this.pending.length > MAX_READ_AHEAD) this.pauseClient();
  }

  /**
   * The client sent all it will (gnutls-cli half-closes after its request, for one): the request
   * in progress and any complete one after it are answered, then the connection closes. A request
   * whose body stops short can never be relayed and is abandoned.
   */
  private onClientEnd(): void {
    this.isClientEnded = true;
    if (this.phase === 'head') this.closeGracefully();
    else if (this.phase === 'exchange' && !this.isRequestDone && this.upstream !== undefined) this.abort();
  }

  private readHead(): void {
    const buffer = this.pending;
    if (buffer === undefined) return;
    if (this.timerKind !== 'headers') this.arm('headers', this.limits.headersTimeoutMs);
    const end = findHeadEnd(buffer, this.searchedTo);
    if (end < 0) {
      this.searchedTo = buffer.length;
      if (buffer.length > this.limits.maxHeaderBytes) return this.refuseMalformed('header_too_large', 'the request head is larger than maxHeaderBytes');
      // A head ended by bare LFs would otherwise wait for the headers timeout.
      if (buffer.includes(LF_LF)) this.refuseMalformed('bad_request', 'the request head ends its lines with a bare LF');
      return;
    }
    if (end > this.limits.maxHeaderBytes) return this.refuseMalformed('header_too_large', 'the request head is larger than maxHeaderBytes');
    const parsed = parseRequestHead(buffer, end, { maxFields: this.limits.maxHeaderFields });
    this.searchedTo = 0;
    this.pending = end === buffer.length ? undefined : buffer.subarray(end);
    if (!parsed.ok) return this.refuseMalformed(parsed.reason, parsed.message);
    this.begin(parsed.head);
  }

  private begin(head: RequestHead): void {
    this.exchangeNumber++;
    this.phase = 'deciding';
    this.disarm();
    this.head = head;
    this.context = undefined;
    this.target = undefined;
    this.started = performance.now();
    this.upstreamMs = undefined;
    this.hasRetried = false;
    this.response = undefined;
    this.responseBuffer = undefined;
    this.responseStatus = 0;
    this.hasExtraBytes = false;
    this.isChunkingClose = false;
    this.closeAfterResponse = !head.keepAlive;
    const framing = head.framing;
    this.isRequestDone = framing.kind === 'none';
    this.requestRemaining = framing.kind === 'length' ? framing.length : 0;
    this.requestDecoder = framing.kind === 'chunked' ? new ChunkedDecoder() : undefined;
    this.heldBodyChecker = undefined;
    this.heldBodyBytes = 0;
    this.hasSentContinue = false;
    this.responseHeadBytes = 0;
    let admission: Admission<Context> | Promise<Admission<Context>>;
    try {
      admission = this.hooks.admit(this.socket, head);
    } catch (error) {
      return this.internalError(error);
    }
    if (admission instanceof Promise) {
      this.pauseClient();
      admission.then(
        (decided) => this.decided(decided),
        (error: unknown) => this.internalError(error),
      );
    } else this.decided(admission);
  }

  private decided(admission: Admission<Context>): void {
    if (this.phase !== 'deciding') return;
    this.context = admission.context;
    if (!admission.ok) return this.refuse(admission.reason);
    this.target = admission.target;
    this.upstreamHead = upstreamRequestHead(this.head, admission.target.basePath, admission.headers, this.remoteAddress ?? '', admission.requestTarget);
    this.phase = 'exchange';
    if (this.head.framing.kind === 'chunked' && this.limits.bufferedChunkedBodyBytes > 0) return this.holdBody();
    this.acquireUpstream();
  }

  private acquireUpstream(): void {
    this.arm('upstream', this.target!.timeoutMs);
    const exchange = this.exchangeNumber;
    const pool = this.target!.pool;
    pool.acquire(this, (error, connection) => this.connected(exchange, pool, error, connection));
  }

  /**
   * Holds a chunked request body back from the upstream until its framing is known good: the
   * whole body when it ends within bufferedChunkedBodyBytes, else that much of it. A malformed
   * one is refused (400) with nothing sent upstream, where a streamed one would be half sent.
   */
  private holdBody(): void {
    this.heldBodyChecker = new ChunkedDecoder();
    if (this.head.expectContinue && this.pending === undefined) this.sendContinue();
    this.arm('client', this.limits.idleTimeoutMs);
    this.resumeClient();
    const early = this.pending;
    if (early !== undefined) this.checkHeldBody(early);
  }

  /** `chunk` has been added to `pending`: checks it, and sends the request on once the body ended or passed the limit. */
  private checkHeldBody(chunk: Buffer): void {
    const checker = this.heldBodyChecker!;
    let isDone: boolean;
    try {
      isDone = checker.push(chunk).done;
    } catch (error) {
      if (!isSymbolonError(error, 'HTTP_CHUNKED_FRAMING')) throw error;
      return this.badBodyFraming();
    }
    this.heldBodyBytes += chunk.length;
    if (!isDone && this.heldBodyBytes <= this.limits.bufferedChunkedBodyBytes) return this.arm('client', this.limits.idleTimeoutMs);
    this.heldBodyChecker = undefined;
    this.acquireUpstream();
  }

  private sendContinue(): void {
    if (this.hasSentContinue) return;
    this.hasSentContinue = true;
    this.socket.write(CONTINUE);
  }

  private connected(exchange: number, pool: UpstreamPool, error: Error | undefined, connection: UpstreamConnection | undefined): void {
    // A connection for an exchange that ended meanwhile (it timed out waiting for the pool, or the
    // client left): back to the pool it came from, whatever route the connection serves now.
    if (exchange !== this.exchangeNumber || this.phase !== 'exchange') {
      if (connection !== undefined) pool.release(connection);
      return;
    }
    if (error !== undefined || connection === undefined) return this.upstreamFailed(error ?? new Error('no upstream connection'));
    this.upstream = connection;
    this.sentAt = performance.now();
    connection.socket.write(this.upstreamHead!);
    if (this.head.expectContinue && !this.isRequestDone && this.pending === undefined) this.sendContinue();
    if (!this.isRequestDone) {
      const early = this.pending;
      this.pending = undefined;
      if (early !== undefined) this.forwardBody(early);
      if (this.isClientEnded && !this.isRequestDone) return this.abort();
      this.resumeClient();
    }
  }

  /** Client bytes while the request body is open: the body's share goes upstream, the rest waits. */
  private forwardBody(chunk: Buffer): void {
    const upstream = this.upstream;
    if (upstream === undefined) {
      // Still connecting, or held back while its framing is checked: kept until then (the client is
      // paused past the read-ahead limit once the upstream is being reached).
      this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
      if (this.heldBodyChecker !== undefined) return this.checkHeldBody(chunk);
      if (this.pending.length > MAX_READ_AHEAD) this.pauseClient();
      return;
    }
    let rest: Buffer | undefined;
    let isWritable = true;
    if (this.requestDecoder !== undefined) {
      let pushed;
      try {
        pushed = this.requestDecoder.push(chunk);
      } catch (error) {
        if (!isSymbolonError(error, 'HTTP_CHUNKED_FRAMING')) throw error;
        return this.badBodyFraming();
      }
      for (const piece of pushed.output) isWritable = upstream.socket.write(piece);
      if (pushed.done) {
        this.isRequestDone = true;
        if (pushed.consumed < chunk.length) rest = chunk.subarray(pushed.consumed);
      }
    } else {
      const taken = Math.min(this.requestRemaining, chunk.length);
      isWritable = upstream.socket.write(taken === chunk.length ? chunk : chunk.subarray(0, taken));
      this.requestRemaining -= taken;
      if (this.requestRemaining === 0) {
        this.isRequestDone = true;
        if (taken < chunk.length) rest = chunk.subarray(taken);
      }
    }
    if (this.isRequestDone) {
      if (rest !== undefined) this.pending = this.pending === undefined ? rest : Buffer.concat([this.pending, rest]);
      if (this.pending !== undefined && this.pending.length > MAX_READ_AHEAD) this.pauseClient();
      if (this.timerKind === 'client') this.arm('upstream', this.target!.timeoutMs);
      return;
    }
    if (this.response === undefined) this.arm('client', this.limits.idleTimeoutMs);
    if (!isWritable && !this.isAwaitingUpstreamDrain) {
      this.isAwaitingUpstreamDrain = true;
      this.pauseClient();
      upstream.socket.once('drain', () => {
        this.isAwaitingUpstreamDrain = false;
        this.resumeClient();
      });
    }
  }

  private onClientDrain(): void {
    if (this.upstream !== undefined && this.response !== undefined) {
      this.upstream.socket.resume();
      if (this.timerKind === 'client') this.arm('upstream', this.target!.timeoutMs);
    }
  }

  // --- upstream side ------------------------------------------------------------------------------

  onUpstreamData(chunk: Buffer): void {
    if (this.phase !== 'exchange') return;
    if (this.response === undefined) return this.readResponseHead(chunk);
    this.relayResponseBody(chunk);
  }

  onUpstreamEnd(): void {
    if (this.phase !== 'exchange') return;
    const upstream = this.upstream;
    this.upstream = undefined;
    if (this.response !== undefined && this.response.framing.kind === 'close') {
      if (this.isChunkingClose) this.socket.write(LAST_CHUNK);
      this.finishExchange();
      return;
    }
    this.upstreamLost(upstream, new Error('the upstream closed the connection before its response was complete'));
  }

  onUpstreamError(error: Error): void {
    if (this.phase !== 'exchange') return;
    const upstream = this.upstream;
    this.upstream = undefined;
    this.upstreamLost(upstream, error);
  }

  private upstreamLost(upstream: UpstreamConnection | undefined, error: Error): void {
    const mayRetry = upstream !== undefined && upstream.served > 0 && this.response === undefined && this.responseBuffer === undefined && this.head.framing.kind === 'none' && IDEMPOTENT.has(this.head.method) && !this.hasRetried;
    if (mayRetry) {
      // A reused connection the upstream closed as we wrote to it: once more on a new one.
      this.hasRetried = true;
      const exchange = this.exchangeNumber;
      const pool = this.target!.pool;
      pool.acquire(this, (retryError, connection) => this.connected(exchange, pool, retryError, connection), true);
      return;
    }
    this.upstreamFailed(error);
  }

  private readResponseHead(chunk: Buffer): void {
    let buffer = this.responseBuffer === undefined ? chunk : Buffer.concat([this.responseBuffer, chunk]);
    for (;;) {
      const end = findHeadEnd(buffer, 0);
      // The whole head counts, found in this read or not, and the interim heads before it.
      if ((end < 0 ? buffer.length : end) + this.responseHeadBytes > MAX_RESPONSE_HEAD_BYTES) return this.upstreamFailed(new Error('the upstream response head is larger than 64 KiB'));
      if (end < 0) {
        // Kept past this call: a copy (the pool reuses the memory of `chunk`).
        this.responseBuffer = buffer === chunk ? Buffer.from(chunk) : buffer;
        return;
      }
      const parsed = parseResponseHead(buffer, end, this.head.method, { maxFields: MAX_RESPONSE_FIELDS });
      if (!parsed.ok) return this.upstreamFailed(new Error(`the upstream sent a malformed response head: ${parsed.message}`));
      const response = parsed.head;
      buffer = buffer.subarray(end);
      this.responseHeadBytes += end;
      if (response.status === 101) return this.upstreamFailed(new Error('the upstream switched protocols on a request that asked for no upgrade'));
      if (response.status < 200) {
        // Interim responses are not relayed; the gateway sent its own 100 Continue.
        if (buffer.length === 0) {
          this.responseBuffer = undefined;
          return;
        }
        continue;
      }
      this.responseBuffer = undefined;
      this.startResponse(response, buffer);
      return;
    }
  }

  private startResponse(response: ResponseHead, body: Buffer): void {
    this.upstreamMs = performance.now() - this.sentAt;
    const isHttp11 = this.head.versionMinor === 1;
    const framing = response.framing;
    // Nothing has gone to the client yet: it gets a 502.
    if (framing.kind === 'chunked' && !isHttp11) return this.upstreamFailed(new Error('the upstream sent a chunked response to an HTTP/1.0 request'));
    this.response = response;
    this.responseStatus = response.status;
    // The request body is still coming: the upstream answered early, so the connection cannot be reused.
    if (!this.isRequestDone) this.closeAfterResponse = true;
    if (framing.kind === 'close' && !isHttp11) this.closeAfterResponse = true;
    this.isChunkingClose = framing.kind === 'close' && isHttp11;
    this.responseRemaining = framing.kind === 'length' ? framing.length : 0;
    this.responseDecoder = framing.kind === 'chunked' ? new ChunkedDecoder() : undefined;
    const headText = clientResponseHead(response, this.head, { close: this.closeAfterResponse, chunked: framing.kind === 'chunked' || this.isChunkingClose }, httpDateNow());
    this.arm('upstream', this.target!.timeoutMs);
    if (body.length === 0 || framing.kind === 'none') {
      this.socket.write(headText, 'latin1');
      if (framing.kind === 'none') {
        this.hasExtraBytes = body.length > 0;
        this.finishExchange();
      }
      return;
    }
    this.relayResponseBody(body, headText);
  }

  /** `headText`: the response head, sent in the same write as the first piece of the body. */
  private relayResponseBody(chunk: Buffer, headText = ''): void {
    const response = this.response!;
    const out: Buffer[] = [];
    let isComplete = false;
    if (response.framing.kind === 'length') {
      const taken = Math.min(this.responseRemaining, chunk.length);
      out.push(taken === chunk.length ? chunk : chunk.subarray(0, taken));
      this.responseRemaining -= taken;
      if (taken < chunk.length) this.hasExtraBytes = true;
      isComplete = this.responseRemaining === 0;
    } else if (this.responseDecoder !== undefined) {
      let pushed;
      try {
        pushed = this.responseDecoder.push(chunk);
      } catch (error) {
        if (!isSymbolonError(error, 'HTTP_CHUNKED_FRAMING')) throw error;
        // Nothing sent yet (the head goes out with the first piece of the body): the client can still get a 502.
        if (headText !== '') this.response = undefined;
        return this.upstreamFailed(new Error(`the upstream's chunked body is malformed: ${error.message}`));
      }
      for (const piece of pushed.output) out.push(piece);
      if (pushed.done) {
        isComplete = true;
        if (pushed.consumed < chunk.length) this.hasExtraBytes = true;
      }
    } else if (this.isChunkingClose) {
      for (const piece of chunkOf(chunk)) out.push(piece);
    } else out.push(chunk);
    // A copy even of one piece: the pool reuses the memory of `chunk`, and a write may be queued.
    const isWritable = this.socket.write(joinAfter(headText, out));
    if (isComplete) return this.finishExchange();
    if (this.timerKind === 'upstream') this.arm('upstream', this.target!.timeoutMs);
    if (!isWritable) {
      this.upstream?.socket.pause();
      this.arm('client', this.limits.idleTimeoutMs);
    }
  }

  /**
   * The response is complete. The upstream connection goes back to the pool only when both
   * messages ended exactly where their framing said; a request body still coming (the upstream
   * answered early) closes the client connection after the response.
   */
  private finishExchange(): void {
    if (this.phase !== 'exchange') return;
    const upstream = this.upstream;
    this.upstream = undefined;
    if (upstream !== undefined) {
      upstream.socket.resume();
      const response = this.response!;
      const isReusable = this.isRequestDone && !this.hasExtraBytes && response.keepAlive && response.framing.kind !== 'close';
      if (isReusable) this.target!.pool.release(upstream, response.keepAliveTimeoutMs);
      else this.target!.pool.discard(upstream);
    }
    this.record(this.responseStatus, undefined);
    this.next();
  }

  /** After a response: close if asked, else the next request (perhaps already read). */
  private next(): void {
    if (this.closeAfterResponse || !this.isRequestDone) return this.closeGracefully();
    this.phase = 'head';
    this.head = NO_HEAD_PARSED;
    this.resumeClient();
    if (this.pending !== undefined) this.readHead();
    else if (!this.isClientEnded) this.arm('idle', this.limits.idleTimeoutMs);
    // A half-closed client sends no more: what is left is at most part of a request.
    if (this.isClientEnded && this.phase === 'head') this.closeGracefully();
  }

  // --- refusals and failures -----------------------------------------------------------------------

  private refuseMalformed(reason: RejectionReason, message: string): void {
    this.hooks.malformed(reason, message);
    this.closeAfterResponse = true;
    this.sendProblem(reason, 'GET');
    this.closeGracefully();
  }

  private refuse(reason: RejectionReason): void {
    // A body the gateway did not read leaves the connection's framing unknown: close after.
    if (!this.isRequestDone) this.closeAfterResponse = true;
    this.sendProblem(reason, this.head.method);
    this.record(REJECTION_REASONS[reason].status, reason);
    this.next();
  }

  private badBodyFraming(): void {
    this.hooks.malformed('bad_request', 'the chunked request body is malformed');
    const upstream = this.upstream;
    this.upstream = undefined;
    if (upstream !== undefined) this.target!.pool.discard(upstream);
    if (this.response === undefined) {
      this.closeAfterResponse = true;
      this.sendProblem('bad_request', this.head.method);
      this.record(400, 'bad_request');
    }
    this.close();
  }

  private upstreamFailed(error: Error): void {
    const upstream = this.upstream;
    this.upstream = undefined;
    if (upstream !== undefined) this.target!.pool.discard(upstream);
    if (this.phase !== 'exchange') return;
    if (this.response !== undefined) {
      // Part of the response is on its way: the client learns of the failure by the connection closing.
      this.record(this.responseStatus, undefined, error.message);
      this.close();
      return;
    }
    const reason: RejectionReason = isSymbolonError(error, 'GATEWAY_UPSTREAM_TIMEOUT') || isSymbolonError(error, 'GATEWAY_UPSTREAM_CONNECT_TIMEOUT') ? 'upstream_timeout' : 'upstream_unavailable';
    if (!this.isRequestDone) this.closeAfterResponse = true;
    this.sendProblem(reason, this.head.method);
    this.record(REJECTION_REASONS[reason].status, reason, error.message);
    this.next();
  }

  private internalError(error: unknown): void {
    this.hooks.onError(error);
    if (this.phase === 'closed') return;
    this.closeAfterResponse = true;
    this.socket.write(internalErrorMessage(), 'latin1');
    this.record(500, undefined);
    this.close();
  }

  private sendProblem(reason: RejectionReason, method: string): void {
    const connection = this.closeAfterResponse ? 'close' : this.head.versionMinor === 0 ? 'keep-alive' : undefined;
    this.socket.write(problemMessage(REJECTION_REASONS[reason].status, rejectionBody(reason), connection, method === 'HEAD'), 'latin1');
  }

  private record(status: number, reason: RejectionReason | undefined, detail?: string): void {
    try {
      this.hooks.record({ head: this.head, context: this.context, status, reason, upstreamMs: this.upstreamMs, durationMs: performance.now() - this.started, remoteAddress: this.remoteAddress, detail });
    } catch (error) {
      this.hooks.onError(error);
    }
  }

  /** Stops at once: the client connection and any upstream connection in use. */
  private close(): void {
    const upstream = this.upstream;
    this.upstream = undefined;
    if (upstream !== undefined) this.target?.pool.discard(upstream);
    this.closeGracefully();
  }

  /**
   * Ends the connection once what was written has gone out (as node:http does), not when the
   * client answers the FIN: a client that stops reading would otherwise hold the connection
   * forever. One that does not take the last bytes within the idle timeout is cut off.
   */
  private closeGracefully(): void {
    this.phase = 'closed';
    this.arm('closing', this.limits.idleTimeoutMs);
    this.socket.destroySoon();
  }

  /** The client went away (or broke the protocol mid-body): an exchange in progress is abandoned. */
  private abort(): void {
    if (this.phase === 'closed') return;
    const wasExchanging = this.phase === 'exchange' || this.phase === 'deciding';
    this.phase = 'closed';
    this.disarm();
    const upstream = this.upstream;
    this.upstream = undefined;
    if (upstream !== undefined) this.target?.pool.discard(upstream);
    // 499, as nginx logs it: the client closed the connection before the response was complete.
    if (wasExchanging) this.record(this.response === undefined ? 499 : this.responseStatus, undefined);
    this.socket.destroy();
  }

  // --- flow control and timers ---------------------------------------------------------------------

  private pauseClient(): void {
    if (this.isPaused) return;
    this.isPaused = true;
    this.socket.pause();
  }

  private resumeClient(): void {
    if (!this.isPaused || this.phase === 'closed') return;
    this.isPaused = false;
    this.socket.resume();
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
    if (this.phase === 'closed') return;
    // A keep-alive connection idle too long is closed without a word (RFC 9112 9.5).
    if (kind === 'idle') return this.closeGracefully();
    if (kind === 'headers') return this.refuseMalformed('request_timeout', 'the request head did not arrive within the headers timeout');
    if (kind === 'upstream') return this.upstreamFailed(new SymbolonError('GATEWAY_UPSTREAM_TIMEOUT'));
    // 'client': the client stopped sending its body or reading the response.
    if (this.response === undefined && this.phase === 'exchange') {
      this.closeAfterResponse = true;
      this.sendProblem('request_timeout', this.head.method);
      this.record(408, 'request_timeout');
    } else this.record(this.responseStatus, undefined);
    this.close();
  }
}
