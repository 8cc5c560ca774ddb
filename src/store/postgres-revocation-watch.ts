import pg from 'pg';
import { SymbolonError } from '../errors.js';
import { redactedUrl } from './postgres-url.js';

export interface RevocationWatchOptions {
  readonly url: string;
  /** The channel committed revocations are announced on. */
  readonly channel: string;
  /** Called on each notification, and after each (re)connection. */
  readonly listener: () => void;
  /** Told when the listening connection fails; the watch reconnects by itself. */
  readonly onError: (error: unknown) => void;
  /** A query this often proves the connection alive (a half-open socket is otherwise silent); default 5 s. */
  readonly heartbeatMs?: number;
  /** Backoff between reconnections: 100 ms doubling up to this; default 5 s. */
  readonly maxReconnectMs?: number;
}

/**
 * A dedicated PostgreSQL connection that LISTENs for committed revocations. A notification is
 * only a hint: the reader reads by sequence from where it is, so a notification lost while the
 * connection was down costs nothing; that is why the listener is also called after every
 * (re)connection. Returns the function that closes the connection and stops reconnecting.
 */
export function watchPostgresRevocations(options: RevocationWatchOptions): () => Promise<void> {
  const { url, channel, listener, onError } = options;
  let isClosed = false;
  let attempt = 0;
  let client: pg.Client | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  function call(): void {
    try {
      listener();
    } catch (error) {
      onError(error);
    }
  }

  function lost(failed: pg.Client, error: unknown): void {
    if (client !== failed) return;
    client = undefined;
    clearInterval(heartbeat);
    failed.removeAllListeners('notification');
    failed.end().catch(() => undefined);
    if (isClosed) return;
    onError(
      new SymbolonError(
        'STORE_UNAVAILABLE',
        `the revocation notifications from ${redactedUrl(url)} stopped (${error instanceof Error ? error.message : String(error)}); reconnecting`,
        { cause: error },
      ),
    );
    const delay = Math.min(options.maxReconnectMs ?? 5000, 100 * 2 ** Math.min(attempt++, 10));
    reconnectTimer = setTimeout(connect, delay);
    reconnectTimer.unref();
  }

  function connect(): void {
    reconnectTimer = undefined;
    if (isClosed) return;
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, keepAlive: true });
    client = next;
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('the connection ended')));
    next.on('notification', (message) => {
      if (message.channel === channel) call();
    });
    next
      .connect()
      .then(() => next.query(`LISTEN ${pg.escapeIdentifier(channel)}`))
      .then(() => {
        if (client !== next || isClosed) return;
        attempt = 0;
        heartbeat = setInterval(
          () => void next.query('SELECT 1').catch((error: unknown) => lost(next, error)),
          options.heartbeatMs ?? 5000,
        );
        heartbeat.unref();
        // Whatever was committed while this connection was away is read now.
        call();
      })
      .catch((error: unknown) => lost(next, error));
  }

  connect();
  return async () => {
    isClosed = true;
    clearTimeout(reconnectTimer);
    clearInterval(heartbeat);
    const open = client;
    client = undefined;
    await open?.end().catch(() => undefined);
  };
}
