/** Where `now` falls in a certificate's validity period (RFC 5280 4.1.2.5: both ends inclusive). */
export type ValidityStatus = 'notYetValid' | 'valid' | 'expired';

export interface ValidityAtTime {
  readonly status: ValidityStatus;
  /** For people: 'expires in 12 days', 'expired 3 days ago', 'not valid for another 2 hours'. */
  readonly text: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365.25 * DAY;

function count(value: number, unit: string): string {
  return `${value} ${unit}${value === 1 ? '' : 's'}`;
}

/** A span in the largest unit that keeps two or more of it, rounded down: '90 seconds', '12 days', '9 years'. */
function formatDuration(ms: number): string {
  if (ms < SECOND) return 'less than a second';
  if (ms < 2 * MINUTE) return count(Math.floor(ms / SECOND), 'second');
  if (ms < 2 * HOUR) return count(Math.floor(ms / MINUTE), 'minute');
  if (ms < 2 * DAY) return count(Math.floor(ms / HOUR), 'hour');
  if (ms < 2 * YEAR) return count(Math.floor(ms / DAY), 'day');
  return count(Math.floor(ms / YEAR), 'year');
}

/** The validity of a certificate at `now`, with the time to its next boundary. */
export function validityAt(notBefore: Date, notAfter: Date, now: Date): ValidityAtTime {
  const at = now.getTime();
  if (at < notBefore.getTime()) return { status: 'notYetValid', text: `not valid for another ${formatDuration(notBefore.getTime() - at)}` };
  if (at > notAfter.getTime()) return { status: 'expired', text: `expired ${formatDuration(at - notAfter.getTime())} ago` };
  return { status: 'valid', text: `expires in ${formatDuration(notAfter.getTime() - at)}` };
}
