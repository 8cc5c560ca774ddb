import { verifyAuditChain } from '../audit/index.js';
import type { AuditEntry, AuditVerification } from '../audit/index.js';
import type { Store } from '../store/index.js';

const PAGE = 10_000;

/**
 * Verifies the store's whole audit log against the head recorded beside it: any edited, removed
 * or reordered entry, or entries cut from the end, make it fail with the first place it breaks.
 */
export async function verifyStoreAudit(store: Store): Promise<AuditVerification> {
  const entries: AuditEntry[] = [];
  // From below any sequence: an entry renumbered to 0 or less must still be read, and fail.
  for (let after = -Number.MAX_SAFE_INTEGER; ; ) {
    const page = await store.readAuditLog(after, PAGE);
    if (page.length === 0) break;
    entries.push(...page);
    after = page.at(-1)!.sequence;
    if (page.length < PAGE) break;
  }
  return verifyAuditChain(entries, await store.auditHead());
}
