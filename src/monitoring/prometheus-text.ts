/** One sample of the Prometheus text exposition format (version 0.0.4): a metric name, its labels, its value. */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (match === null) return undefined;
    labels[match[1]!] = unescapeLabel(match[2]!);
  }
  return labels;
}

/**
 * The samples of the metrics named in `wanted` from a Prometheus text page; comments, other
 * metrics and lines that do not parse are passed over (a scrape is best effort, never a crash).
 */
export function readPrometheusSamples(text: string, wanted: ReadonlySet<string>): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line.trim());
    if (match === null || !wanted.has(match[1]!)) continue;
    const labels = match[2] === undefined || match[2] === '' ? {} : parseLabels(match[2]);
    const value = Number(match[3]);
    if (labels === undefined || Number.isNaN(value)) continue;
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}
