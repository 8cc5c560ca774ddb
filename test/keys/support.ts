import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { SymbolonError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';

/** A fresh temporary directory, removed by the returned function. */
export function makeTempDir(): { readonly path: string; readonly remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'symbolon-keys-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface OpensslResult {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs the openssl command line with stdin closed, so it never waits for a passphrase prompt. */
export function openssl(args: readonly string[], input?: Uint8Array): OpensslResult {
  const result = spawnSync('openssl', args, { input: input ?? Buffer.alloc(0), timeout: 30_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}

/** Runs openssl and fails the test unless it exits 0; returns its standard output. */
export function opensslOk(args: readonly string[], input?: Uint8Array): Buffer {
  const result = openssl(args, input);
  assert.equal(result.status, 0, `openssl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** Asserts that `action` throws or rejects with a SymbolonError carrying `code`. */
export async function assertCode(action: () => unknown, code: ErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, `expected ${code}, but nothing was thrown`);
  assert.ok(caught instanceof SymbolonError, `expected a SymbolonError with ${code}, got ${inspect(caught)}`);
  assert.equal(caught.code, code);
}

/** The code of the SymbolonError `action` throws, or null when it succeeds; anything else fails the test. */
export async function outcomeCode(action: () => unknown): Promise<ErrorCode | null> {
  try {
    await action();
    return null;
  } catch (error) {
    assert.ok(error instanceof SymbolonError, `expected a SymbolonError, got ${error instanceof Error ? error.stack : String(error)}`);
    return error.code;
  }
}
