/** A connection whose ClientHello is complete, waiting for the TLS layer. */
export interface WaitingHandshake {
  /** Hands the connection to the TLS layer (its key exchange and signature: the costly part). */
  start(): void;
  /** It waited too long in a flood: it will not be started. */
  park(): void;
  /** Whether it closed (its client gave up, a timeout, an eviction) while it waited. */
  isClosed(): boolean;
}

interface QueueEntry {
  readonly readyAtMs: number;
  readonly handshake: WaitingHandshake;
}

export interface ClientHelloQueueOptions {
  /** Handshakes started in one turn of the event loop. */
  readonly perTurn: number;
  /** In a flood, a ClientHello that waited longer than this is parked: never answered. */
  readonly maxWaitMs: number;
  /** Whether the gateway is flooded now (more connections wait than it takes in its budget). */
  readonly isFlooded: () => boolean;
  readonly now: () => number;
  /** Runs `task` at the start of the next turn of the event loop, before its I/O (a timer). */
  readonly atNextTurn: (task: () => void) => void;
  /** Runs `task` at the end of this turn, after its I/O (setImmediate). */
  readonly atEndOfTurn: (task: () => void) => void;
}

/**
 * The connections whose ClientHello is complete, handed to the TLS layer one (`perTurn`) per turn
 * of the event loop, newest first. A TLS server's first flight (key exchange, signature) is what a
 * flood of half handshakes makes it pay, and nothing about a ClientHello tells a good client from
 * a hostile one. Answered all at once, as they are read, the ClientHellos of one turn hold up
 * everything else for as many handshakes as came in; one per turn, the event loop handles the I/O
 * that is ready between two (the second flight of a client whose handshake has started, requests,
 * upstream answers), so a flood delays connections past their first flight by about one
 * handshake. Newest first: under a flood the queue grows at the bottom, and a fresh ClientHello is
 * answered within a few turns.
 *
 * In a flood (`isFlooded`), a ClientHello that waited longer than `maxWaitMs` is parked: never
 * answered, its connection left as it is, without crypto, until its client gives up, its timeout
 * or an eviction. Answered, a hostile half handshake is closed soon after and comes back at once
 * as a fresh ClientHello, and enough of those keep the server busy answering nothing else, its
 * listen queue full (good clients' SYNs dropped); parked, it costs a socket. Without a flood
 * nothing is parked: a burst of good clients is answered however long it takes.
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
  /** Oldest first from `head` on: the newest is popped from the end, the parked and closed are cut from the front. */
  private waiting: QueueEntry[] = [];
  private head = 0;
  /** The length at which closed entries are next swept out: twice the live ones after a sweep. */
  private sweepAt = 1024;
  /** Whether this turn has started handshakes. */
  private hasStarted = false;
  private isTurnScheduled = false;

  constructor(private readonly options: ClientHelloQueueOptions) {}

  get size(): number {
    return this.waiting.length - this.head;
  }

  /** A connection whose ClientHello is complete: started now if nothing waits and this turn has started none, else on a later turn, or parked (nothing if it closes first). */
  push(handshake: WaitingHandshake): void {
    const isIdle = !this.hasStarted && this.size === 0;
    this.waiting.push({ readyAtMs: this.options.now(), handshake });
    if (this.waiting.length >= this.sweepAt) this.sweep();
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
    this.cutFront();
    let started = 0;
    while (started < this.options.perTurn) {
      const newest = this.size > 0 ? this.waiting.pop()?.handshake : undefined;
      if (newest === undefined) break;
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

  /** From the oldest end: drops the closed, and in a flood parks those that waited too long. */
  private cutFront(): void {
    const now = this.options.now();
    const isFlooded = this.options.isFlooded();
    while (this.head < this.waiting.length) {
      const oldest = this.waiting[this.head]!;
      const isClosed = oldest.handshake.isClosed();
      if (!isClosed && !(isFlooded && now - oldest.readyAtMs > this.options.maxWaitMs)) break;
      this.head++;
      if (!isClosed) oldest.handshake.park();
    }
    if (this.head > 64 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops the entries whose connection closed while they waited: amortised O(1) per entry. */
  private sweep(): void {
    this.waiting = this.waiting.slice(this.head).filter((entry) => !entry.handshake.isClosed());
    this.head = 0;
    this.sweepAt = Math.max(1024, this.waiting.length * 2);
  }
}
