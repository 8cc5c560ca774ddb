import { SymbolonError } from '../../errors.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Longest lifetime written anywhere: 100 years, far past any certificate Symbolon issues. */
const MAX_LIFETIME_SECONDS = 100 * 365 * 86_400;

/** Seconds in `text` when it is a lifetime `parseLifetime` accepts, else undefined. */
function lifetimeSeconds(text: string): number | undefined {
  const [, count, unit] = /^(\d{1,9})([smhd])$/.exec(text) ?? [];
  const unitSeconds = unit === undefined ? undefined : UNIT_SECONDS[unit];
  if (count === undefined || unitSeconds === undefined) return undefined;
  const seconds = Number(count) * unitSeconds;
  return seconds > 0 && seconds <= MAX_LIFETIME_SECONDS ? seconds : undefined;
}

/** Whether `text` is a lifetime `parseLifetime` accepts. */
export function isLifetime(text: string): boolean {
  return lifetimeSeconds(text) !== undefined;
}

/** Seconds in a lifetime written as a whole number and a unit: `90s`, `15m`, `24h`, `30d`. Throws `CA_LIFETIME_INVALID`. */
export function parseLifetime(text: string, what = 'the lifetime'): number {
  const seconds = lifetimeSeconds(text);
  if (seconds === undefined)
    throw new SymbolonError(
      'CA_LIFETIME_INVALID',
      `${what} "${text}" is not a positive whole number with a unit s, m, h or d (for example 30d), up to 100 years`,
    );
  return seconds;
}

/** The shortest exact text for a number of seconds: 2592000 -> `30d`. */
export function formatLifetime(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
