import { SymbolonError } from '../../errors.js';

/** One Server-Sent Event (HTML Living Standard 9.2.6): its type, id and data lines joined. */
export interface FeedFrame {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

export interface FeedStreamReaderOptions {
  /** Longest line taken; a longer one (or one that never ends) is GATEWAY_FEED_FRAME_TOO_LARGE. */
  readonly maxLineBytes: number;
  /** Largest event (all its lines) taken. */
  readonly maxFrameBytes: number;
  readonly onFrame: (frame: FeedFrame) => void;
  /** Called for every complete line, comments (heartbeats) included: the server is alive. */
  readonly onLine: () => void;
}

export interface FeedStreamReader {
  /** Takes the next bytes of the stream; throws GATEWAY_FEED_FRAME_TOO_LARGE, or what onFrame throws. */
  push(chunk: Buffer): void;
}

const NEWLINE = 0x0a;

/**
 * An incremental `text/event-stream` reader that holds at most one line and one event: a server
 * that sends a line without end, or an event without end, is cut off at the caps instead of
 * filling memory. Lines end with LF (a CR before it is dropped), as the feed server writes them.
 */
export function createFeedStreamReader(options: FeedStreamReaderOptions): FeedStreamReader {
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let frameBytes = 0;
  let event = '';
  let id: string | undefined;
  let data: string[] = [];

  function tooLarge(what: string, limit: number): SymbolonError {
    return new SymbolonError('GATEWAY_FEED_FRAME_TOO_LARGE', `the feed sent ${what} over ${limit} bytes`);
  }

  function line(bytes: Buffer): void {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    const text = bytes.toString('utf8', 0, end);
    options.onLine();
    if (text === '') {
      const frame = data.length > 0 || event !== '' ? { event: event === '' ? 'message' : event, id, data: data.join('\n') } : undefined;
      event = '';
      data = [];
      frameBytes = 0;
      if (frame !== undefined) options.onFrame(frame);
      return;
    }
    if (text.startsWith(':')) return;
    frameBytes += bytes.length;
    if (frameBytes > options.maxFrameBytes) throw tooLarge('an event', options.maxFrameBytes);
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(text[colon + 1] === ' ' ? colon + 2 : colon + 1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
    // `retry` and unknown fields are ignored: the client keeps its own backoff.
  }

  return {
    push(chunk) {
      let start = 0;
      for (let at = chunk.indexOf(NEWLINE); at >= 0; at = chunk.indexOf(NEWLINE, start)) {
        const piece = chunk.subarray(start, at);
        start = at + 1;
        if (partialBytes + piece.length > options.maxLineBytes) throw tooLarge('a line', options.maxLineBytes);
        if (partialBytes === 0) {
          line(piece);
        } else {
          partial.push(piece);
          const whole = Buffer.concat(partial);
          partial = [];
          partialBytes = 0;
          line(whole);
        }
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        partialBytes += rest.length;
        if (partialBytes > options.maxLineBytes) throw tooLarge('a line', options.maxLineBytes);
        // A copy: the socket may reuse its buffer.
        partial.push(Buffer.from(rest));
      }
    },
  };
}
