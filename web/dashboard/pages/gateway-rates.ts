/** A sample of a gateway's counters, as the admin API reports it (`/api/gateways`). */
export interface CounterSample {
  readonly at: string;
  readonly requests: number;
  readonly rejections: Readonly<Record<string, number>>;
}

/** Counters only grow, except when a gateway restarts: a drop is a reset, and the new value is the increase. */
function increase(previous: number, current: number): number {
  return current >= previous ? current - previous : current;
}

/** Requests, and rejections by reason, per interval between samples (the samples are the gateways' counters). */
export function perInterval(series: readonly CounterSample[]): {
  times: string[];
  requests: { name: string; values: number[] }[];
  rejections: { name: string; values: number[] }[];
} {
  const reasons = [...new Set(series.flatMap((sample) => Object.keys(sample.rejections)))].sort();
  const times: string[] = [];
  const requests: number[] = [];
  const rejections = reasons.map(() => [] as number[]);
  for (let index = 1; index < series.length; index++) {
    const previous = series[index - 1]!;
    const current = series[index]!;
    times.push(current.at);
    requests.push(increase(previous.requests, current.requests));
    reasons.forEach((reason, at) => rejections[at]!.push(increase(previous.rejections[reason] ?? 0, current.rejections[reason] ?? 0)));
  }
  return {
    times,
    requests: [{ name: 'requests', values: requests }],
    rejections: reasons.map((reason, at) => ({ name: reason, values: rejections[at]! })),
  };
}
