import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { buildPkcs12, createCertificateAuthority } from '../../../ca/index.js';
import { SymbolonError } from '../../../errors.js';
import { assertPassphraseStrength, exportPrivateKeyPem, generateKeyRequest, writePrivateKeyFile } from '../../../keys/index.js';
import type { KeyType } from '../../../keys/index.js';
import { parseName, toPem } from '../../../x509/index.js';
import type { DistinguishedName } from '../../../x509/index.js';
import { keyTypeAlias, keyTypeOf, parseKeyType } from '../../key-type-option.js';
import { checkOutputPath, writeOutputFile } from '../../output-file.js';
import { readPassphrase } from '../../passphrase.js';
import type { CommandFactory, Output } from '../../program.js';
import { cliActor, cliClock, cliRandom, collect, parseSanOption, parseTtlOption, withIssuer, DATABASE_OPTION_HELP } from './ca-options.js';

interface CaIssueOptions {
  readonly dir?: string;
  readonly profile: string;
  readonly name: string;
  readonly san?: string[];
  readonly ttl?: number;
  readonly keyType?: KeyType;
  readonly type?: KeyType;
  readonly out: string;
  readonly force?: boolean;
  readonly pkcs12?: boolean;
  readonly pkcs12PassphraseFile?: string;
  readonly pkcs12PassphraseEnv?: string;
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
}

/** `--name api.example.com` is a common name; `--name "CN=api,O=Acme"` or `/O=Acme/CN=api` a whole name. */
function subjectOf(name: string): DistinguishedName {
  if (name.startsWith('/') || /^[A-Za-z][A-Za-z0-9.]*=/.test(name)) return parseName(name);
  return [[{ type: '2.5.4.3', value: name }]];
}

/** The common name of a subject, for file names; undefined when it has none. */
function commonNameOf(subject: DistinguishedName): string | undefined {
  return subject.flat().find((attribute) => attribute.type === '2.5.4.3')?.value;
}

/**
 * The path prefix of the files `ca issue` writes. `--out dir/` or `--out` an existing directory
 * names them after the subject's common name inside it (`dir/api.example.com.key`), never
 * `dir/.key`. Throws `USAGE` when the subject has no name usable as a file name.
 */
async function outputPrefix(out: string, subject: DistinguishedName): Promise<string> {
  const isDirectory =
    out.endsWith('/') ||
    (await stat(out).then(
      (stats) => stats.isDirectory(),
      () => false,
    ));
  if (!isDirectory) return out;
  const name = (commonNameOf(subject) ?? '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.]+/, '');
  if (name === '' || /^_*$/.test(name))
    throw new SymbolonError(
      'USAGE',
      `--out ${out} is a directory and the subject has no common name to name the files after; give --out DIR/NAME`,
    );
  return join(out, name);
}

/**
 * `symbolon ca issue`: generates a key for a client, issues its certificate and writes
 * OUT.key (0600), OUT.crt, OUT.chain.pem (certificate and intermediate) and, on request,
 * OUT.p12 (PKCS#12 for browsers and Java).
 */
export const caIssueCommand: CommandFactory = (output: Output) =>
  new Command('issue')
    .description('generate a key and issue its certificate under a profile')
    .requiredOption('--profile <name>', 'the profile: client, server, spiffe, gateway, ocsp-signer or one from config.yaml')
    .requiredOption('--name <name>', 'the subject: a common name, or a full name such as "CN=api,O=Acme"')
    .option('--san <name>', 'a subjectAltName: dns:, ip:, email:, uri: or a bare name (repeatable)', collect)
    .addOption(new Option('--ttl <lifetime>', 'lifetime such as 30d or 12h (default: the profile default)').argParser(parseTtlOption))
    .addOption(
      new Option('--key-type <type>', 'the new key: p256, p384, ed25519, rsa2048, rsa3072, rsa4096 (default: p256)').argParser(
        parseKeyType,
      ),
    )
    .addOption(keyTypeAlias())
    .requiredOption('--out <path>', 'write <path>.key, <path>.crt and <path>.chain.pem (a directory: files named after the common name)')
    .option('--force', 'replace files that already exist')
    .option('--pkcs12', 'also write <path>.p12 (needs --pkcs12-passphrase-file or --pkcs12-passphrase-env)')
    .option('--pkcs12-passphrase-file <file>', 'file holding the PKCS#12 passphrase')
    .option('--pkcs12-passphrase-env <name>', 'environment variable holding the PKCS#12 passphrase')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--passphrase-file <file>', 'file holding the intermediate key passphrase')
    .option('--passphrase-env <name>', 'environment variable holding it (default: SYMBOLON_CA_PASSPHRASE)')
    .action(async (options: CaIssueOptions) => {
      // Every option is checked and every output path tried before the certificate is issued and
      // recorded: a refusal after that would leave a certificate whose key nobody has.
      const subject = subjectOf(options.name);
      const subjectAltNames = (options.san ?? []).map(parseSanOption);
      const p12Passphrase =
        options.pkcs12 === true
          ? await readPassphrase(
              {
                passphraseFile: options.pkcs12PassphraseFile,
                passphraseEnv: options.pkcs12PassphraseEnv,
                optionNames: ['--pkcs12-passphrase-file', '--pkcs12-passphrase-env'],
              },
              process.env,
            )
          : undefined;
      if (options.pkcs12 === true && p12Passphrase === undefined)
        throw new SymbolonError('USAGE', '--pkcs12 needs --pkcs12-passphrase-file FILE or --pkcs12-passphrase-env NAME');
      if (options.pkcs12 !== true && (options.pkcs12PassphraseFile !== undefined || options.pkcs12PassphraseEnv !== undefined)) {
        throw new SymbolonError('USAGE', '--pkcs12-passphrase-file and --pkcs12-passphrase-env go with --pkcs12');
      }
      if (p12Passphrase !== undefined) assertPassphraseStrength(p12Passphrase);
      const keyType = keyTypeOf(options);
      const prefix = await outputPrefix(options.out, subject);
      const paths = { key: `${prefix}.key`, cert: `${prefix}.crt`, chain: `${prefix}.chain.pem`, p12: `${prefix}.p12` };
      const force = options.force === true;
      await checkOutputPath(paths.key, { force, code: 'KEY_FILE_EXISTS' });
      for (const path of [paths.cert, paths.chain, ...(p12Passphrase === undefined ? [] : [paths.p12])])
        await checkOutputPath(path, { force });

      const keys = await generateKeyRequest(keyType);
      const { publicKey, spki } = keys;
      const issued = await withIssuer(options, (dataDir, issuer) =>
        createCertificateAuthority({ store: dataDir.store, config: dataDir.config, issuer, clock: cliClock, random: cliRandom }).issue(
          { subject, subjectAltNames, publicKey, spki },
          { profile: options.profile, ttlSeconds: options.ttl, actor: cliActor() },
        ),
      );
      await writePrivateKeyFile(paths.key, await exportPrivateKeyPem(keys.privateKey), { overwrite: force });
      const certPem = toPem('CERTIFICATE', issued.der);
      await writeOutputFile(paths.cert, certPem, { overwrite: force });
      await writeOutputFile(paths.chain, certPem + toPem('CERTIFICATE', issued.chain[0]!), { overwrite: force });
      if (p12Passphrase !== undefined) {
        const p12 = await buildPkcs12({
          privateKey: keys.privateKey,
          certificate: issued.der,
          chain: issued.chain,
          passphrase: p12Passphrase,
          friendlyName: options.name,
        });
        await writeOutputFile(paths.p12, p12, { overwrite: force });
      }
      output.out(
        [
          `Issued serial ${issued.record.serial} (${issued.record.profile}, until ${issued.record.notAfter.toISOString()})`,
          `  Key:         ${paths.key} (mode 0600, not encrypted)`,
          `  Certificate: ${paths.cert}`,
          `  Chain:       ${paths.chain} (certificate, then intermediate)`,
          ...(p12Passphrase === undefined ? [] : [`  PKCS#12:     ${paths.p12}`]),
          '',
        ].join('\n'),
      );
    });
