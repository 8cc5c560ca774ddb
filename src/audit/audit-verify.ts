import type { AuditEntry, AuditHead } from './audit-entry.js';
import { auditEntryHash, auditPayloadHash, GENESIS_HASH } from './audit-seal.js';

/** Why a chain does not verify. */
export type AuditFault =
  /** An entry's payload no longer matches its payload hash, or its fields no longer match its entry hash. */
  | 'edited'
  /** An entry is missing: a gap in the sequence, or a link to an entry that is not there. */
  | 'removed'
  /** An entry stands before an entry it should follow. */
  | 'reordered'
  /** Entries are missing from the end: the chain stops before the head recorded beside it. */
  | 'truncated';

export type AuditVerification =
  | { readonly ok: true; readonly count: number; readonly head: AuditHead }
  | { readonly ok: false; readonly reason: AuditFault; readonly sequence: number; readonly detail: string };

/** The first fault of one entry against the link it should extend, or undefined when it extends it. */
function entryFault(entry: AuditEntry, expectedSequence: number, previous: string): Extract<AuditVerification, { ok: false }> | undefined {
  if (entry.sequence > expectedSequence) {
    return {
      ok: false,
      reason: 'removed',
      sequence: expectedSequence,
      detail: `entry ${expectedSequence} is missing: the log goes from ${expectedSequence - 1} to ${entry.sequence}`,
    };
  }
  if (entry.sequence < expectedSequence) {
    return {
      ok: false,
      reason: 'reordered',
      sequence: entry.sequence,
      detail: `entry ${entry.sequence} appears after entry ${expectedSequence - 1}`,
    };
  }
  if (entry.previousHash !== previous) {
    return {
      ok: false,
      reason: 'removed',
      sequence: entry.sequence,
      detail: `entry ${entry.sequence} links to an entry that is not the one before it (removed or rewritten)`,
    };
  }
  if (auditPayloadHash(entry.payload) !== entry.payloadHash) {
    return {
      ok: false,
      reason: 'edited',
      sequence: entry.sequence,
      detail: `the payload of entry ${entry.sequence} does not match its hash`,
    };
  }
  if (auditEntryHash(entry) !== entry.entryHash) {
    return { ok: false, reason: 'edited', sequence: entry.sequence, detail: `entry ${entry.sequence} does not match its hash` };
  }
  return undefined;
}

/**
 * Checks a log read in pages, entry by entry, from `start` (the genesis, or a head verified
 * before: a checkpoint). `add` returns the first fault and keeps returning it; `end` compares
 * the last entry with the head recorded beside the log. Memory stays constant however long the
 * log is; `verifyAuditChain` tells a reordering from a removal, which needs the whole log.
 */
export interface AuditChainCursor {
  add(entry: AuditEntry): Extract<AuditVerification, { ok: false }> | undefined;
  end(recordedHead?: AuditHead): AuditVerification;
}

export function createAuditChainCursor(start: AuditHead = { sequence: 0, entryHash: GENESIS_HASH }): AuditChainCursor {
  let head = start;
  let fault: Extract<AuditVerification, { ok: false }> | undefined;
  return {
    add(entry) {
      fault ??= entryFault(entry, head.sequence + 1, head.entryHash);
      if (fault === undefined) head = { sequence: entry.sequence, entryHash: entry.entryHash };
      return fault;
    },
    end(recordedHead) {
      if (fault !== undefined) return fault;
      return compareHead(head, head.sequence - start.sequence, recordedHead);
    },
  };
}

function compareHead(head: AuditHead, count: number, recordedHead: AuditHead | undefined): AuditVerification {
  if (recordedHead !== undefined && (recordedHead.sequence !== head.sequence || recordedHead.entryHash !== head.entryHash)) {
    if (recordedHead.sequence > head.sequence) {
      return {
        ok: false,
        reason: 'truncated',
        sequence: head.sequence + 1,
        detail: `the log ends at entry ${head.sequence} but the recorded head is entry ${recordedHead.sequence}`,
      };
    }
    return {
      ok: false,
      reason: 'edited',
      sequence: head.sequence,
      detail: `the last entry does not match the recorded head (entry ${recordedHead.sequence})`,
    };
  }
  return { ok: true, count, head };
}

/**
 * Checks a whole audit log, given in stored order (by sequence). With `recordedHead` (the head
 * the store keeps beside the log) it also finds entries removed from the end, which no chain can
 * show by itself. Returns the fault at the first entry where the chain breaks; never throws for
 * a bad chain.
 */
export function verifyAuditChain(entries: Iterable<AuditEntry>, recordedHead?: AuditHead): AuditVerification {
  const list = [...entries];
  const positionOfHash = new Map<string, number>();
  list.forEach((entry, index) => positionOfHash.set(entry.entryHash, index));
  let previous = GENESIS_HASH;
  for (let index = 0; index < list.length; index++) {
    const entry = list[index]!;
    const fault = entryFault(entry, index + 1, previous);
    if (fault !== undefined) {
      const linked = positionOfHash.get(entry.previousHash);
      if (entry.sequence === index + 1 && entry.previousHash !== previous && linked !== undefined && linked > index) {
        return {
          ok: false,
          reason: 'reordered',
          sequence: entry.sequence,
          detail: `entry ${entry.sequence} links to an entry stored after it`,
        };
      }
      return fault;
    }
    previous = entry.entryHash;
  }
  return compareHead({ sequence: list.length, entryHash: previous }, list.length, recordedHead);
}
