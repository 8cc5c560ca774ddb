import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import { SymbolonError } from '../../../errors.js';
import { DEFAULT_DATA_DIR, dataDirPaths, openDataDir, unlockActiveIssuer } from '../../../ca/index.js';
import type { DataDir, IntermediateConstraints, IssuingCa } from '../../../ca/index.js';
import { ipToBytes, parseCertificates } from '../../../x509/index.js';
import type { Certificate, GeneralName } from '../../../x509/index.js';
import { parseLifetimeOption } from '../../lifetime-option.js';
import { readPassphrase } from '../../passphrase.js';
import { promptPassphrase } from './ca-passphrase-prompt.js';

/**
 * The environment variable the CA commands read the intermediate passphrase from when no option
 * names a source. The root passphrase has none: an offline key's passphrase does not belong in
 * the environment of every process a shell starts; `--root-passphrase-env NAME` reads one on request.
 */
export const CA_PASSPHRASE_ENV = 'SYMBOLON_CA_PASSPHRASE';

export interface DirOption {
  readonly dir?: string;
  /** `--database postgres://...`: the CA's records there rather than where config.yaml says. */
  readonly database?: string;
}

/** Help of `--database`, the same on every command that opens the store. */
export const DATABASE_OPTION_HELP =
  "the PostgreSQL database (postgres://user@host:port/db) holding the CA's records, shared by every node (default: config.yaml's database:, else the data directory's SQLite file)";

/** The data directory the command works on. */
export function dataDirOf(options: DirOption): string {
  return options.dir ?? DEFAULT_DATA_DIR;
}

/** Who runs the command, for the audit log: `cli:<login name>`. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/** The clock and random source of the CLI: the real ones. */
export const cliClock = (): Date => new Date();
export const cliRandom = (size: number): Uint8Array => randomBytes(size);

/** Parses `--ttl 30d` into seconds; a usage error that names the option. */
export function parseTtlOption(value: string): number {
  return parseLifetimeOption(value, '--ttl');
}

/** Which passphrase a command needs, and where it may come from. */
export interface PassphraseRequest {
  /** For prompts and messages: `intermediate key`, `root key`. */
  readonly what: string;
  readonly file: string | undefined;
  readonly env: string | undefined;
  readonly fileOption: string;
  readonly envOption: string;
  /** Read when neither option is given. */
  readonly defaultEnv?: string | undefined;
  /** Read when neither option is given nor the variable set, if the file exists. */
  readonly defaultFile?: string | undefined;
  /** Ask twice at a prompt (a new passphrase). */
  readonly isNew: boolean;
}

/** Whether a passphrase can be had without generating one: an option, the default variable or file, or a terminal to ask on. */
export function hasPassphraseSource(request: PassphraseRequest): boolean {
  if (request.file !== undefined || request.env !== undefined) return true;
  if (request.defaultEnv !== undefined && (process.env[request.defaultEnv] ?? '') !== '') return true;
  if (request.defaultFile !== undefined && existsSync(request.defaultFile)) return true;
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/**
 * The passphrase from --*-passphrase-file, --*-passphrase-env, the default variable, the default
 * file, or a prompt on a terminal. Without any of them and without a terminal (CI), fails with
 * `USAGE` naming the options. Environment variables are read here, in the CLI, and nowhere deeper.
 */
export async function resolvePassphrase(request: PassphraseRequest): Promise<string> {
  const given = await readPassphrase(
    { passphraseFile: request.file, passphraseEnv: request.env, optionNames: [request.fileOption, request.envOption] },
    process.env,
  );
  if (given !== undefined) return given;
  const fromDefault = request.defaultEnv === undefined ? undefined : process.env[request.defaultEnv];
  if (fromDefault !== undefined && fromDefault !== '') return fromDefault;
  const fromDefaultFile =
    request.defaultFile !== undefined && existsSync(request.defaultFile)
      ? await readPassphrase({ passphraseFile: request.defaultFile }, process.env)
      : undefined;
  if (fromDefaultFile !== undefined) return fromDefaultFile;
  if (process.stdin.isTTY === true && process.stderr.isTTY === true)
    return promptPassphrase(`Passphrase for the ${request.what}: `, request.isNew);
  const fallbacks = [
    request.defaultEnv === undefined ? undefined : `set ${request.defaultEnv}`,
    request.defaultFile === undefined ? undefined : `put it in ${request.defaultFile}`,
  ].filter((text) => text !== undefined);
  throw new SymbolonError(
    'USAGE',
    `the ${request.what} needs a passphrase and there is no terminal to ask on; give ${request.fileOption} FILE or ${request.envOption} NAME${fallbacks.length === 0 ? '' : `, or ${fallbacks.join(', or ')}`}`,
  );
}

/** The intermediate passphrase options every signing command takes. */
export interface CaPassphraseOptions {
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
}

/**
 * Where the intermediate passphrase comes from: the options, else SYMBOLON_CA_PASSPHRASE, else the
 * data directory's intermediate.passphrase (when `ca init` or `up` generated it), else a prompt.
 */
export function intermediatePassphraseRequest(options: CaPassphraseOptions & DirOption, isNew = false): PassphraseRequest {
  return {
    what: 'intermediate CA key',
    file: options.passphraseFile,
    env: options.passphraseEnv,
    fileOption: '--passphrase-file',
    envOption: '--passphrase-env',
    defaultEnv: CA_PASSPHRASE_ENV,
    defaultFile: isNew ? undefined : dataDirPaths(dataDirOf(options)).intermediatePassphrase,
    isNew,
  };
}

export function intermediatePassphrase(options: CaPassphraseOptions & DirOption, isNew = false): Promise<string> {
  return resolvePassphrase(intermediatePassphraseRequest(options, isNew));
}

/** The root passphrase options of the commands that use the root key. */
export interface RootPassphraseOptions {
  readonly rootPassphraseFile?: string;
  readonly rootPassphraseEnv?: string;
}

/**
 * Where the root passphrase comes from: the options, else `defaultFile` (the root.passphrase
 * beside the root key, when `ca init` generated it), else a prompt; never an environment variable
 * that was not named.
 */
export function rootPassphraseRequest(options: RootPassphraseOptions, isNew: boolean, defaultFile?: string): PassphraseRequest {
  return {
    what: 'root CA key',
    file: options.rootPassphraseFile,
    env: options.rootPassphraseEnv,
    fileOption: '--root-passphrase-file',
    envOption: '--root-passphrase-env',
    defaultFile,
    isNew,
  };
}

export function rootPassphrase(options: RootPassphraseOptions, isNew: boolean, defaultFile?: string): Promise<string> {
  return resolvePassphrase(rootPassphraseRequest(options, isNew, defaultFile));
}

/**
 * The root.passphrase beside the root key a root command will use: in the folder of `--root-key`,
 * else offline/ (or the data directory's top, where `up` put it before offline/ existed).
 */
export function defaultRootPassphraseFile(options: DirOption & { readonly rootKey?: string | undefined }): string {
  if (options.rootKey !== undefined) return join(dirname(options.rootKey), 'root.passphrase');
  const paths = dataDirPaths(dataDirOf(options));
  return existsSync(paths.rootKey) || !existsSync(paths.legacyRootKey) ? paths.rootPassphrase : join(paths.root, 'root.passphrase');
}

/** The options that constrain a new intermediate (`--permit-dns`, `--spiffe-trust-domain`). */
export interface IntermediateConstraintOptions {
  readonly permitDns?: string[];
  readonly spiffeTrustDomain?: string;
}

/** The name constraints the options ask for; undefined when they ask for none. */
export function intermediateConstraintsOf(options: IntermediateConstraintOptions): IntermediateConstraints | undefined {
  const constraints = {
    ...(options.permitDns === undefined ? {} : { permittedDnsSuffixes: options.permitDns }),
    ...(options.spiffeTrustDomain === undefined ? {} : { spiffeTrustDomain: options.spiffeTrustDomain }),
  };
  return Object.keys(constraints).length === 0 ? undefined : constraints;
}

/** Opens the data directory, runs `work`, and closes it whatever happens. */
export async function withDataDir<T>(options: DirOption, work: (dataDir: DataDir) => Promise<T>): Promise<T> {
  const dataDir = await openDataDir(dataDirOf(options), { actor: cliActor(), now: cliClock(), database: options.database });
  try {
    return await work(dataDir);
  } finally {
    await dataDir.close();
  }
}

/** Opens the data directory and unlocks the active intermediate. */
export async function withIssuer<T>(
  options: DirOption & CaPassphraseOptions,
  work: (dataDir: DataDir, issuer: IssuingCa) => Promise<T>,
): Promise<T> {
  // Ask before opening: a prompt must not hold the store open.
  const passphrase = await intermediatePassphrase(options);
  return withDataDir(options, async (dataDir) => work(dataDir, await unlockActiveIssuer(dataDir, passphrase)));
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/**
 * A subjectAltName as given to --san: `dns:`, `ip:`, `email:` or `uri:` first, or bare, when an
 * IP address, a `spiffe://` ID or an email address is recognised and anything else is a DNS name.
 */
export function parseSanOption(text: string): GeneralName {
  const match = /^(dns|ip|email|uri):(.+)$/i.exec(text);
  if (match !== null) {
    const type = match[1]!.toLowerCase() as 'dns' | 'ip' | 'email' | 'uri';
    if (type === 'ip' && ipToBytes(match[2]!) === undefined)
      throw new SymbolonError('USAGE', `--san ${text}: "${match[2]}" is not an IP address`);
    return { type, value: match[2]! };
  }
  if (ipToBytes(text) !== undefined) return { type: 'ip', value: text };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return { type: 'uri', value: text };
  if (text.includes('@')) return { type: 'email', value: text };
  return { type: 'dns', value: text };
}

/** The first certificate of a PEM file (a certificate or a chain that starts with it) or DER. Throws `PEM_NOT_FOUND` and the parser's errors. */
export function firstCertificate(input: Uint8Array): Certificate {
  const [first] = parseCertificates(input);
  if (first === undefined) throw new SymbolonError('PEM_NOT_FOUND', 'the file holds no certificate');
  return first;
}
