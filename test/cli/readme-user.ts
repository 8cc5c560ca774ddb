import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN, REPO_ROOT, TSX } from './run-cli.js';
import { childEnv } from './up-process.js';

/** The README, whose examples the readme-* tests run as a new user would. */
export const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The lines of the README's first `sh` block that starts with `firstLine` (a prefix). */
export function readmeShLines(firstLine: string): string[] {
  const start = README.indexOf(`\`\`\`sh\n${firstLine}`);
  if (start === -1) return [];
  const body = README.slice(start + '```sh\n'.length);
  return body.slice(0, body.indexOf('```')).trim().split('\n');
}

/** A README command line as a shell runs it here: `npx symbolon` is this checkout's CLI. */
export function withLocalCli(line: string): string {
  return line.replace(/^npx symbolon /, `"${process.execPath}" --import "${TSX}" "${MAIN}" `);
}

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  /** stdout then stderr, for assertion messages. */
  readonly output: string;
}

/** Runs COMMAND ARGS in `cwd` with the user's environment plus `env`; killed after 60 s. */
export function runIn(cwd: string, command: string, args: readonly string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output: stdout + stderr });
    });
  });
}

/** Runs one shell line (`sh -ec`) in `cwd`. */
export function shIn(cwd: string, line: string): Promise<Ran> {
  return runIn(cwd, 'sh', ['-ec', line]);
}
