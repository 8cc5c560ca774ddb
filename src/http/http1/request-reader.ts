import { findHeadEnd, parseRequestHead } from './request-head.js';
import type { HeadError, RequestHead } from './request-head.js';

/** Bytes read ahead of the request in progress (pipelined requests) before the client is paused. */
const MAX_READ_AHEAD = 64 * 1024;
const LF_LF = Buffer.from('\n\n', 'latin1');

export interface RequestHeadLimits {
  /** The request line and header fields, CRLFs included. */
  readonly maxHeaderBytes: number;
  readonly maxHeaderFields: number;
}

/** What `readHead` found in the bytes read so far. */
/** `length`: the head's bytes, still held until `take(length)` consumes them. */
export type HeadRead =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'head'; readonly head: RequestHead; readonly length: number }
  | (Omit<HeadError, 'ok'> & { readonly kind: 'refused' });

const INCOMPLETE: HeadRead = Object.freeze({ kind: 'incomplete' });

/**
 * The reading side of a raw-socket HTTP/1.1 server connection (the gateway's relay, the CRL and
 * OCSP fast path): the client's bytes not yet consumed, request heads cut from them with the
 * strict parser under the same limits, and the client paused while too much is read ahead.
 * What the server does with a head (answer it, relay it, hand the connection over) is its own.
 */
export class RequestReader {
  private pending: Buffer | undefined;
  /** How far the current partial head was searched for its end. */
  private searchedTo = 0;
  private isPaused = false;

  /** `socket`: the client's connection (or any stream), paused and resumed here. */
  constructor(private readonly socket: { pause(): unknown; resume(): unknown }) {}

  /** Whether unconsumed bytes are held. */
  get hasPending(): boolean {
    return this.pending !== undefined;
  }

  /** Adds bytes after those held. */
  append(chunk: Buffer): void {
    this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
  }

  /** Every byte held, left held. */
  peekAll(): Buffer | undefined {
    return this.pending;
  }

  /** Takes every byte held. */
  takeAll(): Buffer | undefined {
    const taken = this.pending;
    this.pending = undefined;
    this.searchedTo = 0;
    return taken;
  }

  /** Takes `length` bytes when that many are held (a head `readHead` found, a Content-Length body), else undefined. */
  take(length: number): Buffer | undefined {
    const buffer = this.pending;
    if (buffer === undefined || buffer.length < length) return undefined;
    this.pending = buffer.length === length ? undefined : buffer.subarray(length);
    return buffer.subarray(0, length);
  }

  /** Pauses the client while more than 64 KiB are held beyond the request in progress. */
  pauseIfFull(): void {
    if (this.pending !== undefined && this.pending.length > MAX_READ_AHEAD) this.pause();
  }

  pause(): void {
    if (this.isPaused) return;
    this.isPaused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.socket.resume();
  }

  /**
   * Finds and parses the request head at the start of the bytes held, consuming nothing:
   * `incomplete` until its end has come, `refused` when it is larger than `maxHeaderBytes`, ends
   * its lines with bare LFs, or the strict parser (RFC 9112) refuses it.
   */
  readHead(limits: RequestHeadLimits): HeadRead {
    const buffer = this.pending;
    if (buffer === undefined) return INCOMPLETE;
    const end = findHeadEnd(buffer, this.searchedTo);
    if (end < 0) {
      this.searchedTo = buffer.length;
      if (buffer.length > limits.maxHeaderBytes)
        return { kind: 'refused', reason: 'header_too_large', message: 'the request head is larger than maxHeaderBytes' };
      // A head ended by bare LFs would otherwise wait for the headers timeout.
      if (buffer.includes(LF_LF))
        return { kind: 'refused', reason: 'bad_request', message: 'the request head ends its lines with a bare LF' };
      return INCOMPLETE;
    }
    if (end > limits.maxHeaderBytes)
      return { kind: 'refused', reason: 'header_too_large', message: 'the request head is larger than maxHeaderBytes' };
    const parsed = parseRequestHead(buffer, end, { maxFields: limits.maxHeaderFields });
    this.searchedTo = 0;
    return parsed.ok
      ? { kind: 'head', head: parsed.head, length: end }
      : { kind: 'refused', reason: parsed.reason, message: parsed.message };
  }
}
