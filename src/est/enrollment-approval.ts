import type { PendingEnrollmentRecord, Store } from '../store/index.js';

/**
 * Approves or rejects an EST enrollment waiting for approval, with its audit entry
 * (`enrollment.approve` / `enrollment.reject`). An approved one is issued when the client comes
 * back (the key stays with `symbolon up`). Throws `STORE_ENROLLMENT_NOT_FOUND`, `STORE_ENROLLMENT_DECIDED`.
 */
export function decideEnrollment(
  id: string,
  decision: 'approved' | 'rejected',
  context: { readonly store: Store; readonly now: Date; readonly actor: string; readonly reason?: string | undefined },
): Promise<PendingEnrollmentRecord> {
  return context.store.decidePendingEnrollment(
    id,
    { status: decision, decidedBy: context.actor, at: context.now },
    {
      at: context.now,
      actor: context.actor,
      action: decision === 'approved' ? 'enrollment.approve' : 'enrollment.reject',
      target: `enrollment/${id}`,
      payload: { enrollment: id, ...(context.reason === undefined ? {} : { reason: context.reason }) },
    },
  );
}
