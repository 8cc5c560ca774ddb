import { Command, Option } from 'commander';
import { assertDataDirFree, CA_KEY_TYPES, initCertificateAuthority } from '../../ca/index.js';
import { SymbolonError } from '../../errors.js';
import type { KeyType } from '../../keys/index.js';
import type { CommandFactory, Output } from '../program.js';
import { cliActor, cliClock, cliRandom, collect, dataDirOf, intermediateConstraintsOf, intermediatePassphrase, rootPassphrase, ROOT_PASSPHRASE_ENV } from './ca-options.js';

interface CaInitOptions {
  readonly dir?: string;
  readonly name: string;
  readonly keyType: KeyType;
  readonly publicBaseUrl?: string;
  readonly spiffeTrustDomain?: string;
  readonly permitDns?: string[];
  readonly rootPassphraseFile?: string;
  readonly rootPassphraseEnv?: string;
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
}

function parseCaKeyType(value: string): KeyType {
  if (!(CA_KEY_TYPES as readonly string[]).includes(value)) throw new SymbolonError('USAGE', `--key-type takes ${CA_KEY_TYPES.join(', ')}, not "${value}"`);
  return value as KeyType;
}

/** `symbolon ca init`: a root CA (key encrypted, to go offline) and an online intermediate, in a new data directory. */
export const caInitCommand: CommandFactory = (output: Output) =>
  new Command('init')
    .description('create a root CA and an intermediate CA in a new data directory')
    .option('--dir <dir>', 'the data directory to create (default: ./symbolon-data)')
    .option('--name <name>', 'the organisation name in the CA names', 'Symbolon')
    .addOption(new Option('--key-type <type>', `CA key type: ${CA_KEY_TYPES.join(', ')}`).default('p256').argParser(parseCaKeyType))
    .option('--public-base-url <url>', 'where CRLs, OCSP and CA certificates will be published (stamped into certificates)')
    .option('--spiffe-trust-domain <domain>', 'the SPIFFE trust domain; also constrains the intermediate to it')
    .option('--permit-dns <suffix>', 'constrain the intermediate to DNS names under this suffix (repeatable)', collect)
    .option('--root-passphrase-file <file>', 'file holding the passphrase that encrypts the root key')
    .option('--root-passphrase-env <name>', `environment variable holding it (default: ${ROOT_PASSPHRASE_ENV})`)
    .option('--passphrase-file <file>', 'file holding the passphrase that encrypts the intermediate key')
    .option('--passphrase-env <name>', 'environment variable holding it (default: SYMBOLON_CA_PASSPHRASE)')
    .action(async (options: CaInitOptions) => {
      // Refuse a used directory before asking for passphrases.
      assertDataDirFree(dataDirOf(options));
      const rootKeyPassphrase = await rootPassphrase(options, true);
      const passphrase = await intermediatePassphrase(options, true);
      const dir = dataDirOf(options);
      const result = await initCertificateAuthority({
        dir,
        name: options.name,
        keyType: options.keyType,
        rootPassphrase: rootKeyPassphrase,
        intermediatePassphrase: passphrase,
        publicBaseUrl: options.publicBaseUrl,
        spiffeTrustDomain: options.spiffeTrustDomain,
        constraints: intermediateConstraintsOf(options),
        actor: cliActor(),
        now: cliClock(),
        random: cliRandom,
      });
      output.out(
        [
          `Created a CA in ${result.dir}`,
          `  Root:          ${result.rootSubject}  (ca/root.crt; key ca/root.key.enc, encrypted: move it offline)`,
          `  Intermediate:  ${result.intermediateSubject}  (ca/${result.intermediateId}.crt; key encrypted)`,
          `  Configuration: config.yaml`,
          '',
        ].join('\n'),
      );
    });
