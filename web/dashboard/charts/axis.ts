/** Rounds up to 1, 2 or 5 times a power of ten (at least 1: the charts count whole things). */
function niceStep(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

/** An axis from 0 over `max` in at most about four whole, round steps: its top and its ticks. */
export function countAxis(max: number): { readonly top: number; readonly ticks: readonly number[] } {
  const step = niceStep(max / 4);
  const top = Math.max(step, Math.ceil(max / step) * step);
  return { top, ticks: Array.from({ length: top / step + 1 }, (_, index) => index * step) };
}
