import { Gauge, Registry } from 'prom-client';

/**
 * What `up` says about itself at /healthz and /metrics: each part that finds something wrong
 * raises an alarm under its own name with one line per problem; /healthz is unhealthy (503,
 * every line) while any alarm stands. Metrics: `symbolon_up_alarms{source}` (problems per
 * source) and `symbolon_audit_state_differences` (differences between the tables and the log
 * found at start).
 */
export interface UpHealth {
  readonly registry: Registry;
  /** Replaces the problems of `source`; an empty list clears its alarm. */
  alarm(source: string, problems: readonly string[]): void;
  /** Every standing problem, as `<source>: <problem>`. */
  problems(): readonly string[];
  /** The count of differences the audit check found at start. */
  setAuditDifferences(count: number): void;
}

export function createUpHealth(): UpHealth {
  const registry = new Registry();
  const alarms = new Gauge({ name: 'symbolon_up_alarms', help: 'Problems standing, by the part that found them; /healthz is unhealthy while any is above 0', labelNames: ['source'], registers: [registry] });
  const differences = new Gauge({
    name: 'symbolon_audit_state_differences',
    help: "Differences between the CA's tables and its audit log found at start (each named in the log and at /healthz)",
    registers: [registry],
  });
  differences.set(0);
  const bySource = new Map<string, readonly string[]>();
  return {
    registry,
    alarm(source, problems) {
      if (problems.length === 0) bySource.delete(source);
      else bySource.set(source, [...problems]);
      alarms.set({ source }, problems.length);
    },
    problems: () => [...bySource].flatMap(([source, problems]) => problems.map((problem) => `${source}: ${problem}`)),
    setAuditDifferences: (count) => differences.set(count),
  };
}
