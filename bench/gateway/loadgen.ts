import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinnedCommand, setSessionNiceness } from './processes.js';
import type { Placement } from './processes.js';

/** What loadgen.c prints: one JSON line per run. */
export interface LoadgenResult {
  /** h2: bench/gateway/h2load.go's, with `connections` HTTP/2 sessions. */
  readonly mode: 'handshake' | 'keepalive' | 'latency' | 'h2';
  readonly connections: number;
  readonly seconds: number;
  readonly requests: number;
  readonly perSecond: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly firstError: string;
  readonly handshakes: number;
  readonly resumed: number;
  readonly serverCloses: number;
  readonly protocol: string;
  readonly cipher: string;
  readonly group: string;
  readonly maxBacklog: number;
  readonly latencyUs: {
    readonly samples: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly p999: number;
    readonly max: number;
  };
  readonly cpuSeconds: number;
  readonly cpuPercent: number;
}

export interface LoadgenRun {
  readonly mode: Exclude<LoadgenResult['mode'], 'h2'>;
  readonly port: number;
  /** TLS version with the client certificate; plain HTTP when absent. */
  readonly tls?: { readonly version: '1.2' | '1.3'; readonly certFile: string; readonly keyFile: string };
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Latency mode: requests per second, open loop. */
  readonly rate?: number;
  readonly path?: string;
  /** One more request header field, `Name: value` (an Authorization header, say). */
  readonly header?: string;
}

/** Compiles loadgen.c into `work`; returns the binary's path. Throws with the compiler's output. */
export function compileLoadgen(work: string): string {
  const binary = join(work, 'loadgen');
  const source = fileURLToPath(new URL('loadgen.c', import.meta.url));
  const result = spawnSync('cc', ['-O2', '-Wall', '-o', binary, source, '-lssl', '-lcrypto'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0)
    throw new Error(`cannot compile ${source}: ${result.error?.message ?? result.stderr}`);
  return binary;
}

/** Runs the generator pinned to `placement`; rejects if it fails, prints no result, or overruns its time. */
export function runLoadgen(binary: string, placement: Placement, run: LoadgenRun): Promise<LoadgenResult> {
  const args = [
    '--mode',
    run.mode,
    '--port',
    String(run.port),
    '--connections',
    String(run.connections),
    '--seconds',
    String(run.seconds),
    '--warmup',
    String(run.warmupSeconds),
  ];
  if (run.tls !== undefined) args.push('--tls', run.tls.version, '--cert', run.tls.certFile, '--key', run.tls.keyFile);
  if (run.rate !== undefined) args.push('--rate', String(run.rate));
  if (run.path !== undefined) args.push('--path', run.path);
  if (run.header !== undefined) args.push('--header', run.header);
  return new Promise((resolve, reject) => {
    const [program, programArgs] = pinnedCommand(placement, binary, args);
    // Detached: a session of its own, so that its autogroup's nice value can be set.
    const child = spawn(program, programArgs, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    setSessionNiceness(child, placement.niceness);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const limitMs = (run.seconds + run.warmupSeconds + 30) * 1000;
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', killOnExit);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(
          new Error(
            `loadgen ${args.join(' ')} failed (${signal ?? code}${signal === 'SIGKILL' ? `, over ${limitMs} ms` : ''}): ${stderr}${stdout}`,
          ),
        );
        return;
      }
      resolve(JSON.parse(line) as LoadgenResult);
    });
  });
}
