import { SymbolonError } from '../errors.js';
import { readInput } from './input.js';

/** A passphrase file longer than this is a mistake (the wrong file), not a passphrase. */
const MAX_PASSPHRASE_FILE_BYTES = 4096;

/** Where a command may take a passphrase from: a file (or `-`) or an environment variable. */
export interface PassphraseSource {
  readonly passphraseFile?: string | undefined;
  readonly passphraseEnv?: string | undefined;
  /** The two options as the command names them, for messages (default the plain ones). */
  readonly optionNames?: readonly [file: string, env: string];
}

/**
 * The passphrase named on the command line, or undefined when none was given. A file loses one
 * trailing newline (as `echo` writes it); nothing else is trimmed. Throws `USAGE` when both
 * sources are given, the variable is unset, or the passphrase is empty; `INPUT_UNREADABLE` or
 * `INPUT_TOO_LARGE` for the file. The passphrase is never part of a message.
 */
export async function readPassphrase(source: PassphraseSource, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { passphraseFile, passphraseEnv } = source;
  if (passphraseFile !== undefined && passphraseEnv !== undefined) {
    const [fileOption, envOption] = source.optionNames ?? ['--passphrase-file', '--passphrase-env'];
    throw new SymbolonError('USAGE', `give ${fileOption} or ${envOption}, not both`);
  }
  let passphrase: string;
  let origin: string;
  if (passphraseFile !== undefined) {
    const bytes = await readInput(passphraseFile, MAX_PASSPHRASE_FILE_BYTES);
    passphrase = bytes.toString('utf8').replace(/\r?\n$/, '');
    bytes.fill(0);
    origin = passphraseFile === '-' ? 'standard input' : `the passphrase file ${passphraseFile}`;
  } else if (passphraseEnv !== undefined) {
    const value = env[passphraseEnv];
    if (value === undefined) throw new SymbolonError('USAGE', `the environment variable ${passphraseEnv} is not set`);
    passphrase = value;
    origin = `the environment variable ${passphraseEnv}`;
  } else {
    return undefined;
  }
  if (passphrase === '') throw new SymbolonError('USAGE', `the passphrase from ${origin} is empty`);
  return passphrase;
}
