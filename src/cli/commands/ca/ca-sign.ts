import { Command, Option } from 'commander';
import { createCertificateAuthority } from '../../../ca/index.js';
import { parseCsr, toPem } from '../../../x509/index.js';
import { readInput } from '../../input.js';
import { checkOutputPath, writeOutputFile } from '../../output-file.js';
import type { CommandFactory, Output } from '../../program.js';
import { cliActor, cliClock, cliRandom, parseTtlOption, withIssuer, DATABASE_OPTION_HELP } from './ca-options.js';

interface CaSignOptions {
  readonly dir?: string;
  readonly profile: string;
  readonly ttl?: number;
  readonly out?: string;
  readonly chain?: boolean;
  readonly force?: boolean;
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
}

/** `symbolon ca sign CSR --profile P`: a certificate for a PKCS#10 request, after the profile's checks. */
export const caSignCommand: CommandFactory = (output: Output) =>
  new Command('sign')
    .description('issue a certificate for a CSR under a profile')
    .argument('<csr>', 'the CSR file (PEM or DER); - for standard input')
    .requiredOption('--profile <name>', 'the profile: client, server, spiffe, gateway, ocsp-signer or one from config.yaml')
    .addOption(new Option('--ttl <lifetime>', 'lifetime such as 30d or 12h (default: the profile default)').argParser(parseTtlOption))
    .option('--out <file>', 'write the certificate here instead of standard output')
    .option('--force', 'replace the --out file if it exists')
    .option('--chain', 'follow the certificate with the intermediate certificate')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--passphrase-file <file>', 'file holding the intermediate key passphrase')
    .option('--passphrase-env <name>', 'environment variable holding it (default: SYMBOLON_CA_PASSPHRASE)')
    .action(async (csrPath: string, options: CaSignOptions) => {
      // The CA checks the signature itself, after the profile's key rules.
      const csr = parseCsr(await readInput(csrPath), { checkSignature: false });
      const force = options.force === true;
      // Before issuing: a certificate recorded but never written is one nobody can use.
      if (options.out !== undefined) await checkOutputPath(options.out, { force });
      const issued = await withIssuer(options, (dataDir, issuer) =>
        createCertificateAuthority({
          store: dataDir.store,
          config: dataDir.config,
          issuer,
          clock: cliClock,
          random: cliRandom,
        }).issueFromCsr(csr, {
          profile: options.profile,
          ttlSeconds: options.ttl,
          actor: cliActor(),
        }),
      );
      const pem = toPem('CERTIFICATE', issued.der) + (options.chain === true ? toPem('CERTIFICATE', issued.chain[0]!) : '');
      if (options.out === undefined) output.out(pem);
      else await writeOutputFile(options.out, pem, { overwrite: force });
      output.err(`Issued serial ${issued.record.serial} (${issued.record.profile}, until ${issued.record.notAfter.toISOString()})\n`);
    });
