import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { SymbolonError } from '../../errors.js';

/** A fault `up` keeps running with, until it is cleared (a CRL file that could not be written). */
export interface HealthProblem {
  readonly key: string;
  readonly code: string;
  readonly message: string;
  readonly since: string;
}

/**
 * What `symbolon up` reports about itself: the problems it runs with, served as `/healthz`
 * (503 with each problem while any lasts) and counted in `/metrics`, so a failed publication is
 * seen by monitoring and not only in the log.
 */
export interface UpHealth {
  /** Records (or renews) a problem under `key`, such as `crl-file:intermediate-1`, and counts it. */
  fail(key: string, kind: string, error: SymbolonError, now: Date): void;
  /** Clears the problem under `key` (the next write succeeded). */
  clear(key: string): void;
  problems(): readonly HealthProblem[];
  /** Answers GET /healthz and /metrics; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
}

export function createUpHealth(): UpHealth {
  const current = new Map<string, HealthProblem>();
  const registry = new Registry();
  const failures = new Counter({ name: 'symbolon_up_publication_failures_total', help: 'Publications that failed (kind crl_file: a CRL signed but not written to disk)', labelNames: ['kind'], registers: [registry] });
  const problems = new Gauge({ name: 'symbolon_up_problems', help: 'Problems up is running with now; /healthz is 503 while this is above 0', registers: [registry] });
  return {
    fail(key, kind, error, now) {
      failures.inc({ kind });
      current.set(key, { key, code: error.code, message: error.message, since: current.get(key)?.since ?? now.toISOString() });
      problems.set(current.size);
    },
    clear(key) {
      if (current.delete(key)) problems.set(current.size);
    },
    problems: () => [...current.values()],
    async handle(req, res, path) {
      if (path !== '/healthz' && path !== '/metrics') return false;
      if (path === '/metrics') {
        const text = await registry.metrics();
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
        return true;
      }
      const list = [...current.values()];
      const body = list.length === 0 ? 'ok\n' : JSON.stringify({ status: 'unhealthy', problems: list }) + '\n';
      res.writeHead(list.length === 0 ? 200 : 503, { 'Content-Type': list.length === 0 ? 'text/plain' : 'application/json', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
