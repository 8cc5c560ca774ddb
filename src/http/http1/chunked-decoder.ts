import { SymbolonError } from '../../errors.js';
import { CR, FIELD_VALUE_BYTE, FieldLineState, HTAB, LF, SP, describeFieldLineProblem, stepFieldLine } from './field-syntax.js';

export interface ChunkedLimits {
  /** Longest chunk-size line, size and extensions without the CRLF. */
  readonly maxLineBytes: number;
  /** Largest trailer section, every byte after the last-chunk line up to and including the final CRLF. */
  readonly maxTrailerBytes: number;
}

const DEFAULT_LIMITS: ChunkedLimits = { maxLineBytes: 4096, maxTrailerBytes: 16384 };

/** RFC 9112 7.1: at most 13 hex digits, so the size (< 2^52) stays an exact integer. */
const MAX_SIZE_DIGITS = 13;

const CRLF = Buffer.from('\r\n', 'latin1');

export const LAST_CHUNK: Buffer = Buffer.from('0\r\n\r\n', 'latin1');

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let digit = 0; digit < 16; digit++) {
  const lower = digit.toString(16);
  HEX_VALUE[lower.charCodeAt(0)] = digit;
  HEX_VALUE[lower.toUpperCase().charCodeAt(0)] = digit;
}

let lastHeaderSize = -1;
let lastHeader = Buffer.alloc(0);

/** `<size in lower-case hex>\r\n`; the last one is reused, as bodies tend to repeat one size. Never mutate the result. */
function chunkHeader(size: number): Buffer {
  if (size !== lastHeaderSize) {
    lastHeader = Buffer.from(`${size.toString(16)}\r\n`, 'latin1');
    lastHeaderSize = size;
  }
  return lastHeader;
}

/** Wraps data as one chunk (for re-framing a close-delimited body as chunked): [header, data, CRLF]; [] for empty data, which would otherwise read as the last chunk. */
export function chunkOf(data: Buffer): Buffer[] {
  if (data.length === 0) return [];
  return [chunkHeader(data.length), data, CRLF];
}

const State = {
  size: 0,
  sizeWhitespace: 1,
  extension: 2,
  sizeLineFeed: 3,
  data: 4,
  dataCarriageReturn: 5,
  dataLineFeed: 6,
  trailerLineStart: 7,
  trailerLine: 8,
  finalLineFeed: 9,
  done: 10,
} as const;

/**
 * Streaming validator + re-framer of a chunked body (RFC 9112 7.1). Output is canonical chunked:
 * for each chunk `<size in lower-case hex>\r\n`, the data (as zero-copy subarrays of the input where possible), `\r\n`;
 * and at the end exactly `0\r\n\r\n`. Chunk extensions and the trailer section are validated and DROPPED.
 * The output shares memory with the input: do not reuse an input buffer until its output is written.
 */
export class ChunkedDecoder {
  readonly #limits: ChunkedLimits;
  #state: number = State.size;
  #size = 0;
  #sizeDigits = 0;
  #lineBytes = 0;
  #remaining = 0;
  #trailerBytes = 0;
  #fieldState = 0;
  #failure: string | undefined;

  constructor(limits?: Partial<ChunkedLimits>) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get done(): boolean {
    return this.#state === State.done;
  }

  /** Consumes input up to the end of the message; `consumed` < input.length when the message ended inside it (the rest is the next message). Throws HTTP_CHUNKED_FRAMING on malformed input (and keeps throwing after). */
  push(input: Buffer): { readonly output: Buffer[]; readonly consumed: number; readonly done: boolean } {
    if (this.#failure !== undefined) throw new SymbolonError('HTTP_CHUNKED_FRAMING', this.#failure);
    if (this.#state === State.done) return { output: [], consumed: 0, done: true };
    const output: Buffer[] = [];
    const length = input.length;
    let index = 0;
    while (index < length) {
      switch (this.#state) {
        case State.size: {
          const byte = input[index]!;
          const digit = HEX_VALUE[byte]!;
          if (digit >= 0) {
            if (++this.#sizeDigits > MAX_SIZE_DIGITS) this.#fail('the chunk size has more than 13 hex digits');
            this.#size = this.#size * 16 + digit;
          } else if (this.#sizeDigits === 0) {
            this.#fail('a chunk does not start with a hex size');
          } else if (byte === CR) {
            this.#state = State.sizeLineFeed;
          } else if (byte === SP || byte === HTAB) {
            this.#state = State.sizeWhitespace;
          } else if (byte === 0x3b) {
            this.#state = State.extension;
          } else {
            this.#fail('the chunk size is followed by neither CRLF nor an extension');
          }
          if (byte !== CR) this.#countLineByte();
          index++;
          break;
        }
        case State.sizeWhitespace: {
          // RFC 9112 7.1.1: BWS before ";" only.
          const byte = input[index]!;
          if (byte === 0x3b) this.#state = State.extension;
          else if (byte !== SP && byte !== HTAB) this.#fail('whitespace after the chunk size is not followed by an extension');
          this.#countLineByte();
          index++;
          break;
        }
        case State.extension: {
          let byte = input[index]!;
          while (FIELD_VALUE_BYTE[byte] === 1) {
            this.#countLineByte();
            if (++index === length) break;
            byte = input[index]!;
          }
          if (index === length) break;
          if (byte !== CR) this.#fail('a chunk extension holds a control byte or a bare LF');
          this.#state = State.sizeLineFeed;
          index++;
          break;
        }
        case State.sizeLineFeed: {
          if (input[index] !== LF) this.#fail('the chunk-size line has a bare CR');
          index++;
          this.#lineBytes = 0;
          this.#sizeDigits = 0;
          if (this.#size === 0) {
            this.#state = State.trailerLineStart;
          } else {
            output.push(chunkHeader(this.#size));
            this.#remaining = this.#size;
            this.#size = 0;
            this.#state = State.data;
          }
          break;
        }
        case State.data: {
          const take = Math.min(this.#remaining, length - index);
          output.push(input.subarray(index, index + take));
          index += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = State.dataCarriageReturn;
          break;
        }
        case State.dataCarriageReturn:
          if (input[index] !== CR) this.#fail('the chunk data is not followed by CRLF');
          this.#state = State.dataLineFeed;
          index++;
          break;
        case State.dataLineFeed:
          if (input[index] !== LF) this.#fail('the chunk data is not followed by CRLF');
          output.push(CRLF);
          this.#state = State.size;
          index++;
          break;
        case State.trailerLineStart: {
          const byte = input[index]!;
          this.#countTrailerByte();
          if (byte === CR) {
            this.#state = State.finalLineFeed;
          } else {
            this.#stepTrailer(FieldLineState.lineStart, byte);
            this.#state = State.trailerLine;
          }
          index++;
          break;
        }
        case State.trailerLine:
          this.#countTrailerByte();
          if (this.#stepTrailer(this.#fieldState, input[index]!)) this.#state = State.trailerLineStart;
          index++;
          break;
        case State.finalLineFeed:
          if (input[index] !== LF) this.#fail('the trailer section does not end in CRLF');
          this.#countTrailerByte();
          output.push(LAST_CHUNK);
          this.#state = State.done;
          return { output, consumed: index + 1, done: true };
      }
    }
    return { output, consumed: length, done: false };
  }

  #countLineByte(): void {
    if (++this.#lineBytes > this.#limits.maxLineBytes) this.#fail('the chunk-size line is longer than the limit');
  }

  #countTrailerByte(): void {
    if (++this.#trailerBytes > this.#limits.maxTrailerBytes) this.#fail('the trailer section is larger than the limit');
  }

  /** Feeds one trailer byte to the field-line check; true when the line ended. */
  #stepTrailer(state: number, byte: number): boolean {
    const next = stepFieldLine(state, byte);
    if (typeof next === 'string') this.#fail(`trailer: ${describeFieldLineProblem(next)}`);
    if (next === -1) return true;
    this.#fieldState = next;
    return false;
  }

  #fail(message: string): never {
    this.#failure = message;
    throw new SymbolonError('HTTP_CHUNKED_FRAMING', message);
  }
}
