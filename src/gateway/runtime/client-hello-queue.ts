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
  /** Runs `task` at the start of the next turn of the event loop, before its I/O (a timer). */
  readonly atNextTurn: (task: () => void) => void;
  /** Runs `task` at the end of this turn, after its I/O (setImmediate). */
  readonly atEndOfTurn: (task: () => void) => void;
}

/**
 * The connections whose ClientHello is complete, handed to the TLS layer one per turn of the event
 * loop, newest first. A TLS server's first flight (key exchange, signature) is what a flood of half
 * handshakes makes it pay, and nothing about a ClientHello tells a good client from a hostile one.
 * Answered all at once, as they are read, the ClientHellos of one turn hold up everything else for
 * as many handshakes as came in; one per turn, the event loop handles the I/O that is ready between
 * two (the second flight of a client whose handshake has started, requests, upstream answers), so
 * a flood delays connections past their first flight by about one handshake. Newest first: under
 * a flood the queue grows at the bottom, and a fresh ClientHello is answered within a few turns;
 * one that waited longer than `maxWaitMs` is parked, never answered (its client has given up or is
 * hostile), and its connection stays as it is, without crypto, until its timeout or an eviction
 * closes it. A parked hostile connection costs a socket; closed, it would come back as a fresh
 * ClientHello.
 *
 * With nothing waiting and no handshake started this turn, a ClientHello is answered as it is read.
 * Else the waiting ones go at the start of a turn, before its I/O: node:tls finishes a socket's
 * first write in the check phase after it, and a handshake started in the check phase could meet
 * the client's answer (read in the I/O phase between) with that write unfinished, which leaves a
 * refusal's alert unsent.
 *
 * Fair: the order is the time the ClientHello was complete, nothing about the client.
 * No clock and no I/O of its own: time and the turns of the event loop come in as options.
 */
export class ClientHelloQueue {
  /** Oldest first from `head` on: the newest is popped from the end, the stale are cut from the front. */
  private waiting: QueueEntry[] = [];
  private head = 0;
  /** Whether this turn has started its handshake. */
  private hasStarted = false;
  private isTurnScheduled = false;

  constructor(private readonly options: ClientHelloQueueOptions) {}

  get size(): number {
    return this.waiting.length - this.head;
  }

  /** A connection whose ClientHello is complete: started now if nothing waits and this turn has started none, else on a later turn, or parked if it waits too long (nothing if it closes first). */
  push(handshake: WaitingHandshake): void {
    const isIdle = !this.hasStarted && this.size === 0;
    this.waiting.push({ readyAtMs: this.options.now(), handshake });
    if (isIdle) this.turn();
    else this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.isTurnScheduled || this.size === 0) return;
    this.isTurnScheduled = true;
    this.options.atNextTurn(() => {
      this.isTurnScheduled = false;
      this.turn();
    });
  }

  private turn(): void {
    if (this.startNewest() && !this.hasStarted) {
      this.hasStarted = true;
      this.options.atEndOfTurn(() => (this.hasStarted = false));
    }
    this.scheduleTurn();
  }

  /** Parks the stale from the oldest end, then starts the newest live handshake: whether there was one. */
  private startNewest(): boolean {
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
      return true;
    }
    return false;
  }
}
