import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An input whose check failed, or on which the child process died (a native abort, say). */
export interface IsolatedFailure {
  readonly index: number;
  readonly input: Buffer;
  readonly reason: string;
}

export interface IsolatedRun {
  /** Each input's outcome: the string its check returned ('-' when none), undefined for a failure. */
  readonly results: readonly (string | undefined)[];
  /** How many inputs each outcome had. */
  readonly outcomes: ReadonlyMap<string, number>;
  readonly failures: readonly IsolatedFailure[];
}

export interface IsolatedOptions {
  /** Inputs given to one child process; a child that dies is replaced for the rest. Default 2000. */
  readonly batchSize?: number;
  /** Added to the child's environment (how a check gets the parent's fixtures, a key say). */
  readonly env?: Readonly<Record<string, string>>;
}

const WORKER = fileURLToPath(new URL('./isolated-worker.ts', import.meta.url));
const STDERR_TAIL_BYTES = 2000;

function runChild(
  moduleUrl: string,
  exportName: string,
  inputFile: string,
  resultFile: string,
  env: Readonly<Record<string, string>>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, moduleUrl, exportName, inputFile, resultFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/**
 * Runs the check `exportName` of the module at `moduleUrl` (a function of one input's bytes that
 * returns an outcome label or throws) over every input, in child processes. Hostile inputs that
 * reach node:crypto's key loaders can abort the process natively (exit 134) where no try/catch
 * helps: run in a child, such an abort becomes a failure that names its input, and the run goes
 * on with the next input in a fresh child. The check's module must not register tests itself.
 */
export async function runIsolated(
  moduleUrl: string | URL,
  exportName: string,
  inputs: readonly Uint8Array[],
  options: IsolatedOptions = {},
): Promise<IsolatedRun> {
  const batchSize = options.batchSize ?? 2000;
  const url = String(moduleUrl);
  const dir = mkdtempSync(join(tmpdir(), 'symbolon-isolated-'));
  const outcomes = new Map<string, number>();
  const results: (string | undefined)[] = new Array<string | undefined>(inputs.length).fill(undefined);
  const failures: IsolatedFailure[] = [];
  try {
    let next = 0;
    let round = 0;
    while (next < inputs.length) {
      const end = Math.min(inputs.length, next + batchSize);
      const inputFile = join(dir, `inputs-${round}.txt`);
      const resultFile = join(dir, `results-${round}.txt`);
      round++;
      const lines: string[] = [];
      for (let i = next; i < end; i++) lines.push(`${i} ${Buffer.from(inputs[i]!).toString('base64')}`);
      writeFileSync(inputFile, lines.join('\n') + '\n');
      writeFileSync(resultFile, '');
      const exit = await runChild(url, exportName, inputFile, resultFile, options.env ?? {});
      let reached = next;
      for (const line of readFileSync(resultFile, 'utf8').split('\n')) {
        if (line === '') continue;
        const first = line.indexOf(' ');
        const second = line.indexOf(' ', first + 1);
        const index = Number(line.slice(0, first));
        const status = line.slice(first + 1, second);
        const rest = line.slice(second + 1);
        if (status === 'ok') {
          outcomes.set(rest, (outcomes.get(rest) ?? 0) + 1);
          results[index] = rest;
        } else failures.push({ index, input: Buffer.from(inputs[index]!), reason: JSON.parse(rest) as string });
        reached = index + 1;
      }
      if (reached < end || exit.code !== 0) {
        if (reached >= end)
          throw new Error(`the check's child process ended with ${exit.signal ?? exit.code} after every input: ${exit.stderr}`);
        // The input the child was on when it died: every earlier one has its result line.
        failures.push({
          index: reached,
          input: Buffer.from(inputs[reached]!),
          reason: `the process ended with ${exit.signal ?? `exit ${exit.code}`} on this input: ${exit.stderr.trim()}`,
        });
        next = reached + 1;
      } else next = end;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { results, outcomes, failures };
}

/** A failure list as one message: each input in base64 with what happened, for a replay. */
export function describeFailures(failures: readonly IsolatedFailure[], limit = 5): string {
  const shown = failures
    .slice(0, limit)
    .map((failure) => `input #${failure.index} (base64 ${failure.input.toString('base64')}): ${failure.reason}`);
  return `${failures.length} input(s) failed:\n${shown.join('\n')}${failures.length > limit ? `\n... and ${failures.length - limit} more` : ''}`;
}
