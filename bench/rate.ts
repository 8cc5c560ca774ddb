/** Shared by the benchmarks: a rate under concurrent load, and the median of rounds. */

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
