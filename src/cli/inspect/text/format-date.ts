/** A date for people: ISO 8601 in UTC, without milliseconds when there are none. */
export function formatDate(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
