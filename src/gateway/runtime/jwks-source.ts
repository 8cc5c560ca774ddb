import { request } from 'node:https';
import { importVerificationKeys } from '../../access-token/index.js';
import type { VerificationKeySet } from '../../access-token/index.js';
import { SymbolonError } from '../../errors.js';

export interface JwksSourceOptions {
  readonly url: string;
  /** The CAs (PEM) the JWKS server's certificate must chain to. */
  readonly ca: string;
  readonly clock: () => Date;
  readonly onError: (error: unknown) => void;
  /** Fewest milliseconds between two fetches an unknown `kid` may cause (a token can name any kid). */
  readonly minRefreshIntervalMs?: number;
  readonly timeoutMs?: number;
}

/** A JWKS of a few keys is a few KiB. */
const MAX_JWKS_BYTES = 256 * 1024;
const DEFAULT_MAX_AGE_SECONDS = 300;
const MAX_MAX_AGE_SECONDS = 86_400;
const RETRY_AFTER_FAILURE_MS = 30_000;

interface Fetched {
  readonly body: string;
  readonly maxAgeSeconds: number;
}

/** RFC 9111 5.2.2 and 5.3: how long the answer may be used, from Cache-Control (max-age, no-store, no-cache) or Expires. */
export function cacheLifetimeSeconds(cacheControl: string | undefined, expires: string | undefined, date: string | undefined): number {
  if (cacheControl !== undefined) {
    const directives = cacheControl
      .toLowerCase()
      .split(',')
      .map((part) => part.trim());
    if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
    const maxAge = directives.map((part) => /^max-age=("?)([0-9]{1,10})\1$/.exec(part)?.[2]).find((value) => value !== undefined);
    if (maxAge !== undefined) return Math.min(Number(maxAge), MAX_MAX_AGE_SECONDS);
  }
  if (expires !== undefined) {
    const end = Date.parse(expires);
    const start = date === undefined ? Number.NaN : Date.parse(date);
    if (!Number.isNaN(end) && !Number.isNaN(start)) return Math.max(0, Math.min((end - start) / 1000, MAX_MAX_AGE_SECONDS));
    return 0;
  }
  return DEFAULT_MAX_AGE_SECONDS;
}

function fetchJwks(url: string, ca: string, timeoutMs: number): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const fail = (detail: string, cause?: unknown): void =>
      reject(new SymbolonError('GATEWAY_JWKS_UNAVAILABLE', `${url}: ${detail}`, cause === undefined ? undefined : { cause }));
    const req = request(url, { ca, timeout: timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return fail(`answered HTTP ${res.statusCode}`);
      }
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > MAX_JWKS_BYTES) {
          req.destroy();
          fail(`sent more than ${MAX_JWKS_BYTES} bytes`);
        } else chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({
          body: Buffer.concat(chunks).toString('utf8'),
          maxAgeSeconds: cacheLifetimeSeconds(res.headers['cache-control'], res.headers['expires'], res.headers['date']),
        }),
      );
      res.on('error', (error) => fail('the answer broke off', error));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => fail(error.message, error));
    req.end();
  });
}

/**
 * An issuer's signing keys, fetched from its JWKS URL and kept as long as its cache headers say
 * (refetched then, in the background); fetched again at once, at most once per
 * `minRefreshIntervalMs`, when a token names a key it does not hold (a rotation). A failed fetch
 * keeps the last good keys and is retried.
 */
export class JwksSource {
  private current: VerificationKeySet = new Map();
  private body = '';
  private lastFetchMs = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Changes whenever the keys change: what was verified under other keys is verified again. */
  version = 0;

  constructor(private readonly options: JwksSourceOptions) {}

  keys(): VerificationKeySet {
    return this.current;
  }

  /** The first fetch; a failure is reported and retried, never thrown (tokens are refused until keys arrive). */
  start(): Promise<void> {
    return this.refresh();
  }

  /** Fetches again for a token naming `kid`, unless a fetch was made lately; resolves when the keys are current. */
  refreshForUnknownKey(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight;
    if (this.options.clock().getTime() - this.lastFetchMs < (this.options.minRefreshIntervalMs ?? 10_000)) return Promise.resolve();
    return this.refresh();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => void this.refresh(), Math.max(ms, this.options.minRefreshIntervalMs ?? 10_000));
    this.timer.unref();
  }

  private async fetch(): Promise<void> {
    this.lastFetchMs = this.options.clock().getTime();
    try {
      const fetched = await fetchJwks(this.options.url, this.options.ca, this.options.timeoutMs ?? 5000);
      let document: unknown;
      try {
        document = JSON.parse(fetched.body);
      } catch {
        throw new SymbolonError('GATEWAY_JWKS_UNAVAILABLE', `${this.options.url}: the answer is not JSON`);
      }
      const keys = importVerificationKeys(document);
      if (keys === undefined) throw new SymbolonError('GATEWAY_JWKS_UNAVAILABLE', `${this.options.url}: the answer is not a JWKS`);
      if (fetched.body !== this.body) {
        this.current = keys;
        this.body = fetched.body;
        this.version++;
      }
      this.schedule(fetched.maxAgeSeconds * 1000);
    } catch (error) {
      this.options.onError(error);
      this.schedule(RETRY_AFTER_FAILURE_MS);
    }
  }
}
