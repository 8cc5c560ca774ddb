import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { SymbolonError } from '../../errors.js';
import {
  KEY_TYPES,
  describeKey,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateKeyPair,
  writePrivateKeyFile,
  writePublicKeyFile,
} from '../../keys/index.js';
import type { KeyType } from '../../keys/index.js';
import { renderFields } from '../field-list.js';
import type { Field } from '../field-list.js';
import { keyTypeAlias, keyTypeOf, parseKeyType } from '../key-type-option.js';
import { refuseExisting } from '../output-file.js';
import { readPassphrase } from '../passphrase.js';
import type { CommandFactory, Output } from '../program.js';

interface KeyCreateOptions {
  readonly keyType?: KeyType;
  readonly type?: KeyType;
  readonly out: string;
  readonly publicOut?: string;
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
  readonly force?: boolean;
}

const STDOUT = '-';

async function checkOutputs(options: KeyCreateOptions, passphrase: string | undefined): Promise<void> {
  const { out, publicOut } = options;
  // A private key on a terminal or in a pipe is easily logged or captured: only an encrypted one goes there.
  if (out === STDOUT && passphrase === undefined) {
    throw new SymbolonError(
      'USAGE',
      'refusing to write an unencrypted private key to standard output; give --out FILE, or a passphrase to encrypt the key',
    );
  }
  if (publicOut !== undefined && (publicOut === STDOUT ? out === STDOUT : resolve(publicOut) === resolve(out))) {
    throw new SymbolonError('USAGE', '--out and --public-out must be different places');
  }
  if (options.force === true) return;
  if (out !== STDOUT) await refuseExisting(out, 'KEY_FILE_EXISTS');
  if (publicOut !== undefined && publicOut !== STDOUT) await refuseExisting(publicOut, 'KEY_FILE_EXISTS');
}

/**
 * `symbolon key create`: a new key pair, written as PKCS#8 PEM with mode 0600 (encrypted when a
 * passphrase is given). Prints the key type and SPKI fingerprint, never the key. Existing files
 * are kept (KEY_FILE_EXISTS) unless --force.
 */
export const keyCreateCommand: CommandFactory = (output: Output) =>
  new Command('create')
    .description('generate a private key and write it as PKCS#8 PEM with mode 0600')
    .addOption(new Option('--key-type <type>', `key type: ${KEY_TYPES.join(', ')} (default: p256)`).argParser(parseKeyType))
    .addOption(keyTypeAlias())
    .requiredOption('--out <file>', 'where to write the private key; - for standard output (encrypted keys only)')
    .option('--public-out <file>', 'also write the public key (PEM) here; - for standard output')
    .option('--passphrase-file <file>', 'encrypt the key with the passphrase in this file (one trailing newline is ignored)')
    .option('--passphrase-env <name>', 'encrypt the key with the passphrase in this environment variable')
    .option('--force', 'replace files that already exist')
    .action(async (options: KeyCreateOptions) => {
      const passphrase = await readPassphrase(options, process.env);
      await checkOutputs(options, passphrase);
      const overwrite = options.force === true;
      const { privateKey, publicKey } = await generateKeyPair(keyTypeOf(options));
      const privatePem = await exportPrivateKeyPem(privateKey, passphrase === undefined ? {} : { passphrase });
      const publicPem = exportPublicKeyPem(publicKey);
      const isStdoutTaken = options.out === STDOUT || options.publicOut === STDOUT;
      if (options.out === STDOUT) output.out(privatePem);
      else await writePrivateKeyFile(options.out, privatePem, { overwrite });
      if (options.publicOut === STDOUT) output.out(publicPem);
      else if (options.publicOut !== undefined) await writePublicKeyFile(options.publicOut, publicPem, { overwrite });

      const info = describeKey(privateKey);
      const protection = passphrase === undefined ? 'PKCS#8, not encrypted' : 'PKCS#8, encrypted with the passphrase';
      const fields: Field[] = [
        {
          label: 'Private key',
          value: options.out === STDOUT ? `standard output (${protection})` : `${options.out} (${protection}, mode 0600)`,
        },
      ];
      if (options.publicOut !== undefined)
        fields.push({ label: 'Public key', value: options.publicOut === STDOUT ? 'standard output' : options.publicOut });
      fields.push({ label: 'Type', value: info.summary }, { label: 'SPKI SHA-256', value: info.spkiSha256 });
      // When a key went to standard output, the summary goes to standard error so the PEM stays clean.
      (isStdoutTaken ? output.err : output.out)(renderFields('Created a private key', fields));
    });
