import { SymbolonError } from '../../errors.js';
import type { RevocationEvent, RevocationFeed } from '../../events/index.js';
import { reconnectDelayMs } from './reconnect-delay.js';
import { checkEachCertificate } from './revocation-source.js';
import type { RevocationSource } from './revocation-source.js';
import { createRevokedSet, isKeyIdHex } from './revoked-set.js';

export interface InProcessFeedSourceOptions {
  /** Lowercase hex of the subjectKeyIdentifier of the CA with this store id; undefined for one it does not know. */
  readonly issuerKeyId: (issuerId: string) => string | undefined;
  readonly onError: (error: unknown) => void;
}

/** Revocations read per call while loading. */
const PAGE = 1000;
const RETRY = { initialMs: 500, maxMs: 30_000 };

/**
 * The revoked set of a gateway running inside `symbolon up`, fed by the in-process feed: it
 * listens first, loads every stored revocation with `readSince`, then applies what arrived
 * meanwhile. Until the load is done answers are `unavailable`; a failed load is reported and
 * retried with backoff. There is no staleness: the feed is in the same process as the store.
 */
export function createInProcessFeedSource(feed: RevocationFeed, options: InProcessFeedSourceOptions): RevocationSource {
  const set = createRevokedSet();
  let isReady = false;
  let isClosed = false;
  let pending: RevocationEvent[] = [];
  let retryTimer: NodeJS.Timeout | undefined;
  let unsubscribe: () => void = () => undefined;

  function apply(event: RevocationEvent): void {
    const keyId = options.issuerKeyId(event.issuerId);
    if (keyId === undefined || !isKeyIdHex(keyId)) {
      options.onError(
        new SymbolonError(
          'GATEWAY_FEED_ISSUER_UNKNOWN',
          `revocation ${event.sequence} names issuer ${event.issuerId}, whose key identifier is not known; it is skipped`,
        ),
      );
      set.advanceTo(event.sequence);
      return;
    }
    set.add({ issuerKeyId: keyId, serial: event.serial, reason: event.reason }, event.sequence);
  }

  async function load(): Promise<void> {
    for (;;) {
      const page = await feed.readSince(set.lastSequence, PAGE);
      for (const event of page) apply(event);
      if (page.length < PAGE || isClosed) break;
    }
    for (const event of pending) apply(event);
    pending = [];
    isReady = true;
  }

  async function loadWithRetry(attempt: number): Promise<void> {
    try {
      await load();
    } catch (error) {
      options.onError(error);
      // What arrived meanwhile is in the store too: the next load reads it.
      pending = [];
      if (isClosed) return;
      retryTimer = setTimeout(() => void loadWithRetry(attempt + 1), reconnectDelayMs(RETRY, attempt, Math.random));
      retryTimer.unref();
    }
  }

  return {
    kind: 'feed',
    check(path) {
      return checkEachCertificate(path, (certificate, issuer) => {
        const reason = set.reasonOf(certificate, issuer);
        if (reason !== undefined) return { status: 'revoked', reason };
        return isReady
          ? { status: 'good' }
          : { status: 'unavailable', detail: 'the in-process revocation feed has not loaded the stored revocations yet' };
      });
    },
    stats() {
      return { entries: set.size, lagSeconds: isReady ? 0 : undefined };
    },
    async start() {
      unsubscribe = feed.subscribe((event) => {
        if (isReady) apply(event);
        else pending.push(event);
      });
      await loadWithRetry(0);
    },
    close() {
      isClosed = true;
      clearTimeout(retryTimer);
      unsubscribe();
      return Promise.resolve();
    },
  };
}
