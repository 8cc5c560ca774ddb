import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { MAIN, REPO_ROOT, TSX } from './run-cli.js';

/** The environment of a spawned CLI: no passphrase variable leaks in from the test's. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = { ...process.env } as Record<string, string>;
  delete env['SYMBOLON_CA_PASSPHRASE'];
  delete env['SYMBOLON_ROOT_PASSPHRASE'];
  return { ...env, ...extra };
}

export interface UpProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** Resolves once up says it is up; rejects if it exits first. */
  readonly ready: Promise<void>;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** Kills every `up` still running (for a test file's `after`). */
export function killAllUp(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Starts `symbolon up ARGS` as a real process, in `cwd` (default: the repository). */
export function spawnUp(args: readonly string[], cwd = REPO_ROOT): UpProcess {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'up', ...args], {
    cwd,
    env: childEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Stop with')) resolve();
    });
    void exited.then((code) => reject(new Error(`up exited with ${code}:\n${stdout}\n${stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, stdout: () => stdout, stderr: () => stderr, exited, ready };
}

/** Stops `up` with SIGTERM and asserts that it exits 0. */
/** How long a stopped up may take to close everything and exit before the test calls it hung. */
const STOP_TIMEOUT_MS = 30_000;

export async function stopUp(up: UpProcess): Promise<void> {
  up.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), STOP_TIMEOUT_MS)));
  const code = await Promise.race([up.exited, hung]);
  clearTimeout(timer);
  if (code === 'hung') {
    up.child.kill('SIGKILL');
    assert.fail(`up did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM:\n${up.stdout()}\n${up.stderr()}`);
  }
  assert.equal(code, 0, `exit ${code} (${up.child.signalCode}):\n${up.stdout()}\n${up.stderr()}`);
}
