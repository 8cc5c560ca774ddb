import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { childEnv } from '../../cli/up-process.js';
import { REPO_ROOT } from '../../cli/run-cli.js';
import { MAIN, TSX } from './client-harness.js';

export interface CliProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills every process still running (a test file's `after`). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** `symbolon ARGS` as a real process. */
export function spawnSymbolon(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      for (const listener of listeners) listener();
      resolve(code);
    }),
  );
  return {
    child,
    output: () => output,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(output);
          if (match !== null) {
            listeners.delete(check);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            reject(new Error(`exited before ${pattern}: ${output}`));
          }
        };
        listeners.add(check);
        check();
      }),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
