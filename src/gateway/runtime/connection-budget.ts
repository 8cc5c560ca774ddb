/** Why the budget closed a connection or refused one. */
export type ConnectionDropReason =
  /** Its handshake was still unfinished when the budget was full and a new connection came: the oldest such goes. */
  | 'evicted_handshake'
  /** Its handshake outlived the deadline, which the budget shortens as it fills. */
  | 'handshake_deadline'
  /** Every connection in the budget had finished its handshake: the newcomer was closed at once. */
  | 'budget_full'
  /** It was not yet handed to the TLS layer (no complete ClientHello, or one waiting its turn) when the pool of such connections was full: the oldest goes. */
  | 'evicted_waiting';

export const CONNECTION_DROP_REASONS: readonly ConnectionDropReason[] = [
  'evicted_handshake',
  'handshake_deadline',
  'budget_full',
  'evicted_waiting',
];

export interface ConnectionBudgetOptions {
  readonly maxConnections: number;
  /** The handshake deadline with room to spare. */
  readonly handshakeTimeoutMs: number;
  /** The shortest it gets when the budget is full. */
  readonly minHandshakeTimeoutMs: number;
}

/** What the budget holds and closes: a TCP connection (`destroy` closes it at once). */
export interface BudgetedConnection {
  destroy(): void;
}

/** The budget fills past this share before the handshake deadline starts to shorten. */
const PRESSURE_FROM = 0.5;

/**
 * The connections of a gateway, at most `maxConnections` at a time, in two groups: those still in
 * their TLS handshake (oldest first) and those past it. A flood of connections that never finish
 * a handshake (idle, a ClientHello at a byte a second, half a handshake) is what fills a budget;
 * so when it is full, a newcomer evicts the oldest unfinished handshake rather than being turned
 * away, and a client that completes its handshake in milliseconds is served however many
 * hostile connections come. Only when every connection has finished its handshake is the
 * newcomer refused. The handshake deadline shortens as the budget fills, from
 * `handshakeTimeoutMs` at half full to `minHandshakeTimeoutMs` when full.
 *
 * No clock and no I/O of its own: times come in as arguments, closing is the connection's `destroy`.
 */
export class ConnectionBudget<C extends BudgetedConnection> {
  /** Start time (ms) of each unfinished handshake; a Map iterates in insertion order, oldest first. */
  private readonly handshaking = new Map<C, number>();
  private readonly established = new Set<C>();

  constructor(
    private readonly options: ConnectionBudgetOptions,
    private readonly onDrop: (reason: ConnectionDropReason) => void,
  ) {}

  get handshakeCount(): number {
    return this.handshaking.size;
  }

  get establishedCount(): number {
    return this.established.size;
  }

  get size(): number {
    return this.handshaking.size + this.established.size;
  }

  /**
   * A new connection at `nowMs`: true when it is admitted (its handshake starts), after evicting
   * the oldest unfinished handshake if the budget was full; false when it was refused and closed.
   */
  admit(connection: C, nowMs: number): boolean {
    if (this.size >= this.options.maxConnections) {
      const oldest = this.oldestHandshake()?.connection;
      if (oldest === undefined) {
        this.onDrop('budget_full');
        connection.destroy();
        return false;
      }
      this.drop(oldest, 'evicted_handshake');
    }
    this.handshaking.set(connection, nowMs);
    return true;
  }

  /** Its handshake finished: it is no longer evicted for newcomers. */
  handshakeDone(connection: C): void {
    if (this.handshaking.delete(connection)) this.established.add(connection);
  }

  /** It closed, whoever closed it. */
  closed(connection: C): void {
    this.handshaking.delete(connection);
    this.established.delete(connection);
  }

  /** The handshake deadline now: the full one up to half full, then shorter as the budget fills. */
  handshakeTimeoutMs(): number {
    const { maxConnections, handshakeTimeoutMs, minHandshakeTimeoutMs } = this.options;
    const load = this.size / maxConnections;
    if (load <= PRESSURE_FROM) return handshakeTimeoutMs;
    const share = Math.max(0, (1 - load) / (1 - PRESSURE_FROM));
    return Math.max(minHandshakeTimeoutMs, Math.round(handshakeTimeoutMs * share));
  }

  /**
   * When the oldest unfinished handshake is due under the shortened deadline: Infinity for none,
   * and while the deadline is the full one (the TLS layer's own timer keeps that).
   */
  nextDeadline(): number {
    const timeoutMs = this.handshakeTimeoutMs();
    const oldest = this.oldestHandshake();
    return oldest === undefined || timeoutMs >= this.options.handshakeTimeoutMs ? Infinity : oldest.startedMs + timeoutMs;
  }

  /**
   * Closes the handshakes the current deadline has passed by `nowMs`, oldest first, when the
   * deadline is shorter than the full one (the full one is the TLS layer's own timer).
   */
  expire(nowMs: number): void {
    for (;;) {
      const timeoutMs = this.handshakeTimeoutMs();
      if (timeoutMs >= this.options.handshakeTimeoutMs) return;
      const oldest = this.oldestHandshake();
      if (oldest === undefined || oldest.startedMs + timeoutMs > nowMs) return;
      this.drop(oldest.connection, 'handshake_deadline');
    }
  }

  /** The unfinished handshake admitted first (a Map iterates in insertion order) and when it was admitted. */
  private oldestHandshake(): { readonly connection: C; readonly startedMs: number } | undefined {
    for (const [connection, startedMs] of this.handshaking) return { connection, startedMs };
    return undefined;
  }

  private drop(connection: C, reason: ConnectionDropReason): void {
    this.handshaking.delete(connection);
    this.onDrop(reason);
    connection.destroy();
  }
}
