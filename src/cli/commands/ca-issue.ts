import { Command, Option } from 'commander';
import { buildPkcs12, createCertificateAuthority } from '../../ca/index.js';
import { SymbolonError } from '../../errors.js';
import { exportPrivateKeyPem, generateKeyRequest, writePrivateKeyFile } from '../../keys/index.js';
import type { KeyType } from '../../keys/index.js';
import { parseName, toPem } from '../../x509/index.js';
import type { DistinguishedName } from '../../x509/index.js';
import { parseKeyType } from '../key-type-option.js';
import { refuseExisting, writeOutputFile } from '../output-file.js';
import { readPassphrase } from '../passphrase.js';
import type { CommandFactory, Output } from '../program.js';
import { cliActor, cliClock, cliRandom, collect, parseSanOption, parseTtlOption, withIssuer } from './ca-options.js';

interface CaIssueOptions {
  readonly dir?: string;
  readonly profile: string;
  readonly name: string;
  readonly san?: string[];
  readonly ttl?: number;
  readonly keyType?: KeyType;
  readonly out: string;
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
    .addOption(new Option('--key-type <type>', 'the new key: p256, p384, ed25519, rsa2048, rsa3072, rsa4096').default('p256').argParser(parseKeyType))
    .requiredOption('--out <path>', 'write <path>.key, <path>.crt and <path>.chain.pem')
    .option('--pkcs12', 'also write <path>.p12 (needs --pkcs12-passphrase-file or --pkcs12-passphrase-env)')
    .option('--pkcs12-passphrase-file <file>', 'file holding the PKCS#12 passphrase')
    .option('--pkcs12-passphrase-env <name>', 'environment variable holding the PKCS#12 passphrase')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--passphrase-file <file>', 'file holding the intermediate key passphrase')
    .option('--passphrase-env <name>', 'environment variable holding it (default: SYMBOLON_CA_PASSPHRASE)')
    .action(async (options: CaIssueOptions) => {
      const subject = subjectOf(options.name);
      const subjectAltNames = (options.san ?? []).map(parseSanOption);
      const p12Passphrase =
        options.pkcs12 === true
          ? await readPassphrase({ passphraseFile: options.pkcs12PassphraseFile, passphraseEnv: options.pkcs12PassphraseEnv, optionNames: ['--pkcs12-passphrase-file', '--pkcs12-passphrase-env'] }, process.env)
          : undefined;
      if (options.pkcs12 === true && p12Passphrase === undefined) throw new SymbolonError('USAGE', '--pkcs12 needs --pkcs12-passphrase-file FILE or --pkcs12-passphrase-env NAME');
      const paths = { key: `${options.out}.key`, cert: `${options.out}.crt`, chain: `${options.out}.chain.pem`, p12: `${options.out}.p12` };
      await refuseExisting(paths.key, 'KEY_FILE_EXISTS');
      for (const path of [paths.cert, paths.chain, ...(p12Passphrase === undefined ? [] : [paths.p12])]) await refuseExisting(path, 'OUTPUT_FILE_EXISTS');

      const keys = await generateKeyRequest(options.keyType ?? 'p256');
      const { publicKey, spki } = keys;
      const issued = await withIssuer(options, (dataDir, issuer) =>
        createCertificateAuthority({ store: dataDir.store, config: dataDir.config, issuer, clock: cliClock, random: cliRandom }).issue(
          { subject, subjectAltNames, publicKey, spki },
          { profile: options.profile, ttlSeconds: options.ttl, actor: cliActor() },
        ),
      );
      await writePrivateKeyFile(paths.key, await exportPrivateKeyPem(keys.privateKey));
      const certPem = toPem('CERTIFICATE', issued.der);
      await writeOutputFile(paths.cert, certPem, { overwrite: false });
      await writeOutputFile(paths.chain, certPem + toPem('CERTIFICATE', issued.chain[0]!), { overwrite: false });
      if (p12Passphrase !== undefined) {
        const p12 = await buildPkcs12({ privateKey: keys.privateKey, certificate: issued.der, chain: issued.chain, passphrase: p12Passphrase, friendlyName: options.name });
        await writeOutputFile(paths.p12, p12, { overwrite: false });
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
