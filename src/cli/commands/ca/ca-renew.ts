import { Command, Option } from 'commander';
import { createCertificateAuthority, identifyCertificate } from '../../../ca/index.js';
import { SymbolonError } from '../../../errors.js';
import { exportPrivateKeyPem, generateKeyRequest, writePrivateKeyFile } from '../../../keys/index.js';
import type { KeyType } from '../../../keys/index.js';
import { toPem } from '../../../x509/index.js';
import { keyTypeAlias, keyTypeOf, parseKeyType } from '../../key-type-option.js';
import { readInput } from '../../input.js';
import { checkOutputPath, writeOutputFile } from '../../output-file.js';
import type { CommandFactory, Output } from '../../program.js';
import { cliActor, cliClock, firstCertificate, cliRandom, parseTtlOption, withIssuer, DATABASE_OPTION_HELP } from './ca-options.js';

interface CaRenewOptions {
  readonly dir?: string;
  readonly rekey?: boolean;
  readonly keyType?: KeyType;
  readonly type?: KeyType;
  readonly ttl?: number;
  readonly out?: string;
  readonly force?: boolean;
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
}

/** `symbolon ca renew CERT [--rekey]`: the same subject, names and profile, newly dated, from the active intermediate. */
export const caRenewCommand: CommandFactory = (output: Output) =>
  new Command('renew')
    .description('issue a new certificate with the subject, names and profile of one this CA issued')
    .argument('<certificate>', 'the certificate to renew (PEM or DER)')
    .option('--rekey', 'generate a new key for it (writes <out>.key, <out>.crt); needs --out')
    .addOption(new Option('--key-type <type>', 'the new key with --rekey (default: p256)').argParser(parseKeyType))
    .addOption(keyTypeAlias())
    .addOption(new Option('--ttl <lifetime>', 'lifetime such as 30d (default: the profile default)').argParser(parseTtlOption))
    .option('--out <path>', 'without --rekey: the certificate file (default: standard output); with --rekey: the path prefix')
    .option('--force', 'replace output files that exist')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--passphrase-file <file>', 'file holding the intermediate key passphrase')
    .option('--passphrase-env <name>', 'environment variable holding it (default: SYMBOLON_CA_PASSPHRASE)')
    .action(async (certificatePath: string, options: CaRenewOptions) => {
      const previous = firstCertificate(await readInput(certificatePath));
      if (options.rekey === true && options.out === undefined)
        throw new SymbolonError('USAGE', '--rekey writes a new key: give --out PATH');
      if (options.rekey !== true && (options.keyType !== undefined || options.type !== undefined))
        throw new SymbolonError('USAGE', '--key-type chooses the new key of --rekey');
      const force = options.force === true;
      const paths = options.rekey === true ? { key: `${options.out}.key`, cert: `${options.out}.crt` } : undefined;
      // Every output path is checked before the renewal is issued and recorded.
      if (paths !== undefined) {
        await checkOutputPath(paths.key, { force, code: 'KEY_FILE_EXISTS' });
        await checkOutputPath(paths.cert, { force });
      } else if (options.out !== undefined) {
        await checkOutputPath(options.out, { force });
      }
      const keys = options.rekey === true ? await generateKeyRequest(keyTypeOf(options)) : undefined;
      const issued = await withIssuer(options, async (dataDir, issuer) => {
        const record = await identifyCertificate(dataDir.store, dataDir.issuers, previous);
        const ca = createCertificateAuthority({ store: dataDir.store, config: dataDir.config, issuer, clock: cliClock, random: cliRandom });
        return ca.renew(record, previous, { actor: cliActor(), ttlSeconds: options.ttl, ...(keys === undefined ? {} : { newKey: keys }) });
      });
      const pem = toPem('CERTIFICATE', issued.der);
      if (paths !== undefined && keys !== undefined) {
        await writePrivateKeyFile(paths.key, await exportPrivateKeyPem(keys.privateKey), { overwrite: force });
        await writeOutputFile(paths.cert, pem, { overwrite: force });
      } else if (options.out !== undefined) {
        await writeOutputFile(options.out, pem, { overwrite: force });
      } else {
        output.out(pem);
      }
      output.err(`Renewed ${previous.serialNumber} as serial ${issued.record.serial} (until ${issued.record.notAfter.toISOString()})\n`);
    });
