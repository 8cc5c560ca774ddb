import { SymbolonError } from '../errors.js';

/** Commander parser for a point in time given as ISO 8601 (`2025-06-01T12:00:00Z`); `USAGE` otherwise. */
export function parseInstant(value: string): Date {
  // A date alone (midnight UTC) or a time with its zone: without one, Date would read local time.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
    throw new SymbolonError('USAGE', `"${value}" is not an ISO 8601 time such as 2025-06-01T12:00:00Z`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new SymbolonError('USAGE', `"${value}" is not a valid time`);
  return date;
}
