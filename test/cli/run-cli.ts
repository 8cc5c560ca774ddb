import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the CLI runs from there, as `npx symbolon` would in a checkout. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** tsx's loader and the CLI's entry, for running `symbolon` from any directory. */
export const TSX = import.meta.resolve('tsx');
export const MAIN = join(REPO_ROOT, 'src/cli/main.ts');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Written to the CLI's standard input, which is then closed (closed at once when absent). */
  readonly stdin?: string | Uint8Array;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs the real `symbolon` command (src/cli/main.ts through tsx) in a child process. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

/** Asserts a clean exit 0 with nothing on standard error. */
export function assertOk(result: CliResult): void {
  assert.equal(result.code, 0, `exit ${result.code}; stderr: ${result.stderr}`);
  assert.equal(result.stderr, '');
}

/**
 * Asserts the failure form every error takes: the exit code, one `symbolon: CODE: message` line
 * on standard error, and never a stack trace.
 */
export function assertFailure(result: CliResult, exitCode: number, code: string): void {
  assert.equal(result.code, exitCode, `exit ${result.code}; stderr: ${result.stderr}`);
  assert.match(result.stderr, new RegExp(`^symbolon: ${code}: \\S`, 'm'), result.stderr);
  assert.doesNotMatch(result.stderr, /^ {4}at /m, 'a stack trace was printed');
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `more than one line on stderr: ${result.stderr}`);
}
