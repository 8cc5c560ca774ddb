/** A connection whose ClientHello is complete, waiting for the TLS layer. */
export interface WaitingHandshake {
  /** Hands the connection to the TLS layer (its key exchange and signature: the costly part). */
  start(): void;
  /** Whether it closed (its client gave up, a timeout, an eviction) while it waited. */
  isClosed(): boolean;
}

export interface ClientHelloQueueOptions {
  /** Handshakes started in one turn of the event loop. */
  readonly perTurn: number;
  /** Runs `task` at the start of the next turn of the event loop, before its I/O (a timer). */
  readonly atNextTurn: (task: () => void) => void;
  /** Runs `task` at the end of this turn, after its I/O (setImmediate). */
  readonly atEndOfTurn: (task: () => void) => void;
}

/**
 * The connections whose ClientHello is complete, handed to the TLS layer a few per turn of the
 * event loop, newest first. A TLS server's first flight (key exchange, signature) is what a flood
 * of half handshakes makes it pay, and nothing about a ClientHello tells a good client from a
 * hostile one. Answered all at once, as they are read, the ClientHellos of one turn hold up
 * everything else for as many handshakes as came in; a few per turn, the event loop handles the
 * I/O that is ready between them (the second flight of a client whose handshake has started,
 * requests, upstream answers), so a flood delays connections past their first flight by a few
 * handshakes. Newest first: under a flood the queue grows at the bottom, and a fresh ClientHello
 * is answered within a few turns, while those at the bottom wait, costing a socket each, until
 * the flood eases or their connection closes (its client gives up, a timeout, an eviction from
 * the pool). Closed, a hostile connection would come back at once as a fresh ClientHello.
 *
 * With nothing waiting and no handshake started this turn, a ClientHello is answered as it is read.
 * Else the waiting ones go at the start of a turn, before its I/O: node:tls finishes a socket's
 * first write in the check phase after it, and a handshake started in the check phase could meet
 * the client's answer (read in the I/O phase between) with that write unfinished, which leaves a
 * refusal's alert unsent.
 *
 * Fair: the order is the time the ClientHello was complete, nothing about the client.
 * No I/O of its own: the turns of the event loop come in as options.
 */
export class ClientHelloQueue {
  /** Oldest first: the newest is popped from the end. */
  private waiting: WaitingHandshake[] = [];
  /** The length at which the closed ones are next swept out: twice the live ones after a sweep. */
  private sweepAt = 1024;
  /** Whether this turn has started handshakes. */
  private hasStarted = false;
  private isTurnScheduled = false;

  constructor(private readonly options: ClientHelloQueueOptions) {}

  get size(): number {
    return this.waiting.length;
  }

  /** A connection whose ClientHello is complete: started now if nothing waits and this turn has started none, else on a later turn (nothing if it closes first). */
  push(handshake: WaitingHandshake): void {
    const isIdle = !this.hasStarted && this.waiting.length === 0;
    this.waiting.push(handshake);
    if (this.waiting.length >= this.sweepAt) this.sweep();
    if (isIdle) this.turn();
    else this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.isTurnScheduled || this.waiting.length === 0) return;
    this.isTurnScheduled = true;
    this.options.atNextTurn(() => {
      this.isTurnScheduled = false;
      this.turn();
    });
  }

  private turn(): void {
    let started = 0;
    while (started < this.options.perTurn && this.waiting.length > 0) {
      const newest = this.waiting.pop()!;
      if (newest.isClosed()) continue;
      newest.start();
      started++;
    }
    if (started > 0 && !this.hasStarted) {
      this.hasStarted = true;
      this.options.atEndOfTurn(() => (this.hasStarted = false));
    }
    this.scheduleTurn();
  }

  /** Drops the entries whose connection closed while they waited: amortised O(1) per entry. */
  private sweep(): void {
    this.waiting = this.waiting.filter((entry) => !entry.isClosed());
    this.sweepAt = Math.max(1024, this.waiting.length * 2);
  }
}
