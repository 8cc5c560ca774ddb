/** A timestamp as the operator reads it: UTC, to the minute (`2026-12-06 07:35 UTC`). */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** How far `iso` is from now, in the largest whole unit (`in 12 d`, `3 h ago`). */
export function formatRelative(iso: string, now = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const [value, unit] =
    abs >= 86_400_000
      ? [Math.floor(abs / 86_400_000), 'd']
      : abs >= 3_600_000
        ? [Math.floor(abs / 3_600_000), 'h']
        : [Math.floor(abs / 60_000), 'min'];
  return ms >= 0 ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

/** A serial in colon-separated octets, as openssl prints it. */
export function formatSerial(serial: string): string {
  return (serial.length % 2 === 1 ? `0${serial}` : serial).match(/../g)?.join(':') ?? serial;
}
