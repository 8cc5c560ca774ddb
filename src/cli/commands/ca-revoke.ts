import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { findCertificate, identifyCertificate, parseRevocationReason, REVOCATION_REASONS, revokeCertificate } from '../../ca/index.js';
import { readInput } from '../input.js';
import type { CommandFactory, Output } from '../program.js';
import { cliActor, cliClock, firstCertificate, withDataDir } from './ca-options.js';

interface CaRevokeOptions {
  readonly dir?: string;
  readonly reason: string;
  readonly issuer?: string;
}

/** `symbolon ca revoke SERIAL|CERT --reason R`: records the revocation (and its audit entry); no key is needed. */
export const caRevokeCommand: CommandFactory = (output: Output) =>
  new Command('revoke')
    .description('revoke a certificate this CA issued')
    .argument('<serial-or-certificate>', 'the serial number in hex, or the certificate file')
    .requiredOption('--reason <reason>', `why: ${REVOCATION_REASONS.join(', ')}`)
    .option('--issuer <id>', 'the issuer (intermediate-N) when a serial is not unique')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .action(async (target: string, options: CaRevokeOptions) => {
      const reason = parseRevocationReason(options.reason);
      const revocation = await withDataDir(options, async (dataDir) => {
        const record =
          existsSync(target) && !/^[0-9a-f:]+$/i.test(target)
            ? await identifyCertificate(dataDir.store, dataDir.issuers, firstCertificate(await readInput(target)))
            : await findCertificate(dataDir.store, target, options.issuer);
        return revokeCertificate(dataDir.store, { issuerId: record.issuerId, serial: record.serial }, reason, { actor: cliActor(), now: cliClock() });
      });
      output.out(`Revoked ${revocation.issuerId}/${revocation.serial} (${revocation.reason}) at ${revocation.revokedAt.toISOString()}; feed sequence ${revocation.sequence}\n`);
    });
