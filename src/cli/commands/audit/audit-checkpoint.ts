import { Command } from 'commander';
import { signAuditCheckpoint, verifyStoreState } from '../../../ca/index.js';
import { SymbolonError } from '../../../errors.js';
import { refuseExisting, writeOutputFile } from '../../output-file.js';
import type { CommandFactory, Output } from '../../program.js';
import { cliClock, withIssuer, DATABASE_OPTION_HELP } from '../ca/ca-options.js';
import type { CaPassphraseOptions } from '../ca/ca-options.js';

interface AuditCheckpointOptions extends CaPassphraseOptions {
  readonly dir?: string;
  readonly out: string;
  readonly force?: boolean;
}

/**
 * `symbolon audit checkpoint --out FILE`: verifies the log and the tables, then writes the chain
 * head signed with the active intermediate's key. Keep it away from the data directory;
 * `audit verify --checkpoint FILE` later proves the log still extends it.
 */
export const auditCheckpointCommand: CommandFactory = (output: Output) =>
  new Command('checkpoint')
    .description('export the audit chain head, signed with the intermediate key, to keep outside the data directory')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .requiredOption('--out <file>', 'where to write the signed checkpoint (JSON)')
    .option('--force', 'replace --out when it exists')
    .option('--passphrase-file <file>', 'file holding the intermediate key passphrase')
    .option('--passphrase-env <name>', 'environment variable holding it (default: SYMBOLON_CA_PASSPHRASE)')
    .action(async (options: AuditCheckpointOptions) => {
      const overwrite = options.force === true;
      if (!overwrite) await refuseExisting(options.out, 'OUTPUT_FILE_EXISTS');
      const signed = await withIssuer(options, async (dataDir, issuer) => {
        const result = await verifyStoreState(dataDir.store);
        const chain = result.chain;
        if (!chain.ok)
          throw new SymbolonError(
            'AUDIT_CHAIN_BROKEN',
            `${chain.reason} at entry ${chain.sequence}: ${chain.detail}; no checkpoint was written`,
          );
        if (result.differences.length > 0) {
          throw new SymbolonError(
            'AUDIT_STATE_MISMATCH',
            `${result.differences.length} differences between the tables and the log; run \`symbolon audit verify\`; no checkpoint was written`,
          );
        }
        const text = await signAuditCheckpoint(
          { storeId: await dataDir.store.storeId(), head: chain.head, at: cliClock(), issuerId: issuer.id, state: undefined },
          issuer,
        );
        return { text, head: chain.head, issuerId: issuer.id };
      });
      await writeOutputFile(options.out, signed.text, { overwrite });
      output.out(
        `Checkpoint of entry ${signed.head.sequence} (${signed.head.entryHash}) signed by ${signed.issuerId}, written to ${options.out}; keep it outside the data directory\n`,
      );
    });
