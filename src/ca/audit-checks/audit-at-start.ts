import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errorCodeOf, isSymbolonError } from '../../errors.js';
import { writePublicKeyFile } from '../../keys/index.js';
import { readAuditCheckpoint, signAuditCheckpoint } from './audit-checkpoint.js';
import type { AuditCheckpoint } from './audit-checkpoint.js';
import { verifyStoreState } from './audit-state.js';
import type { ProvenRevocation, StateVerification } from './audit-state.js';
import type { DataDir } from '../data-dir/data-dir-open.js';
import type { IssuingCa } from '../hierarchy/issuing-ca.js';
import { findUnservedRevocations } from './proven-revocations.js';
import type { UnservedRevocations } from './proven-revocations.js';

/** The checkpoint `up` keeps in the data directory, signed, with the state it proved. */
export const STORED_CHECKPOINT_FILE = 'audit-checkpoint.json';

/** A stored checkpoint carries every revocation: 64 MiB holds a few hundred thousand. */
const MAX_STORED_CHECKPOINT_BYTES = 64 * 1024 * 1024;

export interface StartAudit {
  readonly verification: StateVerification;
  /** The stored checkpoint the check started from, or undefined for a full check. */
  readonly checkpoint: AuditCheckpoint | undefined;
  /** Each problem found, one line each: a broken chain, a difference, an unusable stored checkpoint. */
  readonly problems: readonly string[];
  /** Revocations the log proves that the tables do not serve as recorded: serve these. */
  readonly unserved: UnservedRevocations;
  /** Whether a new checkpoint was stored (only after a check that found nothing). */
  readonly isCheckpointStored: boolean;
}

function readStoredCheckpoint(dataDir: DataDir, storeId: string): { checkpoint: AuditCheckpoint | undefined; problem: string | undefined } {
  const path = join(dataDir.paths.root, STORED_CHECKPOINT_FILE);
  let text: string;
  try {
    if (statSync(path).size > MAX_STORED_CHECKPOINT_BYTES)
      return {
        checkpoint: undefined,
        problem: `${path} is larger than ${MAX_STORED_CHECKPOINT_BYTES} bytes; checked the whole log instead`,
      };
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCodeOf(error) === 'ENOENT') return { checkpoint: undefined, problem: undefined };
    return { checkpoint: undefined, problem: `${path} cannot be read (${errorCodeOf(error) ?? 'error'}); checked the whole log instead` };
  }
  try {
    const checkpoint = readAuditCheckpoint(text, { storeId, issuers: dataDir.issuers, root: dataDir.root });
    if (checkpoint.state === undefined)
      return { checkpoint: undefined, problem: `${path} carries no state; checked the whole log instead` };
    return { checkpoint, problem: undefined };
  } catch (error) {
    if (!isSymbolonError(error)) throw error;
    return {
      checkpoint: undefined,
      problem: `the stored checkpoint ${path} was refused (${error.code}: ${error.message}); checked the whole log instead`,
    };
  }
}

/**
 * The audit check `up` runs at start: the tables against the log, from the signed checkpoint it
 * stored last time (only the entries after it are read; every revocation row is still compared)
 * or over the whole log when there is none. After a check that finds nothing, stores a new
 * checkpoint signed with the active intermediate. Returns what the revocation services must
 * serve whatever the tables say. Throws the store's errors only.
 */
export async function checkAuditAtStart(
  dataDir: DataDir,
  options: { readonly signer: IssuingCa | undefined; readonly configText: string | undefined; readonly now: Date },
): Promise<StartAudit> {
  const storeId = await dataDir.store.storeId();
  const stored = readStoredCheckpoint(dataDir, storeId);
  const problems: string[] = [];
  if (stored.problem !== undefined) problems.push(stored.problem);
  const verification = await verifyStoreState(dataDir.store, { from: stored.checkpoint?.state, configText: options.configText });
  if (!verification.chain.ok) {
    const chain = verification.chain;
    problems.push(`audit log: ${chain.reason} at entry ${chain.sequence}: ${chain.detail}`);
  }
  for (const difference of verification.differences) problems.push(`${difference.kind}: ${difference.detail}`);
  const proven: ReadonlyMap<string, ProvenRevocation> =
    verification.proven?.revocations ?? stored.checkpoint?.state?.revocations ?? new Map();
  const unserved: UnservedRevocations =
    problems.length === 0 ? { revocations: new Map(), withoutRow: new Set() } : await findUnservedRevocations(dataDir.store, proven);
  let isCheckpointStored = false;
  if (problems.length === 0 && verification.proven !== undefined && options.signer !== undefined) {
    const text = await signAuditCheckpoint(
      { storeId, head: verification.proven.head, at: options.now, issuerId: options.signer.id, state: verification.proven },
      options.signer,
    );
    await writePublicKeyFile(join(dataDir.paths.root, STORED_CHECKPOINT_FILE), text, { overwrite: true });
    isCheckpointStored = true;
  }
  return { verification, checkpoint: stored.checkpoint, problems, unserved, isCheckpointStored };
}
