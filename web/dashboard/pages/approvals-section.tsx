import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { Approval } from '../api.js';
import { ErrorNotice } from '../components/notice.js';
import { ItemsView } from '../components/resource-view.js';
import { formatTime } from '../format.js';
import { useResource } from '../use-resource.js';

/** Enrollments held for an operator's decision (profiles with requireApproval). */
export function ApprovalsSection() {
  const [resource, reload] = useResource(() => api.approvals(), 'approvals');
  const [error, setError] = useState<Error | undefined>(undefined);
  const decide = (approval: Approval, decision: 'approve' | 'reject') => {
    setError(undefined);
    api.decide(approval.id, decision).then(reload, (failure: unknown) => setError(failure as Error));
  };
  return (
    <>
      <h2>Waiting for approval</h2>
      {error !== undefined && <ErrorNotice error={error} />}
      <ItemsView resource={resource} what="approvals" none="No enrollment is waiting.">
        {(approvals) => <ApprovalTable approvals={approvals} onDecide={decide} />}
      </ItemsView>
    </>
  );
}

function ApprovalTable(props: {
  readonly approvals: readonly Approval[];
  readonly onDecide: (approval: Approval, decision: 'approve' | 'reject') => void;
}) {
  const decide = props.onDecide;
  return (
    <table class="data">
      <thead>
        <tr>
          <th scope="col">Requested</th>
          <th scope="col">Subject and names</th>
          <th scope="col">Profile</th>
          <th scope="col">Decision</th>
        </tr>
      </thead>
      <tbody>
        {props.approvals.map((approval) => (
          <tr key={approval.id}>
            <td>{formatTime(approval.requestedAt)}</td>
            <td class="wrap">
              {approval.subject} <span class="muted">{approval.sans.join(', ')}</span>
              <div class="muted">by {approval.requester}</div>
            </td>
            <td>{approval.profile}</td>
            <td class="actions-cell">
              <button type="button" class="primary" onClick={() => decide(approval, 'approve')} aria-label={`Approve ${approval.subject}`}>
                Approve
              </button>
              <button type="button" class="danger" onClick={() => decide(approval, 'reject')} aria-label={`Reject ${approval.subject}`}>
                Reject
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
