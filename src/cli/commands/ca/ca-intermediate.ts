import { Command } from 'commander';
import { createIntermediate, dataDirPaths, defaultRootKeyPath } from '../../../ca/index.js';
import type { CommandFactory, Output } from '../../program.js';
import {
  cliActor,
  cliClock,
  cliRandom,
  collect,
  intermediateConstraintsOf,
  intermediatePassphraseRequest,
  resolvePassphrase,
  dataDirOf,
  defaultRootPassphraseFile,
  rootPassphrase,
  withDataDir,
  DATABASE_OPTION_HELP,
} from './ca-options.js';

interface CaIntermediateOptions {
  readonly dir?: string;
  readonly rootKey?: string;
  readonly rootPassphraseFile?: string;
  readonly rootPassphraseEnv?: string;
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
  readonly spiffeTrustDomain?: string;
  readonly permitDns?: string[];
}

/** `symbolon ca intermediate create`: the next intermediate, signed with the root key brought back online. */
export const caIntermediateCommand: CommandFactory = (output: Output) =>
  new Command('intermediate').description('manage intermediate CAs').addCommand(
    new Command('create')
      .description('make a new intermediate CA with the root key and make it the one that issues')
      .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
      .option('--database <url>', DATABASE_OPTION_HELP)
      .option('--root-key <file>', 'the root key file, when it is not in the data directory (default: offline/root.key.enc)')
      .option(
        '--root-passphrase-file <file>',
        'file holding the root key passphrase (default: root.passphrase beside the root key, if there)',
      )
      .option('--root-passphrase-env <name>', 'environment variable holding it (never read unless named here)')
      .option('--passphrase-file <file>', 'file holding the passphrase for the new intermediate key')
      .option('--passphrase-env <name>', 'environment variable holding it (default: SYMBOLON_CA_PASSPHRASE)')
      .option('--spiffe-trust-domain <domain>', 'constrain the intermediate to this SPIFFE trust domain')
      .option('--permit-dns <suffix>', 'constrain the intermediate to DNS names under this suffix (repeatable)', collect)
      .action(async (options: CaIntermediateOptions) => {
        // A root key that is not here (moved offline) is said before a passphrase is asked for.
        if (options.rootKey === undefined) defaultRootKeyPath(dataDirPaths(dataDirOf(options)));
        const rootKeyPassphrase = await rootPassphrase(options, false, defaultRootPassphraseFile(options));
        // `up` unlocks every intermediate with one passphrase: the generated one is the default for the next.
        const passphrase = await resolvePassphrase({
          ...intermediatePassphraseRequest(options, true),
          defaultFile: dataDirPaths(dataDirOf(options)).intermediatePassphrase,
        });
        const created = await withDataDir(options, (dataDir) =>
          createIntermediate(dataDir, {
            rootKeyPath: options.rootKey,
            rootPassphrase: rootKeyPassphrase,
            intermediatePassphrase: passphrase,
            constraints: intermediateConstraintsOf(options),
            actor: cliActor(),
            now: cliClock(),
            random: cliRandom,
          }),
        );
        output.out(`Created ${created.id}: ${created.subject}; it now issues (ca/${created.id}.crt)\n`);
      }),
  );
