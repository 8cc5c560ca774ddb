import { readFileSync } from 'node:fs';
import { checkAuditAtStart } from '../../ca/index.js';
import type { DataDir, IssuingCa, StartAudit } from '../../ca/index.js';
import type { Output } from '../program.js';
import type { UpHealth } from '../../services/index.js';

/** A table rewritten wholesale would name a million rows: the log gets the first ones. */
const MAX_LOGGED_PROBLEMS = 1000;

/**
 * `up`'s audit check at start (`checkAuditAtStart`): every problem goes to standard error, one
 * line each, and raises the `audit` alarm (/healthz unhealthy, the metrics); the services then
 * serve what the log proves.
 */
export async function startAuditCheck(
  dataDir: DataDir,
  unlocked: readonly IssuingCa[],
  context: { readonly health: UpHealth; readonly output: Output; readonly now: Date },
): Promise<StartAudit> {
  const { health, output } = context;
  const audit = await checkAuditAtStart(dataDir, {
    signer: unlocked.find((issuer) => issuer.id === dataDir.activeIssuer.id),
    configText: readFileSync(dataDir.paths.config, 'utf8'),
    now: context.now,
  });
  health.setAuditDifferences(audit.verification.differences.length);
  health.alarm('audit', 'AUDIT_STATE_MISMATCH', audit.problems, context.now);
  for (const problem of audit.problems.slice(0, MAX_LOGGED_PROBLEMS)) output.err(`symbolon: AUDIT_STATE_MISMATCH: ${problem}\n`);
  if (audit.problems.length > MAX_LOGGED_PROBLEMS) {
    output.err(
      `symbolon: AUDIT_STATE_MISMATCH: and ${audit.problems.length - MAX_LOGGED_PROBLEMS} more; \`symbolon audit verify\` names them all\n`,
    );
  }
  if (audit.unserved.revocations.size > 0) {
    output.err(
      `symbolon: AUDIT_STATE_MISMATCH: serving ${audit.unserved.revocations.size} revocation(s) from the audit log that the revocations table lost or altered\n`,
    );
  }
  return audit;
}

/** One line for `up`'s start-up summary. */
export function auditSummary(audit: StartAudit): string {
  const v = audit.verification;
  if (audit.problems.length > 0)
    return `ALARM: ${audit.problems.length} problem(s) between the tables and the audit log (on standard error and at /healthz); every revocation the log proves is served`;
  const from = audit.checkpoint === undefined ? 'the whole log' : `the checkpoint at entry ${audit.checkpoint.head.sequence}`;
  const counted =
    v.certificatesCounted > 0 ? ` (${v.certificatesCounted} older certificates counted; \`symbolon audit verify\` compares every row)` : '';
  return `tables match the log: ${v.entriesRead} entries read from ${from}, ${v.certificatesCompared} certificates and ${v.proven?.revocations.size ?? 0} revocations compared${counted}`;
}
