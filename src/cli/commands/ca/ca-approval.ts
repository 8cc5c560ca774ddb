import { Command } from 'commander';
import { decideEnrollment } from '../../../est/index.js';
import type { PendingEnrollmentStatus } from '../../../store/index.js';
import { SymbolonError } from '../../../errors.js';
import type { CommandFactory, Output } from '../../program.js';
import { cliActor, cliClock, withDataDir } from './ca-options.js';

const STATUSES: readonly PendingEnrollmentStatus[] = ['pending', 'approved', 'rejected', 'issued'];

/** `symbolon ca pending`: EST enrollments waiting for approval (or, with --status, decided ones). */
export const caPendingCommand: CommandFactory = (output: Output) =>
  new Command('pending')
    .description('list EST enrollments waiting for approval (ca approve / ca reject)')
    .option('--status <status>', `pending (default), approved, rejected, issued or all`, 'pending')
    .option('--json', 'one JSON array')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .action(async (options: { readonly dir?: string; readonly status: string; readonly json?: boolean }) => {
      if (options.status !== 'all' && !STATUSES.includes(options.status as PendingEnrollmentStatus)) {
        throw new SymbolonError('USAGE', `--status takes ${STATUSES.join(', ')} or all`);
      }
      const status = options.status === 'all' ? undefined : (options.status as PendingEnrollmentStatus);
      const enrollments = await withDataDir(options, (dataDir) => dataDir.store.listPendingEnrollments(status));
      const rows = enrollments.map((e) => ({
        id: e.id,
        status: e.status,
        profile: e.profile,
        subject: e.subject,
        subjectAltNames: e.subjectAltNames,
        requester: e.requester,
        requestedAt: e.requestedAt.toISOString(),
        decidedBy: e.decidedBy,
        certificate: e.certificate === null ? null : `${e.certificate.issuerId}/${e.certificate.serial}`,
      }));
      if (options.json === true) return output.out(`${JSON.stringify(rows, null, 2)}\n`);
      if (rows.length === 0) return output.out(`No enrollments ${options.status === 'all' ? 'recorded' : options.status}.\n`);
      output.out(
        rows
          .map(
            (row) =>
              `${row.id}  ${row.status.padEnd(8)}  ${row.profile}  ${row.subject}  ${row.subjectAltNames.join(',')}  by ${row.requester} at ${row.requestedAt}`,
          )
          .join('\n') + '\n',
      );
    });

function decisionCommand(name: 'approve' | 'reject'): CommandFactory {
  return (output: Output) =>
    new Command(name)
      .description(
        name === 'approve'
          ? 'approve an EST enrollment: the client gets its certificate at its next retry'
          : 'reject an EST enrollment: the client is refused (403)',
      )
      .argument('<id>', 'the enrollment id (from `ca pending`, or the 202 answer)')
      .option('--reason <text>', 'recorded in the audit entry')
      .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
      .action(async (id: string, options: { readonly dir?: string; readonly reason?: string }) => {
        const decided = await withDataDir(options, (dataDir) =>
          decideEnrollment(id, name === 'approve' ? 'approved' : 'rejected', {
            store: dataDir.store,
            now: cliClock(),
            actor: cliActor(),
            reason: options.reason,
          }),
        );
        output.out(`${name === 'approve' ? 'Approved' : 'Rejected'} enrollment ${decided.id} (${decided.profile}, ${decided.subject}).\n`);
      });
}

export const caApproveCommand = decisionCommand('approve');
export const caRejectCommand = decisionCommand('reject');
