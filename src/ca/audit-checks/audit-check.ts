import type { AuditVerification } from '../../audit/index.js';
import type { Store } from '../../store/index.js';
import { verifyStoreState } from './audit-state.js';

/**
 * Verifies the store's whole audit log against the head recorded beside it: any edited, removed
 * or reordered entry, or entries cut from the end, make it fail with the first place it breaks.
 * The chain only; `verifyStoreState` also proves the tables against it.
 */
export async function verifyStoreAudit(store: Store): Promise<AuditVerification> {
  return (await verifyStoreState(store)).chain;
}
