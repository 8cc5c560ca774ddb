import { Command } from 'commander';
import { dataDirPaths, defaultRootKeyPath } from '../../../ca/index.js';
import { parseLifetimeOption } from '../../lifetime-option.js';
import { publishRootCrl } from '../../../crl/index.js';
import type { CommandFactory, Output } from '../../program.js';
import {
  cliActor,
  cliClock,
  dataDirOf,
  defaultRootPassphraseFile,
  rootPassphrase,
  withDataDir,
  DATABASE_OPTION_HELP,
} from './ca-options.js';

interface CaRootCrlOptions {
  readonly dir?: string;
  readonly rootKey?: string;
  readonly rootPassphraseFile?: string;
  readonly rootPassphraseEnv?: string;
  readonly validity: string;
}

/** `symbolon ca root-crl`: the root's CRL, signed with the root key brought back online, for `up` to serve. */
export const caRootCrlCommand: CommandFactory = (output: Output) =>
  new Command('root-crl')
    .description("sign the root's CRL with the root key (brought back from offline); `symbolon up` serves it at /crl/root.crl")
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--root-key <file>', 'the root key file, when it is not in the data directory (default: offline/root.key.enc)')
    .option(
      '--root-passphrase-file <file>',
      'file holding the root key passphrase (default: root.passphrase beside the root key, if there)',
    )
    .option('--root-passphrase-env <name>', 'environment variable holding it (never read unless named here)')
    .option('--validity <lifetime>', 'nextUpdate - thisUpdate; make the next one before it runs out', '90d')
    .action(async (options: CaRootCrlOptions) => {
      const validitySeconds = parseLifetimeOption(options.validity, '--validity');
      // A root key that is not here (moved offline) is said before a passphrase is asked for.
      if (options.rootKey === undefined) defaultRootKeyPath(dataDirPaths(dataDirOf(options)));
      const passphrase = await rootPassphrase(options, false, defaultRootPassphraseFile(options));
      const published = await withDataDir(options, (dataDir) =>
        publishRootCrl(dataDir, {
          rootKeyPath: options.rootKey,
          rootPassphrase: passphrase,
          validitySeconds,
          now: cliClock(),
          actor: cliActor(),
        }),
      );
      output.out(
        `Root CRL ${published.crlNumber} written to ${published.path} (and .pem); valid until ${published.nextUpdate.toISOString()}; make the next one before then\n`,
      );
    });
