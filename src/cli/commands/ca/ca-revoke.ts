import { existsSync } from 'node:fs';
import { Command } from 'commander';
import {
  dataDirPaths,
  defaultRootKeyPath,
  findCertificate,
  identifyCertificate,
  parseRevocationReason,
  REVOCATION_REASONS,
  revokeCertificate,
} from '../../../ca/index.js';
import type { DataDir } from '../../../ca/index.js';
import { revokeIntermediate } from '../../../crl/index.js';
import { readInput } from '../../input.js';
import { parseLifetimeOption } from '../../lifetime-option.js';
import type { CommandFactory, Output } from '../../program.js';
import {
  cliActor,
  cliClock,
  dataDirOf,
  defaultRootPassphraseFile,
  firstCertificate,
  rootPassphrase,
  withDataDir,
  DATABASE_OPTION_HELP,
} from './ca-options.js';

interface CaRevokeOptions {
  readonly dir?: string;
  readonly reason: string;
  readonly issuer?: string;
  readonly rootKey?: string;
  readonly rootPassphraseFile?: string;
  readonly rootPassphraseEnv?: string;
  readonly validity: string;
}

function isFile(target: string): boolean {
  return existsSync(target) && !/^[0-9a-f:]+$/i.test(target);
}

/** The intermediate `target` names (its id, such as intermediate-1, or its certificate file); undefined for anything else. */
async function intermediateOf(dataDir: DataDir, target: string): Promise<string | undefined> {
  const byId = dataDir.issuers.find((issuer) => issuer.id === target);
  if (byId !== undefined) return byId.id;
  if (!isFile(target)) return undefined;
  const certificate = firstCertificate(await readInput(target));
  return dataDir.issuers.find((issuer) => issuer.certificate.equals(certificate.der))?.id;
}

/**
 * `symbolon ca revoke SERIAL|CERT --reason R`: records the revocation (and its audit entry); no key
 * is needed. An intermediate of this CA (`intermediate-N` or its certificate file) is revoked
 * with the root key instead, in a new root CRL.
 */
export const caRevokeCommand: CommandFactory = (output: Output) =>
  new Command('revoke')
    .description('revoke a certificate this CA issued, or one of its intermediates (with the root key)')
    .argument(
      '<serial-or-certificate>',
      'the serial number in hex, the certificate file, or an intermediate: intermediate-N or its certificate',
    )
    .requiredOption('--reason <reason>', `why: ${REVOCATION_REASONS.join(', ')}`)
    .option('--issuer <id>', 'the issuer (intermediate-N) when a serial is not unique')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option(
      '--root-key <file>',
      'revoking an intermediate: the root key file, when it is not in the data directory (default: offline/root.key.enc)',
    )
    .option(
      '--root-passphrase-file <file>',
      'revoking an intermediate: file holding the root key passphrase (default: root.passphrase beside the root key, if there)',
    )
    .option('--root-passphrase-env <name>', 'revoking an intermediate: environment variable holding it (never read unless named here)')
    .option('--validity <lifetime>', 'revoking an intermediate: nextUpdate - thisUpdate of the new root CRL', '90d')
    .action(async (target: string, options: CaRevokeOptions) => {
      const reason = parseRevocationReason(options.reason);
      const intermediate = await withDataDir(options, (dataDir) => intermediateOf(dataDir, target));
      if (intermediate !== undefined) {
        // An intermediate is the root's to revoke: its CRL is the root's, signed with the offline key.
        const validitySeconds = parseLifetimeOption(options.validity, '--validity');
        if (options.rootKey === undefined) defaultRootKeyPath(dataDirPaths(dataDirOf(options)));
        const passphrase = await rootPassphrase(options, false, defaultRootPassphraseFile(options));
        const revoked = await withDataDir(options, (dataDir) =>
          revokeIntermediate(dataDir, {
            issuerId: intermediate,
            reason,
            rootKeyPath: options.rootKey,
            rootPassphrase: passphrase,
            validitySeconds,
            now: cliClock(),
            actor: cliActor(),
          }),
        );
        output.out(
          [
            `Revoked ${intermediate} (serial ${revoked.serialNumber}, ${reason}) with the root key: root CRL ${revoked.crlNumber} written to ${revoked.path}, valid until ${revoked.nextUpdate.toISOString()}`,
            '  `symbolon up` serves it at /crl/root.crl at once; relying parties that check the chain (openssl verify -crl_check_all) now refuse every certificate under it',
            ...(revoked.isActive
              ? [`  ${intermediate} is the intermediate that issues: make its successor now with \`symbolon ca intermediate create\``]
              : []),
            '',
          ].join('\n'),
        );
        return;
      }
      const revocation = await withDataDir(options, async (dataDir) => {
        const record = isFile(target)
          ? await identifyCertificate(dataDir.store, dataDir.issuers, firstCertificate(await readInput(target)))
          : await findCertificate(dataDir.store, target, options.issuer);
        return revokeCertificate(dataDir.store, { issuerId: record.issuerId, serial: record.serial }, reason, {
          actor: cliActor(),
          now: cliClock(),
        });
      });
      output.out(
        `Revoked ${revocation.issuerId}/${revocation.serial} (${revocation.reason}) at ${revocation.revokedAt.toISOString()}; feed sequence ${revocation.sequence}\n`,
      );
    });
