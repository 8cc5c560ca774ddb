import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { ErrorCode, SymbolonError } from '../errors.js';

/** A fault `up` keeps running with, until it is cleared or replaced. */
export interface HealthProblem {
  /** What it concerns: `crl-file:intermediate-1`, or the part that raised an alarm (`audit`). */
  readonly key: string;
  readonly code: string;
  readonly message: string;
  readonly since: string;
}

/** /healthz names at most this many problems; the log has them all. */
const MAX_SHOWN_PROBLEMS = 100;

/**
 * What `symbolon up` reports about itself: the problems it runs with, served as `/healthz` (503
 * with each problem, as JSON, while any lasts; `ok` otherwise) and counted in `/metrics`, so that
 * monitoring sees a failed publication or a table that disagrees with the audit log, not only the
 * log. Metrics: `symbolon_up_problems`, `symbolon_up_publication_failures_total{kind}`,
 * `symbolon_up_alarms{source}` and `symbolon_audit_state_differences`.
 */
export interface UpHealth {
  /** Records (or renews) a problem under `key`, such as `crl-file:intermediate-1`, and counts it. */
  fail(key: string, kind: string, error: SymbolonError, now: Date): void;
  /** Clears the problem under `key` (the next write succeeded). */
  clear(key: string): void;
  /** Replaces the problems `source` found (one sentence each, all of code `code`); an empty list clears its alarm. */
  alarm(source: string, code: ErrorCode, problems: readonly string[], now: Date): void;
  /** The count of differences between the tables and the audit log found at start. */
  setAuditDifferences(count: number): void;
  problems(): readonly HealthProblem[];
  /** The registry /metrics serves, for the other parts of up to add their metrics to. */
  readonly registry: Registry;
  /** Answers GET/HEAD /healthz and /metrics; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
}

export function createUpHealth(): UpHealth {
  const faults = new Map<string, HealthProblem>();
  const alarms = new Map<string, readonly HealthProblem[]>();
  const registry = new Registry();
  const failures = new Counter({
    name: 'symbolon_up_publication_failures_total',
    help: 'Publications that failed (kind crl_file: a CRL signed but not written to disk)',
    labelNames: ['kind'],
    registers: [registry],
  });
  const problemCount = new Gauge({
    name: 'symbolon_up_problems',
    help: 'Problems up is running with now; /healthz is 503 while this is above 0',
    registers: [registry],
  });
  const alarmCount = new Gauge({
    name: 'symbolon_up_alarms',
    help: 'Problems standing, by the part that found them',
    labelNames: ['source'],
    registers: [registry],
  });
  const differences = new Gauge({
    name: 'symbolon_audit_state_differences',
    help: "Differences between the CA's tables and its audit log found at start (each named in the log and at /healthz)",
    registers: [registry],
  });
  differences.set(0);
  const all = (): HealthProblem[] => [...faults.values(), ...[...alarms.values()].flat()];
  const count = (): void => problemCount.set(all().length);
  return {
    fail(key, kind, error, now) {
      failures.inc({ kind });
      faults.set(key, { key, code: error.code, message: error.message, since: faults.get(key)?.since ?? now.toISOString() });
      count();
    },
    clear(key) {
      if (faults.delete(key)) count();
    },
    alarm(source, code, problems, now) {
      if (problems.length === 0) alarms.delete(source);
      else
        alarms.set(
          source,
          problems.map((message) => ({ key: source, code, message, since: now.toISOString() })),
        );
      alarmCount.set({ source }, problems.length);
      count();
    },
    setAuditDifferences: (value) => differences.set(value),
    registry,
    problems: all,
    async handle(req, res, path) {
      if (path !== '/healthz' && path !== '/metrics') return false;
      if (path === '/metrics') {
        const text = await registry.metrics();
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
        return true;
      }
      const list = all();
      const shown = list.slice(0, MAX_SHOWN_PROBLEMS);
      const more = list.length - shown.length;
      const body = list.length === 0 ? 'ok\n' : JSON.stringify({ status: 'unhealthy', problems: shown, ...(more > 0 && { more }) }) + '\n';
      res.writeHead(list.length === 0 ? 200 : 503, {
        'Content-Type': list.length === 0 ? 'text/plain' : 'application/json',
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
