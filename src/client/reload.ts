import { spawn } from 'node:child_process';
import { SymbolonError } from '../errors.js';

/** What the agent does after each new certificate: run a command, or signal a process, or both. */
export interface ReloadAction {
  /** A shell command (`sh -c`), e.g. `nginx -s reload`. */
  readonly command?: string | undefined;
  /** A process to signal, e.g. a server that reloads its certificate on SIGHUP. */
  readonly pid?: number | undefined;
  readonly signal: NodeJS.Signals;
  /** The command is killed (its whole process group) after this long. */
  readonly timeoutMs: number;
}

/** Runs `command` in its own process group; rejects with `CLIENT_RELOAD_FAILED` or `CLIENT_RELOAD_TIMEOUT`. */
function runCommand(command: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 400) stderr += chunk.toString('utf8');
    });
    let isTimedOut = false;
    const timer = setTimeout(() => {
      isTimedOut = true;
      try {
        // The group: a shell's children (a hung `sleep`) die with it.
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new SymbolonError('CLIENT_RELOAD_FAILED', `${command}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (isTimedOut) return reject(new SymbolonError('CLIENT_RELOAD_TIMEOUT', `${command}: still running after ${timeoutMs} ms; killed`));
      if (code === 0) return resolve();
      const detail = stderr.replace(/\s+/g, ' ').trim().slice(0, 200);
      reject(
        new SymbolonError(
          'CLIENT_RELOAD_FAILED',
          `${command}: exited with ${code === null ? `signal ${signal}` : `status ${code}`}${detail === '' ? '' : `: ${detail}`}`,
        ),
      );
    });
  });
}

/** Signals `pid`, then runs the command; the first failure is thrown, the certificate stays renewed. */
export async function runReload(action: ReloadAction): Promise<void> {
  if (action.pid !== undefined) {
    try {
      process.kill(action.pid, action.signal);
    } catch (error) {
      throw new SymbolonError('CLIENT_RELOAD_FAILED', `${action.signal} to process ${action.pid}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (action.command !== undefined) await runCommand(action.command, action.timeoutMs);
}
