import { join } from 'node:path';
import { Command, Option } from 'commander';
import { assertDataDirFree, CA_KEY_TYPES, initCertificateAuthority, recoverInterruptedInit } from '../../../ca/index.js';
import { SymbolonError } from '../../../errors.js';
import type { CaInitResult } from '../../../ca/index.js';
import type { KeyType } from '../../../keys/index.js';
import type { CommandFactory, Output } from '../../program.js';
import {
  cliActor,
  cliClock,
  cliRandom,
  collect,
  dataDirOf,
  hasPassphraseSource,
  intermediateConstraintsOf,
  intermediatePassphraseRequest,
  resolvePassphrase,
  rootPassphraseRequest,
  DATABASE_OPTION_HELP,
} from './ca-options.js';

interface CaInitOptions {
  readonly dir?: string;
  readonly database?: string;
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
  if (!(CA_KEY_TYPES as readonly string[]).includes(value))
    throw new SymbolonError('USAGE', `--key-type takes ${CA_KEY_TYPES.join(', ')}, not "${value}"`);
  return value as KeyType;
}

/** `symbolon ca init`: a root CA (key encrypted, to go offline) and an online intermediate, in a new data directory. */
export const caInitCommand: CommandFactory = (output: Output) =>
  new Command('init')
    .description('create a root CA and an intermediate CA in a new data directory')
    .option('--dir <dir>', 'the data directory to create (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--name <name>', 'the organisation name in the CA names', 'Symbolon')
    .addOption(new Option('--key-type <type>', `CA key type: ${CA_KEY_TYPES.join(', ')}`).default('p256').argParser(parseCaKeyType))
    .option('--public-base-url <url>', 'where CRLs, OCSP and CA certificates will be published (stamped into certificates)')
    .option('--spiffe-trust-domain <domain>', 'the SPIFFE trust domain; also constrains the intermediate to it')
    .option('--permit-dns <suffix>', 'constrain the intermediate to DNS names under this suffix (repeatable)', collect)
    .option(
      '--root-passphrase-file <file>',
      'file holding the passphrase that encrypts the root key (default: asked on a terminal, else generated into offline/root.passphrase)',
    )
    .option('--root-passphrase-env <name>', 'environment variable holding it (never read unless named here)')
    .option(
      '--passphrase-file <file>',
      'file holding the passphrase that encrypts the intermediate key (default: asked on a terminal, else generated into intermediate.passphrase)',
    )
    .option('--passphrase-env <name>', 'environment variable holding it (default: SYMBOLON_CA_PASSPHRASE)')
    .action(async (options: CaInitOptions) => {
      const dir = dataDirOf(options);
      for (const line of await recoverInterruptedInit(dir)) output.err(`symbolon: ${line}\n`);
      // Refuse a used directory before asking for passphrases.
      assertDataDirFree(dir);
      // As `up` does: without a source and without a terminal, a passphrase is generated into a file of mode 0600.
      const rootRequest = rootPassphraseRequest(options, true);
      const intermediateRequest = intermediatePassphraseRequest(options, true);
      const rootKeyPassphrase = hasPassphraseSource(rootRequest) ? await resolvePassphrase(rootRequest) : undefined;
      const passphrase = hasPassphraseSource(intermediateRequest) ? await resolvePassphrase(intermediateRequest) : undefined;
      const result = await initCertificateAuthority({
        dir,
        name: options.name,
        keyType: options.keyType,
        rootPassphrase: rootKeyPassphrase,
        intermediatePassphrase: passphrase,
        publicBaseUrl: options.publicBaseUrl,
        spiffeTrustDomain: options.spiffeTrustDomain,
        database: options.database,
        constraints: intermediateConstraintsOf(options),
        actor: cliActor(),
        now: cliClock(),
        random: cliRandom,
      });
      output.out(createdLines(`Created a CA in ${result.dir}`, result).join('\n'));
    });

/** What `ca init` and `up` say about a CA they created: where each part is, and each generated passphrase file. */
export function createdLines(heading: string, result: CaInitResult): string[] {
  const generated = result.generatedPassphraseFiles;
  return [
    heading,
    `  Root:          ${result.rootSubject}  (ca/root.crt)`,
    `  Intermediate:  ${result.intermediateSubject}  (ca/${result.intermediateId}.crt; key encrypted)`,
    `  Configuration: config.yaml`,
    ...(generated.intermediate === undefined && generated.root === undefined
      ? []
      : ['  Passphrases were generated and written with mode 0600:']),
    ...(generated.intermediate === undefined
      ? []
      : [`    ${generated.intermediate}  (the intermediate key's; \`up\` and the ca commands read it from here)`]),
    ...(generated.root === undefined ? [] : [`    ${generated.root}  (the root key's)`]),
    `  Offline:       ${join(result.dir, 'offline')}/ holds the root key${generated.root === undefined ? '' : ' and its passphrase'}: move the folder to offline storage;`,
    '                 no running service reads it; bring it back for `ca intermediate create` and `ca root-crl`',
    '',
  ];
}
