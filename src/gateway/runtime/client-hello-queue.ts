/** A connection whose ClientHello is complete, waiting for the TLS layer. */
export interface WaitingHandshake {
  /** Hands the connection to the TLS layer (its key exchange and signature: the costly part). */
  start(): void;
  /** It waited too long: it will not be started. */
  park(): void;
  /** Whether it closed (or was evicted) while it waited. */
  isClosed(): boolean;
}

interface QueueEntry {
  readonly readyAtMs: number;
  readonly handshake: WaitingHandshake;
}

export interface ClientHelloQueueOptions {
  /** A ClientHello that waited longer than this is not answered: it stays parked until its connection times out or is evicted. */
  readonly maxWaitMs: number;
  readonly now: () => number;
  /** Runs `task` once the event loop has handled the I/O that is ready (setImmediate). */
  readonly schedule: (task: () => void) => void;
}

/**
 * The connections whose ClientHello is complete, handed to the TLS layer one per turn of the event
 * loop, newest first. A TLS server's first flight (key exchange, signature) is what a flood of half
 * handshakes makes it pay, and nothing about a ClientHello tells a good client from a hostile one.
 * So no ClientHello is answered as soon as it is read: between two of them the event loop handles
 * the I/O that is ready (the second flight of a client whose handshake has started, requests,
 * upstream answers), so a flood delays connections that are past their first flight by one
 * handshake at most. Newest first: under a flood the queue only grows at the bottom, and a fresh
 * ClientHello is answered within a few handshakes; one that waited longer than `maxWaitMs` is
 * parked, never answered (its client has given up or is hostile), and its connection stays as it
 * is, without crypto, until its timeout or an eviction closes it. A parked hostile connection that
 * is kept costs a socket; one that was closed would come back as a fresh ClientHello.
 *
 * Fair: the order is the time the ClientHello was complete, nothing about the client.
 * No clock and no I/O of its own: time and the scheduler come in as options.
 */
export class ClientHelloQueue {
  /** Oldest first from `head` on: the newest is popped from the end, the stale are cut from the front. */
  private waiting: QueueEntry[] = [];
  private head = 0;
  private isScheduled = false;

  constructor(private readonly options: ClientHelloQueueOptions) {}

  get size(): number {
    return this.waiting.length - this.head;
  }

  /** A connection whose ClientHello is complete: started on a later turn, or parked if it waits too long (nothing if it closes first). */
  push(handshake: WaitingHandshake): void {
    this.waiting.push({ readyAtMs: this.options.now(), handshake });
    this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.isScheduled || this.size === 0) return;
    this.isScheduled = true;
    this.options.schedule(() => this.turn());
  }

  /** Parks the stale from the oldest end, then starts the newest live handshake. */
  private turn(): void {
    this.isScheduled = false;
    const now = this.options.now();
    while (this.head < this.waiting.length) {
      const oldest = this.waiting[this.head]!;
      const isClosed = oldest.handshake.isClosed();
      const isStale = now - oldest.readyAtMs > this.options.maxWaitMs;
      if (!isStale && !isClosed) break;
      this.head++;
      if (!isClosed) oldest.handshake.park();
    }
    // Cut the dead front off once it is half the array: amortised O(1) per entry.
    if (this.head > 64 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    while (this.size > 0) {
      const newest = this.waiting.pop()!.handshake;
      if (newest.isClosed()) continue;
      newest.start();
      break;
    }
    this.scheduleTurn();
  }
}
