import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { readAuditCheckpoint, verifyStoreState } from '../../../ca/index.js';
import type { AuditCheckpoint, StateVerification } from '../../../ca/index.js';
import { SymbolonError } from '../../../errors.js';
import { readInput } from '../../input.js';
import type { CommandFactory, Output } from '../../program.js';
import { withDataDir, DATABASE_OPTION_HELP } from '../ca/ca-options.js';

/** An exported checkpoint is a few hundred bytes; a stored one (with state) is read by `up`. */
const MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024;

/**
 * `symbolon audit verify`: checks the hash chain of the whole audit log, then proves the tables
 * against it (certificates, revocations, issuers and the active one, the configuration), naming
 * each difference. With `--checkpoint FILE` (from `audit checkpoint --out`), also proves that the
 * log still extends that signed head: a log cut short and given a new head cannot. Fails with
 * `AUDIT_CHAIN_BROKEN`, `AUDIT_CHECKPOINT_NOT_EXTENDED` or `AUDIT_STATE_MISMATCH` (each
 * difference on its own line first), exit 1.
 */
export const auditVerifyCommand: CommandFactory = (output: Output) =>
  new Command('verify')
    .description("verify that no audit entry was edited, removed or reordered, and that the CA's tables are what the log records")
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--checkpoint <file>', 'a signed checkpoint (from `audit checkpoint --out`) the log must still extend')
    .action(async (options: { readonly dir?: string; readonly checkpoint?: string }) => {
      const checkpointText =
        options.checkpoint === undefined ? undefined : (await readInput(options.checkpoint, MAX_CHECKPOINT_BYTES)).toString('utf8');
      const { result, checkpoint } = await withDataDir(options, async (dataDir) => {
        const anchor: AuditCheckpoint | undefined =
          checkpointText === undefined
            ? undefined
            : readAuditCheckpoint(checkpointText, { storeId: await dataDir.store.storeId(), issuers: dataDir.issuers, root: dataDir.root });
        const verification = await verifyStoreState(dataDir.store, { configText: readFileSync(dataDir.paths.config, 'utf8') });
        if (anchor !== undefined && anchor.head.sequence > 0) {
          const [entry] = await dataDir.store.readAuditLog(anchor.head.sequence - 1, 1);
          if (entry?.sequence !== anchor.head.sequence) {
            throw new SymbolonError(
              'AUDIT_CHECKPOINT_NOT_EXTENDED',
              `the checkpoint of ${anchor.at.toISOString()} signed entry ${anchor.head.sequence}, and the log has no entry ${anchor.head.sequence}: it was cut short`,
            );
          }
          if (entry.entryHash !== anchor.head.entryHash) {
            throw new SymbolonError(
              'AUDIT_CHECKPOINT_NOT_EXTENDED',
              `entry ${anchor.head.sequence} is not the one the checkpoint of ${anchor.at.toISOString()} signed: the log was rewritten from there or before`,
            );
          }
        }
        return { result: verification, checkpoint: anchor };
      });
      report(output, result, checkpoint);
    });

function report(output: Output, result: StateVerification, checkpoint: AuditCheckpoint | undefined): void {
  const chain = result.chain;
  if (!chain.ok) throw new SymbolonError('AUDIT_CHAIN_BROKEN', `${chain.reason} at entry ${chain.sequence}: ${chain.detail}`);
  const legacy = result.proven?.entriesWithoutRecordHash ?? 0;
  if (result.differences.length > 0) {
    for (const difference of result.differences) output.err(`  ${difference.kind}: ${difference.detail}\n`);
    const count = result.differences.length;
    throw new SymbolonError(
      'AUDIT_STATE_MISMATCH',
      `${count} difference${count === 1 ? '' : 's'} between the tables and the audit log (listed above); OCSP and the CRL of \`symbolon up\` serve every revocation the log proves`,
    );
  }
  const lines = [`Audit log verified: ${chain.count} entries; head ${chain.head.sequence}:${chain.head.entryHash}`];
  lines.push(
    `Tables match the log: ${result.certificatesCompared} certificates, ${result.proven?.revocations.size ?? 0} revocations, issuers, OAuth clients, signing keys, enrollment tokens and configuration`,
  );
  if (checkpoint !== undefined)
    lines.push(
      `The log extends the checkpoint of ${checkpoint.at.toISOString()} (entry ${checkpoint.head.sequence}, signed by ${checkpoint.issuerId})`,
    );
  if (legacy > 0) {
    lines.push(
      `${legacy} entries predate record hashes (written by an older Symbolon): their rows were compared with the fields those entries recorded (DER SHA-256, names, dates, reason), not with a hash of the whole row`,
    );
  }
  output.out(`${lines.join('\n')}\n`);
}
