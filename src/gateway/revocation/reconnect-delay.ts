/** How long to wait before reconnecting: doubling from `initialMs`, capped at `maxMs`. */
export interface ReconnectPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * The wait before attempt `attempt` (0 for the first retry): capped exponential backoff with
 * "equal jitter", half fixed and half random, so gateways that lost the feed together do not
 * all come back in the same millisecond. `random` returns a number in [0, 1).
 */
export function reconnectDelayMs(policy: ReconnectPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
