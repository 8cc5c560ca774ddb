import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { SymbolonError } from '../../errors.js';
import { KEY_TYPES, createSigner, describeKey, exportPrivateKeyPem, generateKeyPair, writePrivateKeyFile } from '../../keys/index.js';
import type { KeyType } from '../../keys/index.js';
import { OID, buildCsr, formatGeneralName, formatName, parseName, toPem } from '../../x509/index.js';
import type { CsrTemplate, DistinguishedName } from '../../x509/index.js';
import { collect, collectList } from '../collect.js';
import { renderFields } from '../field-list.js';
import type { Field } from '../field-list.js';
import { keyTypeAlias, keyTypeOf, parseKeyType } from '../key-type-option.js';
import { refuseExisting, writeOutputFile } from '../output-file.js';
import { readPassphrase } from '../passphrase.js';
import { loadPrivateKeyFile } from '../private-key-file.js';
import type { CommandFactory, Output } from '../program.js';
import { subjectAltNamesFrom } from '../subject-alt-name-options.js';
import { extendedKeyUsagesFrom, keyUsagesFrom } from '../usage-options.js';

interface CsrCreateOptions {
  readonly key?: string;
  readonly keyOut?: string;
  readonly keyType?: KeyType;
  readonly type?: KeyType;
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
  readonly subject?: string;
  readonly cn?: string;
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
  readonly uri?: readonly string[];
  readonly email?: readonly string[];
  readonly keyUsage?: readonly string[];
  readonly eku?: readonly string[];
  readonly out: string;
  readonly force?: boolean;
}

const STDOUT = '-';

/** What the options ask the CSR to hold: the template less its key, with the subject as a name. */
type CsrRequest = Omit<CsrTemplate, 'publicKey' | 'subject'> & { readonly subject: DistinguishedName };

/** The request the options describe, checked before any key is made or file written. */
function templateFrom(options: CsrCreateOptions): CsrRequest {
  if (options.subject !== undefined && options.cn !== undefined) throw new SymbolonError('USAGE', 'give --subject or --cn, not both');
  const subject: DistinguishedName =
    options.subject !== undefined
      ? parseName(options.subject)
      : options.cn !== undefined
        ? [[{ type: OID.commonName, value: options.cn }]]
        : [];
  const subjectAltName = subjectAltNamesFrom(options);
  if (subject.length === 0 && subjectAltName.length === 0) {
    throw new SymbolonError('USAGE', 'a CSR needs a subject (--subject or --cn) or at least one name (--dns, --ip, --uri, --email)');
  }
  return {
    subject,
    ...(subjectAltName.length > 0 ? { subjectAltName } : {}),
    ...(options.keyUsage !== undefined ? { keyUsage: keyUsagesFrom(options.keyUsage) } : {}),
    ...(options.eku !== undefined ? { extKeyUsage: extendedKeyUsagesFrom(options.eku) } : {}),
  };
}

/** The key a CSR is signed with: an existing file (--key) or a new key written to one (--key-out). */
interface KeySource {
  readonly isNew: boolean;
  readonly path: string;
}

function checkKeyOptions(options: CsrCreateOptions): KeySource {
  const { key, keyOut } = options;
  const source: KeySource | undefined =
    key !== undefined && keyOut === undefined
      ? { isNew: false, path: key }
      : keyOut !== undefined && key === undefined
        ? { isNew: true, path: keyOut }
        : undefined;
  if (source === undefined)
    throw new SymbolonError('USAGE', 'give --key FILE (an existing key) or --key-out FILE (a new one), not both or neither');
  if ((options.keyType ?? options.type) !== undefined && !source.isNew)
    throw new SymbolonError('USAGE', '--key-type chooses the type of a new key and needs --key-out');
  if (source.isNew && source.path === STDOUT)
    throw new SymbolonError('USAGE', 'a new private key is written to a file, never to standard output');
  if (options.out !== STDOUT && resolve(options.out) === resolve(source.path))
    throw new SymbolonError('USAGE', 'the CSR and the key must go to different files');
  return source;
}

/**
 * `symbolon csr create`: a PKCS#10 request signed by an existing key (--key) or by a new one
 * written first with mode 0600 (--key-out). Every option is checked before a key is generated or
 * a file written; existing files are kept unless --force.
 */
export const csrCreateCommand: CommandFactory = (output: Output) =>
  new Command('create')
    .description('make a certificate request (PKCS#10), with a new key or an existing one')
    .option('--key <file>', 'sign with this private key (PEM or DER; encrypted ones need a passphrase)')
    .option('--key-out <file>', 'generate a new private key and write it here (PKCS#8, mode 0600)')
    .addOption(new Option('--key-type <type>', `type of the new key: ${KEY_TYPES.join(', ')} (default: p256)`).argParser(parseKeyType))
    .addOption(keyTypeAlias())
    .option('--passphrase-file <file>', 'passphrase (in this file) of the --key, or to encrypt the --key-out key')
    .option('--passphrase-env <name>', 'the same, from this environment variable')
    .option('--subject <name>', 'subject as "/O=Acme/CN=api" or "CN=api,O=Acme"')
    .option('--cn <name>', 'subject with only this common name')
    .option('--dns <name>', 'DNS name to request (repeatable)', collect)
    .option('--ip <address>', 'IPv4 or IPv6 address to request (repeatable)', collect)
    .option('--uri <uri>', 'URI to request, such as a SPIFFE ID (repeatable)', collect)
    .option('--email <address>', 'email address to request (repeatable)', collect)
    .option('--key-usage <usages>', 'key usages to request, comma-separated (digitalSignature, keyEncipherment, ...)', collectList)
    .option('--eku <usages>', 'extended key usages to request, comma-separated: serverAuth, clientAuth, ... or dotted OIDs', collectList)
    .requiredOption('--out <file>', 'where to write the CSR (PEM); - for standard output')
    .option('--force', 'replace files that already exist')
    .action(async (options: CsrCreateOptions) => {
      const keySource = checkKeyOptions(options);
      const template = templateFrom(options);
      const passphrase = await readPassphrase(options, process.env);
      const overwrite = options.force === true;
      if (!overwrite && options.keyOut !== undefined) await refuseExisting(options.keyOut, 'KEY_FILE_EXISTS');
      if (!overwrite && options.out !== STDOUT) await refuseExisting(options.out, 'OUTPUT_FILE_EXISTS');

      let privateKey: KeyObject;
      if (options.key !== undefined) privateKey = await loadPrivateKeyFile(options.key, passphrase);
      else privateKey = (await generateKeyPair(keyTypeOf(options))).privateKey;
      // Built (and so fully checked) before anything is written: a refused name leaves no stray key file.
      const csrPem = toPem('CERTIFICATE REQUEST', await buildCsr(template, createSigner(privateKey)));
      if (options.keyOut !== undefined) {
        const keyPem = await exportPrivateKeyPem(privateKey, passphrase === undefined ? {} : { passphrase });
        await writePrivateKeyFile(options.keyOut, keyPem, { overwrite });
      }
      if (options.out === STDOUT) output.out(csrPem);
      else await writeOutputFile(options.out, csrPem, { overwrite });

      const info = describeKey(privateKey);
      const keyWhere = keySource.isNew
        ? `${keySource.path} (new, PKCS#8, ${passphrase === undefined ? 'not encrypted' : 'encrypted with the passphrase'}, mode 0600)`
        : keySource.path;
      const fields: Field[] = [
        { label: 'CSR', value: options.out === STDOUT ? 'standard output' : options.out },
        { label: 'Subject', value: formatName(template.subject) || '(empty)' },
        { label: 'Names', value: (template.subjectAltName ?? []).map(formatGeneralName) },
        { label: 'Key', value: `${info.summary}, ${keyWhere}` },
        { label: 'SPKI SHA-256', value: info.spkiSha256 },
      ];
      (options.out === STDOUT ? output.err : output.out)(renderFields('Created a certificate request', fields));
    });
