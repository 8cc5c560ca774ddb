import { spawn } from 'node:child_process';
import { buildGoProgram } from '../go-program.js';
import type { LoadgenResult } from './loadgen.js';
import { pinnedCommand, setSessionNiceness } from './processes.js';
import type { Placement } from './processes.js';

/** One run of the HTTP/2 generator (bench/gateway/h2load.go). */
export interface H2loadRun {
  readonly port: number;
  readonly tls: { readonly version: '1.2' | '1.3'; readonly certFile: string; readonly keyFile: string };
  /** The root that signed the server's certificate. */
  readonly caFile: string;
  /** HTTP/2 sessions, each one TLS connection for the whole run. */
  readonly sessions: number;
  /** Streams in flight on each session. */
  readonly streams: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
}

/** Builds h2load.go into `work` (see buildGoProgram). */
export function buildH2load(work: string): { readonly binary: string } | { readonly problem: string } {
  return buildGoProgram(work, new URL('h2load.go', import.meta.url), 'h2load');
}

/** Runs the generator pinned to `placement` (one core: GOMAXPROCS=1); rejects if it fails or overruns. */
export function runH2load(binary: string, placement: Placement, run: H2loadRun): Promise<LoadgenResult> {
  const args = [
    '--port',
    String(run.port),
    '--cert',
    run.tls.certFile,
    '--key',
    run.tls.keyFile,
    '--ca',
    run.caFile,
    '--tls',
    run.tls.version,
    '--sessions',
    String(run.sessions),
    '--streams',
    String(run.streams),
    '--seconds',
    String(run.seconds),
    '--warmup',
    String(run.warmupSeconds),
  ];
  return new Promise((resolve, reject) => {
    const [program, programArgs] = pinnedCommand(placement, binary, args);
    const child = spawn(program, programArgs, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GOMAXPROCS: '1' },
    });
    setSessionNiceness(child, placement.niceness);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const limitMs = (run.seconds + run.warmupSeconds + 60) * 1000;
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', killOnExit);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`h2load ${args.join(' ')} failed (${signal ?? code}): ${stderr}${stdout}`));
        return;
      }
      const parsed = JSON.parse(line) as Omit<LoadgenResult, 'serverCloses' | 'maxBacklog'>;
      resolve({ ...parsed, serverCloses: 0, maxBacklog: 0 });
    });
  });
}
