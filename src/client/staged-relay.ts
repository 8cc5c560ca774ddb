import type { Socket } from 'node:net';

/** What one staging buffer holds: a few TLS records (at most 16 KiB of plaintext each). */
const STAGING_BYTES = 64 * 1024;
/** With less room than this left, what is staged is written now rather than read into a sliver. */
const MIN_ROOM_BYTES = 16 * 1024;

/**
 * One direction of a relay, reading into memory it reuses: the socket read from is created with
 * `onread: relay.onread` (Node's `onread` option), so each read lands in a staging buffer, and what
 * one turn of the event loop read is written to `to` in one write. A buffer is started over once
 * everything in it has been written and `to` holds no write pending; when one is still pending
 * and the buffer is full, the next reads go to a new one.
 *
 * Why: a socket read as a stream hands over a new buffer per read (per TLS record, for TLS). At the
 * tunnel's rates that allocation alone ran V8's full mark-compact every 70 ms (bench/tunnel.ts with
 * `--trace-gc`), and each TLS record became its own write. While `to` wants a drain, the socket read
 * from is paused.
 *
 * Node fills the buffer the last `onread.buffer()` call returned, so the buffer is only ever
 * changed there: `#flush` moves `#start`, never the memory.
 */
export class StagedRelay {
  #staging = Buffer.allocUnsafe(STAGING_BYTES);
  /** `[#start, #used)` is read and not yet written; `[0, #start)` was written, perhaps still pending. */
  #start = 0;
  #used = 0;
  #isFlushDue = false;
  #from: Socket | undefined;
  readonly #to: Socket;

  constructor(to: Socket) {
    this.#to = to;
    to.on('drain', () => this.#from?.resume());
  }

  /** The `onread` option of the socket to read from. */
  readonly onread = {
    buffer: (): Buffer => {
      if (this.#start === this.#used && this.#to.writableLength === 0) {
        this.#start = this.#used = 0;
      } else if (STAGING_BYTES - this.#used < MIN_ROOM_BYTES) {
        // Full, and written (see callback), but a write from it is still pending.
        this.#staging = Buffer.allocUnsafe(STAGING_BYTES);
        this.#start = this.#used = 0;
      }
      return this.#staging.subarray(this.#used);
    },
    callback: (bytes: number): boolean => {
      this.#used += bytes;
      if (STAGING_BYTES - this.#used < MIN_ROOM_BYTES) this.#flush();
      else if (!this.#isFlushDue) {
        this.#isFlushDue = true;
        // After the I/O callbacks of this turn: every record one TCP read held goes out in one write.
        setImmediate(this.#flushDue);
      }
      return true;
    },
  };

  /** Starts relaying from `socket` (created with `onread`); its end ends `to`, after what is staged. */
  from(socket: Socket): void {
    this.#from = socket;
    socket.on('end', () => {
      this.#flush();
      this.#to.end();
    });
  }

  readonly #flushDue = (): void => {
    this.#isFlushDue = false;
    this.#flush();
  };

  #flush(): void {
    if (this.#start === this.#used || this.#to.destroyed) return;
    this.#to.write(this.#staging.subarray(this.#start, this.#used));
    this.#start = this.#used;
    if (this.#to.writableNeedDrain) this.#from?.pause();
  }
}
