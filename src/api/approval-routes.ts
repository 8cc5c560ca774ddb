import { z } from 'zod';
import { decideEnrollment } from '../est/index.js';
import type { PendingEnrollmentRecord, PendingEnrollmentStatus, Store } from '../store/index.js';
import { badQuery, queryParameters, readJsonBody } from './api-input.js';
import { sendJson } from './api-response.js';
import { adminActor } from './api-route.js';
import type { ApiCall, ApiRoute } from './api-route.js';

export interface ApprovalRoutesOptions {
  readonly store: Store;
  readonly clock: () => Date;
}

const STATUSES: readonly PendingEnrollmentStatus[] = ['pending', 'approved', 'rejected', 'issued'];
const ENROLLMENT_ID = /^[0-9a-f]{16}$/;

function approvalJson(enrollment: PendingEnrollmentRecord): Record<string, unknown> {
  return {
    id: enrollment.id,
    requester: enrollment.requester,
    profile: enrollment.profile,
    label: enrollment.label,
    subject: enrollment.subject,
    sans: enrollment.subjectAltNames,
    renewalOf: enrollment.renewalOf === null ? null : `${enrollment.renewalOf.issuerId}/${enrollment.renewalOf.serial}`,
    requestedAt: enrollment.requestedAt.toISOString(),
    status: enrollment.status,
    decidedAt: enrollment.decidedAt?.toISOString() ?? null,
    decidedBy: enrollment.decidedBy,
    certificate:
      enrollment.certificate === null ? null : { issuerId: enrollment.certificate.issuerId, serial: enrollment.certificate.serial },
  };
}

/** The optional body of a decision: a reason, recorded in the audit entry. */
const decisionBody = z.object({ reason: z.string().max(500).optional() }).strict();

async function decide(call: ApiCall, options: ApprovalRoutesOptions, decision: 'approved' | 'rejected'): Promise<void> {
  queryParameters(call.query, []);
  const id = call.params['id'] ?? '';
  if (!ENROLLMENT_ID.test(id)) throw badQuery(`"${id.slice(0, 64)}" is not an enrollment id (16 lowercase hex digits)`);
  // The body is optional: none, or a JSON object with a reason.
  const hasBody = call.req.headers['content-length'] !== undefined && call.req.headers['content-length'] !== '0';
  const body = hasBody || call.req.headers['transfer-encoding'] !== undefined ? await readJsonBody(call.req, decisionBody) : {};
  const enrollment = await decideEnrollment(id, decision, {
    store: options.store,
    now: options.clock(),
    actor: adminActor(call.admin),
    reason: body.reason,
  });
  sendJson(call.res, 200, approvalJson(enrollment));
}

/** Enrollments held for approval: list (pending by default), approve, reject. */
export function approvalRoutes(options: ApprovalRoutesOptions): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/approvals',
      isChange: false,
      async handle(call) {
        const status = queryParameters(call.query, ['status']).get('status') ?? 'pending';
        if (status !== 'all' && !STATUSES.includes(status as PendingEnrollmentStatus))
          throw badQuery(`status takes all, ${STATUSES.join(', ')}`);
        const items = await options.store.listPendingEnrollments(status === 'all' ? undefined : (status as PendingEnrollmentStatus));
        sendJson(call.res, 200, { items: items.map(approvalJson) });
      },
    },
    { method: 'POST', path: '/approvals/{id}/approve', isChange: true, handle: (call) => decide(call, options, 'approved') },
    { method: 'POST', path: '/approvals/{id}/reject', isChange: true, handle: (call) => decide(call, options, 'rejected') },
  ];
}
