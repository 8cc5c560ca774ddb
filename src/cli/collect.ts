/**
 * Commander parsers for repeatable options: `--dns a --dns b` gathers every value in order.
 * `collectList` also splits each value on commas, for `--eku clientAuth,serverAuth`.
 */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** As `collect`, with each value split on commas and blank items dropped. */
export function collectList(value: string, previous: readonly string[] = []): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return [...previous, ...items];
}
