import type { ClientRequest, IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { SymbolonError } from '../../errors.js';
import { createFeedStreamReader } from './feed-stream-reader.js';
import type { FeedFrame } from './feed-stream-reader.js';
import { reconnectDelayMs } from './reconnect-delay.js';
import type { ReconnectPolicy } from './reconnect-delay.js';
import { readRevocationSnapshot, writeRevocationSnapshot } from './revocation-snapshot-file.js';
import { checkEachCertificate } from './revocation-source.js';
import type { RevocationAnswer, RevocationSource } from './revocation-source.js';
import { createRevokedSet, isKeyIdHex, isSerialHex } from './revoked-set.js';
import type { RevokedSet } from './revoked-set.js';

export interface FeedRevocationSourceOptions {
  /** The feed endpoint of `symbolon up`: `https://host:port/feed`. */
  readonly url: string;
  /**
   * PEM: the gateway's certificate (with its chain) and key, which must be of the `gateway`
   * profile, and the CA certificates the feed server's certificate must chain to.
   */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  /** With no event, heartbeat or comment for this long, answers are `unavailable`. */
  readonly staleAfterSeconds: number;
  /**
   * What a certificate outside the revoked set is once the set is stale (nothing current heard
   * for `staleAfterSeconds`: the CA or its database is away): `failure-policy` (default) answers
   * `unavailable` and the bundle's failure policy decides; `last-known` goes on answering from
   * the last known set (the snapshot), failing static, while the staleness shows in the metrics
   * and /healthz. Revoked certificates are refused either way.
   */
  readonly whenStale?: 'failure-policy' | 'last-known' | undefined;
  /** Where the revoked set is kept across restarts; none when absent. */
  readonly snapshotFile?: string | undefined;
  readonly onError: (error: unknown) => void;
  readonly clock: () => Date;
  /** Backoff between reconnections; default 250 ms doubling up to 30 s, with jitter. */
  readonly reconnect?: ReconnectPolicy;
  /** `start()` resolves after the first `ready`, the first failed connection, or this long; default 10 s. */
  readonly startTimeoutMs?: number;
  /** Longest line and event taken from the server; default 64 KiB. */
  readonly maxLineBytes?: number;
  /** Changes are written to the snapshot file at most this often; default 1 s. */
  readonly snapshotDelayMs?: number;
  /** For the jitter; default Math.random. */
  readonly random?: () => number;
}

const DEFAULT_RECONNECT: ReconnectPolicy = { initialMs: 250, maxMs: 30_000 };
const REASON = /^[A-Za-z]{1,40}$/;
/** A connection and its response headers take at most this long. */
const CONNECT_TIMEOUT_MS = 10_000;

function frameInvalid(detail: string): SymbolonError {
  return new SymbolonError('GATEWAY_FEED_FRAME_INVALID', `the revocation feed sent ${detail}`);
}

function jsonObject(frame: FeedFrame): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(frame.data);
  } catch {
    throw frameInvalid(`a ${frame.event} event whose data is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw frameInvalid(`a ${frame.event} event whose data is not a JSON object`);
  return value as Record<string, unknown>;
}

function isSequence(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A client of the revocation feed over mTLS (`GET /feed`, Server-Sent Events): it loads the
 * snapshot file if there is one, then reads the feed from its last sequence (`?after=` and
 * `Last-Event-ID`), and reconnects with capped, jittered backoff whenever the stream ends, stalls
 * past `staleAfterSeconds`, sends a frame that does not parse or one over the size caps. Every
 * fault goes to `onError`; none throws.
 *
 * Answers: a certificate in the revoked set is `revoked` at any time (revocation is final). Any
 * other is `good` while the set is current, that is once it is known (a `ready` event, or a
 * loaded snapshot file) and the feed was heard from within `staleAfterSeconds`; otherwise
 * `unavailable`, and the bundle's fail policy decides. So a restarted gateway answers from its
 * snapshot as if the feed had been quiet since the snapshot was written: within the stale window
 * it is current, past it the answers are `unavailable` with the snapshot's age, until the feed
 * confirms it.
 */
export function createFeedRevocationSource(options: FeedRevocationSourceOptions): RevocationSource {
  const { onError, clock } = options;
  const staleAfterMs = options.staleAfterSeconds * 1000;
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024;
  const random = options.random ?? Math.random;
  let set: RevokedSet = createRevokedSet();
  let isKnown = false;
  let heardAt: Date | undefined;
  /** Last sign of life on the open connection (its start, or a line), for the watchdog. */
  let activityAt = 0;
  let isClosed = false;
  let attempt = 0;
  let current: { request: ClientRequest; fail: (error: unknown) => void } | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  let settleStart: () => void = () => undefined;

  let isDirty = false;
  let snapshotTimer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;

  function writeSnapshot(): Promise<void> {
    const file = options.snapshotFile;
    // Nothing new to write: still wait for a write under way (close() resolves once the file is current).
    if (file === undefined || !isDirty || heardAt === undefined) return writing ?? Promise.resolve();
    if (writing !== undefined) return writing.then(writeSnapshot);
    isDirty = false;
    writing = writeRevocationSnapshot(file, { feedUrl: options.url, lastSequence: set.lastSequence, heardAt, entries: [...set.entries()] })
      .catch(onError)
      .finally(() => (writing = undefined));
    return writing;
  }

  function changed(): void {
    isDirty = true;
    if (options.snapshotFile === undefined || snapshotTimer !== undefined || isClosed) return;
    snapshotTimer = setTimeout(() => {
      snapshotTimer = undefined;
      void writeSnapshot();
    }, options.snapshotDelayMs ?? 1000);
    snapshotTimer.unref();
  }

  /** The feed was known current at `at`: heardAt only moves forward. */
  function heard(at: Date): void {
    if (heardAt === undefined || at.getTime() > heardAt.getTime()) heardAt = at;
  }

  function onFrame(frame: FeedFrame): void {
    if (frame.event === 'revocation') {
      const data = jsonObject(frame);
      const { sequence, issuerKeyId, serial, reason } = data;
      if (!isSequence(sequence) || sequence === 0) throw frameInvalid('a revocation without a valid sequence');
      if (!isSerialHex(serial)) throw frameInvalid(`revocation ${sequence} without a lowercase hex serial`);
      if (typeof reason !== 'string' || !REASON.test(reason)) throw frameInvalid(`revocation ${sequence} without a valid reason`);
      heard(clock());
      if (!isKeyIdHex(issuerKeyId)) {
        onError(
          new SymbolonError(
            'GATEWAY_FEED_ISSUER_UNKNOWN',
            `revocation ${sequence} (issuer ${String(data['issuer'])}, serial ${serial}) carries no issuerKeyId; it is skipped`,
          ),
        );
        set.advanceTo(sequence);
      } else {
        set.add({ issuerKeyId, serial, reason }, sequence);
      }
      changed();
    } else if (frame.event === 'heartbeat') {
      const { ageMs } = jsonObject(frame);
      if (ageMs !== null && !isSequence(ageMs))
        throw frameInvalid('a heartbeat whose ageMs is neither null nor a whole number of milliseconds');
      // The server's feed was last current with its store ageMs ago: with the database away the
      // server still answers, and this is how the gateway learns that it is going stale.
      if (ageMs !== null) heard(new Date(clock().getTime() - ageMs));
    } else if (frame.event === 'ready') {
      if (!isSequence(jsonObject(frame)['sequence'])) throw frameInvalid('a ready event without a valid sequence');
      heard(clock());
      isKnown = true;
      attempt = 0;
      changed();
      settleStart();
    }
    // Other event types are for newer clients.
  }

  function scheduleReconnect(): void {
    if (isClosed || reconnectTimer !== undefined) return;
    const delay = reconnectDelayMs(options.reconnect ?? DEFAULT_RECONNECT, attempt++, random);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delay);
    reconnectTimer.unref();
  }

  function connect(): void {
    if (isClosed) return;
    const after = String(set.lastSequence);
    const url = new URL(options.url);
    url.searchParams.set('after', after);
    let isOver = false;
    const req = request(url, {
      method: 'GET',
      cert: options.tls.cert,
      key: options.tls.key,
      ca: options.tls.ca,
      agent: false,
      timeout: CONNECT_TIMEOUT_MS,
      headers: { accept: 'text/event-stream', 'last-event-id': after, 'cache-control': 'no-store' },
    });
    const fail = (error: unknown): void => {
      if (isOver) return;
      isOver = true;
      if (current?.request === req) current = undefined;
      req.destroy();
      if (isClosed) return;
      onError(error);
      settleStart();
      scheduleReconnect();
    };
    current = { request: req, fail };
    activityAt = clock().getTime();
    req.on('timeout', () =>
      fail(
        new SymbolonError(
          'GATEWAY_FEED_CONNECTION_FAILED',
          `the revocation feed ${options.url} did not answer within ${CONNECT_TIMEOUT_MS} ms`,
        ),
      ),
    );
    req.on('error', (error) =>
      fail(
        new SymbolonError('GATEWAY_FEED_CONNECTION_FAILED', `the revocation feed ${options.url} cannot be reached: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        fail(new SymbolonError('GATEWAY_FEED_REFUSED', `the revocation feed ${options.url} answered HTTP ${res.statusCode ?? 0}`));
        return;
      }
      // The stream stays open for hours: the idle check is the stale watchdog's, not a socket timeout.
      req.setTimeout(0);
      const reader = createFeedStreamReader({
        maxLineBytes,
        maxFrameBytes: maxLineBytes,
        // Any line proves the connection alive (the watchdog's concern); only events and
        // heartbeats say how current the revoked set is.
        onLine: () => {
          activityAt = clock().getTime();
        },
        onFrame,
      });
      res.on('data', (chunk: Buffer) => {
        if (isOver) return;
        try {
          reader.push(chunk);
        } catch (error) {
          fail(error);
        }
      });
      res.on('error', (error) =>
        fail(new SymbolonError('GATEWAY_FEED_CONNECTION_FAILED', `the revocation feed stream failed: ${error.message}`, { cause: error })),
      );
      res.on('close', () =>
        fail(new SymbolonError('GATEWAY_FEED_CONNECTION_FAILED', `the revocation feed ${options.url} closed the stream`)),
      );
    });
    req.end();
  }

  function isCurrent(now: Date): boolean {
    return isKnown && heardAt !== undefined && now.getTime() - heardAt.getTime() <= staleAfterMs;
  }

  function unavailable(now: Date): RevocationAnswer {
    if (!isKnown) return { status: 'unavailable', detail: `the revocation feed ${options.url} has not delivered its snapshot yet` };
    const age = heardAt === undefined ? 'never' : `${Math.round((now.getTime() - heardAt.getTime()) / 1000)} s ago`;
    return {
      status: 'unavailable',
      detail: `the revocation feed ${options.url} was last heard from ${age}, over the ${options.staleAfterSeconds} s stale limit`,
    };
  }

  return {
    kind: 'feed',
    check(path, now) {
      return checkEachCertificate(path, (certificate, issuer) => {
        const reason = set.reasonOf(certificate, issuer);
        if (reason !== undefined) return { status: 'revoked', reason };
        return isCurrent(now) || (isKnown && options.whenStale === 'last-known') ? { status: 'good' } : unavailable(now);
      });
    },
    stats(now) {
      return {
        entries: set.size,
        lagSeconds: heardAt === undefined ? undefined : Math.max(0, (now.getTime() - heardAt.getTime()) / 1000),
        isStale: !isCurrent(now),
      };
    },
    async start() {
      if (options.snapshotFile !== undefined) {
        try {
          const snapshot = await readRevocationSnapshot(options.snapshotFile, options.url);
          if (snapshot !== undefined) {
            set = createRevokedSet(snapshot.entries, snapshot.lastSequence);
            heardAt = snapshot.heardAt;
            isKnown = true;
          }
        } catch (error) {
          onError(error);
        }
      }
      if (isClosed) return;
      const started = new Promise<void>((resolve) => {
        const timer = setTimeout(() => settleStart(), options.startTimeoutMs ?? 10_000);
        timer.unref();
        settleStart = () => {
          clearTimeout(timer);
          settleStart = () => undefined;
          resolve();
        };
      });
      // A connection that has gone quiet (a half-open socket, a stalled proxy) is cut and redone.
      watchdog = setInterval(
        () => {
          if (current !== undefined && clock().getTime() - activityAt > staleAfterMs) {
            current.fail(
              new SymbolonError(
                'GATEWAY_FEED_CONNECTION_FAILED',
                `the revocation feed sent nothing for ${options.staleAfterSeconds} s; reconnecting`,
              ),
            );
          }
        },
        Math.min(1000, Math.max(50, staleAfterMs / 4)),
      );
      watchdog.unref();
      connect();
      await started;
    },
    async close() {
      isClosed = true;
      settleStart();
      clearTimeout(reconnectTimer);
      clearInterval(watchdog);
      clearTimeout(snapshotTimer);
      snapshotTimer = undefined;
      const open = current;
      current = undefined;
      open?.request.destroy();
      await writeSnapshot();
    },
  };
}
