import { createHash } from 'node:crypto';
import type { AuditDraft, AuditEntry, AuditHead } from './audit-entry.js';
import { canonicalJson } from './canonical-json.js';

/** The `previousHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Versions of the hashed form below; a new form gets a new number, never a silent change.
 * Format 1 (before record hashes) is still verified, never written.
 */
const ENTRY_FORMAT_WITHOUT_RECORD = 1;
const ENTRY_FORMAT = 2;

/** SHA-256 of a payload's canonical JSON, lowercase hex. */
export function auditPayloadHash(payload: string): string {
  return createHash('sha256').update(payload, 'utf8').digest('hex');
}

/**
 * The hash that seals an entry: SHA-256 of the previous entry's hash (32 bytes) followed by the
 * canonical JSON of [2, sequence, at, actor, action, target, payloadHash, recordHash] (format 1,
 * for entries without a record hash: the same without it). Chaining the previous hash in makes
 * any edit, removal or reordering show at the first entry after it.
 */
export function auditEntryHash(entry: Omit<AuditEntry, 'entryHash'>): string {
  const body =
    entry.recordHash === null
      ? canonicalJson([ENTRY_FORMAT_WITHOUT_RECORD, entry.sequence, entry.at, entry.actor, entry.action, entry.target, entry.payloadHash])
      : canonicalJson([
          ENTRY_FORMAT,
          entry.sequence,
          entry.at,
          entry.actor,
          entry.action,
          entry.target,
          entry.payloadHash,
          entry.recordHash,
        ]);
  return createHash('sha256').update(Buffer.from(entry.previousHash, 'hex')).update(body, 'utf8').digest('hex');
}

/**
 * The entry that follows `head` in the chain for this draft, carrying `recordHash` (the hash of
 * the record it writes; the payload's hash when it writes none). Pure: the time comes with the draft.
 */
export function sealAuditEntry(draft: AuditDraft, head: AuditHead, recordHash?: string): AuditEntry {
  const payload = canonicalJson(draft.payload);
  const payloadHash = auditPayloadHash(payload);
  const unsealed = {
    sequence: head.sequence + 1,
    at: draft.at.toISOString(),
    actor: draft.actor,
    action: draft.action,
    target: draft.target,
    payload,
    payloadHash,
    recordHash: recordHash ?? payloadHash,
    previousHash: head.entryHash,
  };
  // Object.assign, not `{ ...unsealed, entryHash }`: V8 copies a spread followed by more
  // properties on a slow path, and this runs for every audit entry.
  return Object.assign(unsealed, { entryHash: auditEntryHash(unsealed) });
}
