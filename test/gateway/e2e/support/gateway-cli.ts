import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** A `symbolon gateway` process, its output so far, and ways to wait on it. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once `pattern` appears on stdout or stderr; rejects after `timeoutMs` or if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited(): Promise<number | string | null>;
  /** SIGKILL if still running (cleanup). */
  kill(): void;
}

export function cliArgs(args: readonly string[]): string[] {
  return ['--import', 'tsx', 'src/cli/main.ts', ...args];
}

/** Starts `symbolon` (from the sources, through tsx) with `args`, in the repository. */
export function startCli(args: readonly string[]): GatewayProcess {
  const child = spawn(process.execPath, cliArgs(args), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    notify();
  });
  const exit = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  void exit.then(notify);
  let hasExited = false;
  void exit.then(() => (hasExited = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForOutput(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(out + '\n' + err);
          if (match !== null) {
            done();
            resolve(match);
          } else if (hasExited) {
            done();
            reject(new Error(`the process exited before ${pattern}: ${out}\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${out}\n${err}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    exited: () => exit,
    kill() {
      if (!hasExited) child.kill('SIGKILL');
    },
  };
}

/** Runs `symbolon` to completion (with a deadline). */
export async function runCli(
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<{ code: number | string | null; stdout: string; stderr: string }> {
  const cli = startCli(args);
  const timer = setTimeout(() => cli.kill(), timeoutMs);
  const code = await cli.exited();
  clearTimeout(timer);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** A process's children (from ps): pid and command name. */
export async function childProcesses(pid: number): Promise<{ readonly pid: number; readonly command: string }[]> {
  const listing = await new Promise<string>((resolve) => {
    const ps = spawn('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    ps.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    ps.on('close', () => resolve(text));
    ps.on('error', () => resolve(''));
  });
  return listing
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ pid: Number(match[1]), command: match[2]!.trim() }));
}

/** Every descendant of a process (children, their children...). */
export async function descendantPids(pid: number): Promise<number[]> {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && found.length < 256) {
    for (const child of await childProcesses(queue.shift()!)) {
      found.push(child.pid);
      queue.push(child.pid);
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
