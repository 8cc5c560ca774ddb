import { SymbolonError } from '../errors.js';
import type { Renewal } from './certificate-renewer.js';
import type { Credential } from './credential.js';
import { estRetryAfterMs } from './est-client.js';
import { nextAttemptDelayMs, renewalTime } from './renewal-schedule.js';
import type { RetryPolicy } from './renewal-schedule.js';

export interface RenewalLoopOptions {
  /** Obtains the next credential (re-enrollment, or enrollment again: `CertificateRenewer`); only reads the current one. */
  readonly renew: (current: Credential) => Promise<Renewal>;
  /** Puts a new credential in place (a directory, a TLS context); a throw leaves the current one. */
  readonly install: (next: Renewal, previous: Credential) => Promise<void>;
  readonly clock: () => Date;
  readonly random: () => number;
  readonly retry: RetryPolicy;
}

export type RenewalEvent =
  | { readonly type: 'renewed'; readonly credential: Credential; readonly renewal: Renewal; readonly previous: Credential }
  | { readonly type: 'failed'; readonly error: SymbolonError; readonly failures: number; readonly retryAt: Date };

/** Longest setTimeout delay Node keeps (2^31 - 1 ms); a longer wait is taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;

function asSymbolonError(error: unknown): SymbolonError {
  if (error instanceof SymbolonError) return error;
  return new SymbolonError('CLIENT_EST_UNREACHABLE', error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * Renews a credential by itself: at two thirds of its life (with jitter), and after a failure
 * again after a capped exponential backoff (or as long as the server's Retry-After asked, within
 * the cap), the current credential kept until a new one is installed. One attempt at a time.
 * Timers do not keep the process alive.
 */
export class RenewalLoop {
  #current: Credential;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<boolean> | undefined;
  #failures = 0;
  #nextAttemptAt: Date;
  #isStopped = true;

  constructor(
    current: Credential,
    private readonly options: RenewalLoopOptions,
    private readonly listener: (event: RenewalEvent) => void,
  ) {
    this.#current = current;
    this.#nextAttemptAt = renewalTime(current.receivedAt, current.certificate.notAfter, options.random);
  }

  get current(): Credential {
    return this.#current;
  }

  /** When the next attempt is due. */
  get nextAttemptAt(): Date {
    return this.#nextAttemptAt;
  }

  get failures(): number {
    return this.#failures;
  }

  start(): void {
    this.#isStopped = false;
    this.#schedule(this.#nextAttemptAt);
  }

  stop(): void {
    this.#isStopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Replaces the credential from outside (a new enrollment) and schedules from it. */
  replace(credential: Credential): void {
    this.#current = credential;
    this.#failures = 0;
    this.#nextAttemptAt = renewalTime(credential.receivedAt, credential.certificate.notAfter, this.options.random);
    if (!this.#isStopped) this.#schedule(this.#nextAttemptAt);
  }

  /** One attempt now (or the one running): resolves true when a new credential is installed, false when it failed. */
  renewNow(): Promise<boolean> {
    this.#running ??= this.#attempt().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #attempt(): Promise<boolean> {
    const previous = this.#current;
    try {
      const renewal = await this.options.renew(previous);
      await this.options.install(renewal, previous);
      const next = renewal.credential;
      this.#current = next;
      this.#failures = 0;
      this.#nextAttemptAt = renewalTime(next.receivedAt, next.certificate.notAfter, this.options.random);
      this.listener({ type: 'renewed', credential: next, renewal, previous });
      return true;
    } catch (error) {
      this.#failures += 1;
      const now = this.options.clock().getTime();
      const msLeft = previous.certificate.notAfter.getTime() - now;
      const delayMs = nextAttemptDelayMs(this.#failures, this.options.retry, this.options.random, estRetryAfterMs(error), msLeft);
      this.#nextAttemptAt = new Date(now + delayMs);
      this.listener({ type: 'failed', error: asSymbolonError(error), failures: this.#failures, retryAt: this.#nextAttemptAt });
      return false;
    } finally {
      if (!this.#isStopped) this.#schedule(this.#nextAttemptAt);
    }
  }

  #schedule(at: Date): void {
    clearTimeout(this.#timer);
    const delay = Math.max(0, at.getTime() - this.options.clock().getTime());
    this.#timer = setTimeout(
      () => {
        if (this.options.clock().getTime() < at.getTime()) this.#schedule(at);
        else void this.renewNow();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    this.#timer.unref();
  }
}
