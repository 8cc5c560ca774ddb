import type { Store } from '../store/index.js';
import { revocationEventOf } from './revocation-event.js';
import type { RevocationEvent } from './revocation-event.js';

export type RevocationListener = (event: RevocationEvent) => void;

export interface RevocationFeedOptions {
  readonly store: Store;
  /** The feed starts after this sequence: what its first consumers have already loaded. */
  readonly afterSequence: number;
  /**
   * How often the store is read for revocations recorded by other processes (a `symbolon ca
   * revoke` beside a running `symbolon up`, another node on the same PostgreSQL database).
   * In-process revocations are delivered at once; a store that notifies (PostgreSQL) makes the
   * feed read at once too, and the poll is then only the backstop.
   */
  readonly pollIntervalMs: number;
  /** Told about a listener that threw or a store read that failed; the feed goes on. */
  readonly onError?: (error: unknown) => void;
  /** For `currentAt`; the real clock by default. */
  readonly clock?: () => Date;
}

/**
 * The in-process revocation feed. Listeners see every revocation exactly once, in sequence order
 * and without gaps: an event that arrives ahead of one not seen yet makes the feed read the
 * store for the missing ones first.
 */
export interface RevocationFeed {
  /** The highest sequence delivered. */
  readonly lastSequence: number;
  /**
   * When the feed last knew it had everything the store had: its last complete read of the store
   * (or a revocation this process committed). Undefined before the first. While the store is
   * away this stops advancing, and the feed server tells gateways how old it is.
   */
  readonly currentAt: Date | undefined;
  /** Delivers a revocation this process has just recorded (after its transaction committed). */
  publish(event: RevocationEvent): void;
  /** Reads the store for revocations after `lastSequence` and delivers them; resolves when done. */
  sync(): Promise<void>;
  /** Listens from now on; returns the function that stops listening. */
  subscribe(listener: RevocationListener): () => void;
  /** Stored revocations after `afterSequence`, in order, at most `limit`: how a consumer catches up. */
  readSince(afterSequence: number, limit: number): Promise<readonly RevocationEvent[]>;
  /** Stops polling; listeners get nothing more. */
  close(): void;
}

/** Revocations read per store query while catching up. */
const PAGE = 1000;

/** Creates the feed and starts polling the store. */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const { store, onError = () => undefined, clock = () => new Date() } = options;
  let currentAt: Date | undefined;
  const listeners = new Set<RevocationListener>();
  let lastSequence = options.afterSequence;
  let isClosed = false;
  let syncing: Promise<void> | undefined;
  let isSyncWanted = false;

  function deliver(event: RevocationEvent): void {
    lastSequence = event.sequence;
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        onError(error);
      }
    }
  }

  async function readAll(): Promise<void> {
    for (;;) {
      const readAt = clock();
      const page = await store.listRevocations(lastSequence, PAGE);
      for (const record of page) if (!isClosed && record.sequence > lastSequence) deliver(revocationEventOf(record));
      if (page.length < PAGE || isClosed) {
        currentAt = readAt;
        return;
      }
    }
  }

  function sync(): Promise<void> {
    if (isClosed) return Promise.resolve();
    if (syncing !== undefined) {
      // A read is under way; one more after it sees whatever it may have missed.
      isSyncWanted = true;
      return syncing;
    }
    syncing = (async () => {
      try {
        do {
          isSyncWanted = false;
          await readAll();
        } while (isSyncWanted && !isClosed);
      } catch (error) {
        onError(error);
      } finally {
        syncing = undefined;
      }
    })();
    return syncing;
  }

  const timer = setInterval(() => void sync(), options.pollIntervalMs);
  timer.unref();
  // Another node's revocation (PostgreSQL NOTIFY), or a reconnection after which one may have
  // been missed: read the store from lastSequence now. The poll stays as the backstop.
  const unwatch = store.watchRevocations(() => void sync());

  return {
    get lastSequence() {
      return lastSequence;
    },
    get currentAt() {
      return currentAt;
    },
    publish(event: RevocationEvent): void {
      if (isClosed || event.sequence <= lastSequence) return;
      // Another process revoked in between: the store has the events before this one.
      if (event.sequence !== lastSequence + 1 || syncing !== undefined) {
        void sync();
        return;
      }
      deliver(event);
    },
    sync,
    subscribe(listener: RevocationListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async readSince(afterSequence: number, limit: number): Promise<readonly RevocationEvent[]> {
      return (await store.listRevocations(afterSequence, limit)).map(revocationEventOf);
    },
    close(): void {
      isClosed = true;
      clearInterval(timer);
      unwatch();
      listeners.clear();
    },
  };
}
