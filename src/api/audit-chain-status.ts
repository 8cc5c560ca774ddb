import { createAuditChainCursor, GENESIS_HASH } from '../audit/index.js';
import type { AuditHead } from '../audit/index.js';
import type { Store } from '../store/index.js';

/** The audit chain's state as the API reports it. */
export interface ChainStatus {
  readonly status: 'intact' | 'broken';
  readonly checkedEntries: number;
  readonly brokenAt: number | null;
}

export interface AuditChainStatusOptions {
  readonly store: Store;
  readonly clock: () => Date;
  /** A full check from the genesis at most this often; between, only entries added since the last check are read. */
  readonly fullCheckIntervalMs: number;
}

const PAGE = 5000;

/**
 * The chain's status for every audit call, without reading a long log each time: entries are
 * verified from the last head verified (each entry links to the one before, so the new ones prove
 * themselves onto it), and the whole log again once `fullCheckIntervalMs` has passed, so an edit
 * to an old entry shows within that interval. Concurrent calls share one check.
 */
export function createAuditChainStatus(options: AuditChainStatusOptions): () => Promise<ChainStatus> {
  let verified: AuditHead = { sequence: 0, entryHash: GENESIS_HASH };
  let lastFullCheckAt = Number.NEGATIVE_INFINITY;
  let broken: ChainStatus | undefined;
  let running: Promise<ChainStatus> | undefined;

  async function check(): Promise<ChainStatus> {
    const now = options.clock().getTime();
    if (now - lastFullCheckAt >= options.fullCheckIntervalMs) {
      verified = { sequence: 0, entryHash: GENESIS_HASH };
      broken = undefined;
      lastFullCheckAt = now;
    }
    if (broken !== undefined) return broken;
    const recorded = await options.store.auditHead();
    const cursor = createAuditChainCursor(verified);
    let after = verified.sequence;
    for (;;) {
      const entries = await options.store.readAuditLog(after, PAGE);
      for (const entry of entries) cursor.add(entry);
      if (entries.length < PAGE) break;
      after = entries.at(-1)!.sequence;
    }
    const result = cursor.end(recorded);
    if (!result.ok) {
      broken = { status: 'broken', checkedEntries: Math.max(0, result.sequence - 1), brokenAt: result.sequence };
      return broken;
    }
    verified = result.head;
    return { status: 'intact', checkedEntries: verified.sequence, brokenAt: null };
  }

  return () => {
    running ??= check().finally(() => (running = undefined));
    return running;
  };
}
