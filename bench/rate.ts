/** Shared by the benchmarks: a rate under concurrent load, and the spread of rounds. */

/** Calls per second of `callOnce` over `seconds`, with `inFlight` calls awaited concurrently. */
export async function ratePerSecond(seconds: number, inFlight: number, callOnce: (i: number) => Promise<unknown>): Promise<number> {
  let calls = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) await callOnce(calls++);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return calls / ((performance.now() - start) / 1000);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** `min a / median b / max c unit` over rounds: what every bench prints for a figure. */
export function spread(values: readonly number[], unit: string, digits = 0): string {
  if (values.length === 0) return `no rounds`;
  return `min ${Math.min(...values).toFixed(digits)} / median ${median(values).toFixed(digits)} / max ${Math.max(...values).toFixed(digits)} ${unit} (${values.length} round${values.length === 1 ? '' : 's'})`;
}
