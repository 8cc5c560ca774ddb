import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SymbolonError } from '../errors.js';

/** An outcome with its time, and the error's code and reason when it failed. */
export interface Outcome {
  readonly at: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
}

/** The agent's status file (JSON), for monitoring: what it holds and what happened last. */
export interface AgentStatus {
  /**
   * ok: current and renewing; failing: the last attempt failed (the current certificate is kept);
   * pending: the CA holds an enrollment of this agent for an operator's approval (`lastAttempt`
   * names it; asked again at `nextAttemptAt`); revoked: the certificate is revoked (while
   * `nextAttemptAt` is set, the agent is still enrolling again with its token); stopped.
   */
  readonly state: 'ok' | 'failing' | 'pending' | 'revoked' | 'stopped' | 'none';
  readonly serial: string | null;
  readonly subject: string | null;
  readonly notBefore: string | null;
  readonly notAfter: string | null;
  /** The credential directory's current version. */
  readonly version: string | null;
  readonly nextAttemptAt: string | null;
  readonly lastAttempt: Outcome | null;
  readonly lastRenewal: string | null;
  readonly renewals: number;
  readonly consecutiveFailures: number;
  readonly lastReload: Outcome | null;
  readonly revocation: { readonly checkedAt: string; readonly status: string; readonly detail?: string } | null;
  readonly pid: number;
}

export const STATUS_FILE = 'status.json';

/** Writes the status whole (a temporary file renamed over it), so a reader never sees half of it. */
export async function writeStatus(path: string, status: AgentStatus): Promise<void> {
  const temp = join(dirname(path), `.status-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(temp, JSON.stringify(status, null, 2) + '\n', { mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Reads a status file; throws `CLIENT_CREDENTIAL_DIR_INVALID` when it is missing or not one. */
export async function readStatus(path: string): Promise<AgentStatus> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', `${path}: ${(error as Error).message}`, { cause: error });
  }
  if (text.length > 64 * 1024) throw new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', `${path} is larger than any status file`);
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || !('state' in parsed)) throw new Error('no state');
    return parsed as AgentStatus;
  } catch (error) {
    throw new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', `${path} is not a status file: ${(error as Error).message}`, { cause: error });
  }
}
