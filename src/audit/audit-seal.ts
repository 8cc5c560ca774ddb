import { createHash } from 'node:crypto';
import type { AuditDraft, AuditEntry, AuditHead } from './audit-entry.js';
import { canonicalJson } from './canonical-json.js';

/** The `previousHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version of the hashed form below; a new form would get a new number, never a silent change. */
const ENTRY_FORMAT = 1;

/** SHA-256 of a payload's canonical JSON, lowercase hex. */
export function auditPayloadHash(payload: string): string {
  return createHash('sha256').update(payload, 'utf8').digest('hex');
}

/**
 * The hash that seals an entry: SHA-256 of the previous entry's hash (32 bytes) followed by the
 * canonical JSON of [format, sequence, at, actor, action, target, payloadHash]. Chaining the
 * previous hash in makes any edit, removal or reordering show at the first entry after it.
 */
export function auditEntryHash(entry: Omit<AuditEntry, 'entryHash'>): string {
  const body = canonicalJson([ENTRY_FORMAT, entry.sequence, entry.at, entry.actor, entry.action, entry.target, entry.payloadHash]);
  return createHash('sha256').update(Buffer.from(entry.previousHash, 'hex')).update(body, 'utf8').digest('hex');
}

/** The entry that follows `head` in the chain for this draft. Pure: the time comes with the draft. */
export function sealAuditEntry(draft: AuditDraft, head: AuditHead): AuditEntry {
  const payload = canonicalJson(draft.payload);
  const unsealed = {
    sequence: head.sequence + 1,
    at: draft.at.toISOString(),
    actor: draft.actor,
    action: draft.action,
    target: draft.target,
    payload,
    payloadHash: auditPayloadHash(payload),
    previousHash: head.entryHash,
  };
  // Object.assign, not `{ ...unsealed, entryHash }`: V8 copies a spread followed by more
  // properties on a slow path, and this runs for every audit entry.
  return Object.assign(unsealed, { entryHash: auditEntryHash(unsealed) });
}
