import { Command } from 'commander';
import { verifyStoreAudit } from '../../ca/index.js';
import { SymbolonError } from '../../errors.js';
import type { CommandFactory, Output } from '../program.js';
import { withDataDir } from './ca-options.js';

/**
 * `symbolon audit verify`: checks the hash chain of the whole audit log. Prints the head to keep
 * elsewhere (a chain cannot prove that its newest entries were not all rewritten together; a
 * head written down outside can). Fails with `AUDIT_CHAIN_BROKEN` naming the first bad entry.
 */
export const auditVerifyCommand: CommandFactory = (output: Output) =>
  new Command('verify')
    .description('verify that no audit entry was edited, removed or reordered')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .action(async (options: { readonly dir?: string }) => {
      const result = await withDataDir(options, (dataDir) => verifyStoreAudit(dataDir.store));
      if (!result.ok) throw new SymbolonError('AUDIT_CHAIN_BROKEN', `${result.reason} at entry ${result.sequence}: ${result.detail}`);
      output.out(`Audit log verified: ${result.count} entries; head ${result.head.sequence}:${result.head.entryHash}\n`);
    });
