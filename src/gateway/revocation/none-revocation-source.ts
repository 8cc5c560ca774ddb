import type { RevocationSource } from './revocation-source.js';

const GOOD = Object.freeze({ status: 'good' as const });

/** For a trust bundle configured with `revocation: { kind: none }`: every certificate is good. */
export function createNoneRevocationSource(): RevocationSource {
  return {
    kind: 'none',
    check: () => GOOD,
    stats: () => ({ entries: 0, lagSeconds: undefined }),
    start: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
