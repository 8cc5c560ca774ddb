import { Command } from 'commander';
import { parseLifetime } from '../../ca/index.js';
import { publishRootCrl } from '../../crl/index.js';
import type { CommandFactory, Output } from '../program.js';
import { cliActor, cliClock, rootPassphrase, ROOT_PASSPHRASE_ENV, withDataDir } from './ca-options.js';

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
    .option('--root-key <file>', 'the root key file, when it was moved offline (default: ca/root.key.enc)')
    .option('--root-passphrase-file <file>', 'file holding the root key passphrase')
    .option('--root-passphrase-env <name>', `environment variable holding it (default: ${ROOT_PASSPHRASE_ENV})`)
    .option('--validity <lifetime>', 'nextUpdate - thisUpdate; make the next one before it runs out', '90d')
    .action(async (options: CaRootCrlOptions) => {
      const validitySeconds = parseLifetime(options.validity, '--validity');
      const passphrase = await rootPassphrase(options, false);
      const published = await withDataDir(options, (dataDir) => publishRootCrl(dataDir, { rootKeyPath: options.rootKey, rootPassphrase: passphrase, validitySeconds, now: cliClock(), actor: cliActor() }));
      output.out(`Root CRL ${published.crlNumber} written to ${published.path} (and .pem); valid until ${published.nextUpdate.toISOString()}; make the next one before then\n`);
    });
