import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import Database from 'better-sqlite3';
import { initCertificateAuthority } from '../../src/ca/index.js';
import { isSymbolonError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';

export const ROOT_PASSPHRASE = 'root passphrase for tests';
export const CA_PASSPHRASE = 'intermediate passphrase for tests';

/** A temporary directory and its removal. */
export function makeTempDir(prefix = 'symbolon-ca-'): { readonly path: string; readonly remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A CA made once per test file (key encryption costs about a second), copied for each test that
 * changes it.
 */
export async function makeTemplateCa(
  root: string,
  options: { publicBaseUrl?: string; spiffeTrustDomain?: string; database?: string } = {},
): Promise<string> {
  const dir = join(root, 'template');
  await initCertificateAuthority({
    dir,
    name: 'Test',
    keyType: 'p256',
    rootPassphrase: ROOT_PASSPHRASE,
    intermediatePassphrase: CA_PASSPHRASE,
    publicBaseUrl: options.publicBaseUrl ?? 'https://ca.test.example',
    spiffeTrustDomain: options.spiffeTrustDomain ?? 'test.example',
    database: options.database,
    actor: 'test',
    now: new Date(),
    random: randomBytes,
  });
  return dir;
}

let copies = 0;

/** A fresh copy of a template CA directory. */
export function copyCa(template: string, root: string): string {
  const dir = join(root, `ca-${++copies}`);
  cpSync(template, dir, { recursive: true });
  return dir;
}

/**
 * A copy of the CA at `template` whose database `edit` changed through a raw SQLite connection
 * (foreign keys off), as an attacker with access to the file would.
 */
export function tamperedCopy(template: string, root: string, edit: (db: Database.Database) => void): string {
  const dir = copyCa(template, root);
  const db = new Database(join(dir, 'symbolon.db'));
  db.pragma('foreign_keys = OFF');
  try {
    edit(db);
  } finally {
    db.close();
  }
  return dir;
}

/** Asserts that `action` rejects or throws a SymbolonError with `code`. */
export async function assertCode(action: () => unknown, code: ErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  assert.ok(isSymbolonError(caught), `expected ${code}, got ${caught === undefined ? 'no error' : inspect(caught)}`);
  assert.equal(caught.code, code, caught.message);
}
