import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry } from 'prom-client';
import { SymbolonError } from '../../errors.js';
import { closeServer, listen } from '../../http/index.js';
import type { ListenAddress } from '../../http/index.js';
import type { GatewayConfig } from '../../gateway/index.js';
import { createAdminServer } from '../../gateway/runtime/index.js';

/** `auto` (one per core) or a count from 1 to 256. Throws `USAGE`. */
export function parseWorkerCount(text: string): number {
  if (text === 'auto') return availableParallelism();
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 256)
    throw new SymbolonError('USAGE', `--workers takes "auto" or a number from 1 to 256, not "${text.slice(0, 40)}"`);
  return Number(text);
}

/** The message a worker sends once its gateway listens (with where), and the one that asks it to reload. */
export const WORKER_READY = 'symbolon:gateway-ready';

export interface WorkerReady {
  readonly type: typeof WORKER_READY;
  readonly listeners: readonly ListenAddress[];
}

function isWorkerReady(message: unknown): message is WorkerReady {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === WORKER_READY &&
    Array.isArray((message as { listeners?: unknown }).listeners)
  );
}
export const WORKER_RELOAD = 'symbolon:gateway-reload';

export interface WorkerPool {
  /** Where the listeners are bound (the workers share them; a port 0 in the configuration is resolved). */
  readonly listeners: readonly ListenAddress[];
  readonly admin: ListenAddress | undefined;
  readonly count: number;
  stop(): Promise<void>;
}

/** A worker that dies is replaced after this long, so a crash loop does not spin. */
const RESPAWN_DELAY_MS = 1000;

/**
 * The cluster primary: forks `count` workers (each re-runs this command and serves every
 * listener; the kernel spreads connections), replaces any that die, forwards SIGHUP to all as a
 * reload, and serves the admin listener itself with the workers' metrics summed.
 */
export async function startWorkerPool(count: number, config: GatewayConfig, onNotice: (text: string) => void): Promise<WorkerPool> {
  let isStopping = false;
  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('exit', (code, signal) => {
      if (isStopping) return;
      onNotice(`symbolon: gateway worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
      setTimeout(() => {
        if (!isStopping) fork();
      }, RESPAWN_DELAY_MS).unref();
    });
    return worker;
  };
  const ready = Array.from({ length: count }, () => {
    const worker = fork();
    return new Promise<readonly ListenAddress[]>((resolve, reject) => {
      worker.on('message', (message: unknown) => {
        if (isWorkerReady(message)) resolve(message.listeners);
      });
      worker.once('exit', (code) =>
        reject(
          new SymbolonError('GATEWAY_CONFIG_INVALID', `a gateway worker stopped before it listened (exit ${code}); its error is above`),
        ),
      );
    });
  });
  const [listeners = []] = await Promise.all(ready);
  const onHangup = (): void => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.send(WORKER_RELOAD);
  };
  process.on('SIGHUP', onHangup);

  let admin: ListenAddress | undefined;
  // Summed over workers; a worker that does not answer in time makes the scrape a 503.
  const aggregator = new AggregatorRegistry();
  const adminServer = createAdminServer({ contentType: aggregator.contentType, metrics: () => aggregator.clusterMetrics() }, (error) =>
    onNotice(`symbolon: gateway metrics: ${error instanceof Error ? error.message : String(error)}\n`),
  );
  if (config.admin !== undefined) admin = await listen(adminServer, { host: config.admin.address, port: config.admin.port });

  return {
    listeners,
    admin,
    count,
    async stop() {
      isStopping = true;
      process.off('SIGHUP', onHangup);
      await closeServer(adminServer);
      await Promise.all(
        Object.values(cluster.workers ?? {}).map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker === undefined || worker.isDead()) return resolve();
              const timer = setTimeout(() => worker.kill('SIGKILL'), 10_000);
              worker.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              worker.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
