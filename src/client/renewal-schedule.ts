/**
 * When to renew: at two thirds of the lifetime, up to a twelfth of it earlier at random, so a
 * fleet enrolled together does not renew together. The lifetime starts when the certificate was
 * received (`start`), not at notBefore, which a CA backdates for clock skew. Pure: `random` is
 * in [0, 1).
 */
export function renewalTime(start: Date, notAfter: Date, random: () => number): Date {
  const lifetimeMs = Math.max(0, notAfter.getTime() - start.getTime());
  return new Date(start.getTime() + (lifetimeMs * 2) / 3 - (random() * lifetimeMs) / 12);
}

export interface RetryPolicy {
  /** Delay after the first failure. */
  readonly baseMs: number;
  /** Longest delay between attempts. */
  readonly capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ baseMs: 1000, capMs: 5 * 60_000 });

/**
 * The wait after `failures` consecutive failures (1 or more): exponential, capped, and half of it
 * random ("equal jitter"), so clients that lost the CA together do not come back together. It is
 * also kept under a third of what is left of the certificate's life, so a short-lived certificate
 * gets several attempts before it expires.
 */
export function retryDelayMs(failures: number, policy: RetryPolicy, random: () => number, msLeft?: number): number {
  const exponential = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  const bounded = msLeft === undefined || msLeft <= 0 ? exponential : Math.min(exponential, Math.max(policy.baseMs, msLeft / 3));
  return Math.round(bounded / 2 + (random() * bounded) / 2);
}

/**
 * The wait before the next attempt: the one the server asked for (Retry-After) when it said, kept
 * between the policy's base and cap (a server asking for less than the base does not make the
 * client poll faster; one asking for more than the cap is asked again at the cap), else the
 * backoff of `retryDelayMs`.
 */
export function nextAttemptDelayMs(
  failures: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs: number | undefined,
  msLeft?: number,
): number {
  if (retryAfterMs === undefined) return retryDelayMs(failures, policy, random, msLeft);
  return Math.min(policy.capMs, Math.max(policy.baseMs, retryAfterMs));
}
