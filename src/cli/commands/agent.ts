import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { Agent, DEFAULT_RETRY, readCredentialDir, readStatus, STATUS_FILE } from '../../client/index.js';
import type { EnrollmentToken } from '../../client/index.js';
import { SymbolonError } from '../../errors.js';
import { parseName } from '../../x509/index.js';
import type { DistinguishedName } from '../../x509/index.js';
import { collect } from '../collect.js';
import { parseKeyType } from '../key-type-option.js';
import { lifetimeOption } from '../lifetime-option.js';
import type { CommandFactory, Output } from '../program.js';
import { subjectAltNamesFrom } from '../subject-alt-name-options.js';
import { untilStopped } from './until-stopped.js';

interface AgentCommandOptions {
  readonly dir?: string;
  readonly est?: string;
  readonly ca?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly name?: string;
  readonly dns?: string[];
  readonly ip?: string[];
  readonly uri?: string[];
  readonly email?: string[];
  readonly keyType: string;
  readonly keepKey?: boolean;
  readonly reload?: string;
  readonly reloadTimeout: number;
  readonly signalPid?: string;
  readonly signal: string;
  readonly ocspUrl?: string;
  readonly ocspInterval: number;
  readonly noOcsp?: boolean;
  readonly ocsp: boolean;
  readonly retryBase: number;
  readonly retryCap: number;
  readonly timeout: number;
  readonly once?: boolean;
  readonly force?: boolean;
}

/** `ID:SECRET` as `ca token create` prints them. */
function parseToken(text: string): EnrollmentToken {
  const match = /^([0-9a-f]{16}):([A-Za-z0-9_-]{10,200})$/.exec(text.trim());
  if (match === null) throw new SymbolonError('USAGE', 'the enrollment token is ID:SECRET as `symbolon ca token create` prints them');
  return { id: match[1]!, secret: match[2]! };
}

async function tokenOf(options: AgentCommandOptions): Promise<EnrollmentToken | undefined> {
  if (options.token !== undefined) return parseToken(options.token);
  if (options.tokenFile === undefined) return undefined;
  const text = await readFile(options.tokenFile, 'utf8').catch((error: unknown) => {
    throw new SymbolonError('INPUT_UNREADABLE', `${options.tokenFile}: ${(error as Error).message}`);
  });
  return parseToken(text.slice(0, 1024));
}

function subjectOf(name: string): DistinguishedName {
  if (name.startsWith('/') || /^[A-Za-z][A-Za-z0-9.]*=/.test(name)) return parseName(name);
  return [[{ type: '2.5.4.3', value: name }]];
}

async function caOf(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new SymbolonError('INPUT_UNREADABLE', `--ca ${path}: ${(error as Error).message}`);
  });
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new SymbolonError('INPUT_UNRECOGNIZED', `--ca ${path} holds no PEM certificate`);
  return text;
}

function estUrl(text: string): string {
  if (!URL.canParse(text) || new URL(text).protocol !== 'https:')
    throw new SymbolonError('USAGE', `--est ${text}: expected https://host:port/.well-known/est`);
  return text;
}

function pidOf(text: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) throw new SymbolonError('USAGE', `--signal-pid ${text}: expected a process id`);
  return Number(text);
}

function signalOf(text: string): NodeJS.Signals {
  const name = (text.startsWith('SIG') ? text : `SIG${text}`).toUpperCase();
  if (!['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGINT'].includes(name))
    throw new SymbolonError('USAGE', `--signal ${text}: expected HUP, USR1, USR2, TERM or INT`);
  return name as NodeJS.Signals;
}

function logLine(output: Output): (event: Record<string, unknown>) => void {
  return (event) => output.out(JSON.stringify({ at: new Date().toISOString(), ...event }) + '\n');
}

async function runAgent(options: AgentCommandOptions, output: Output): Promise<void> {
  // Not commander's requiredOption: it would demand them of `agent status` too.
  for (const [value, flag] of [
    [options.dir, '--dir'],
    [options.est, '--est'],
    [options.ca, '--ca'],
  ] as const)
    if (value === undefined) throw new SymbolonError('USAGE', `required option '${flag}' not specified`);
  const token = await tokenOf(options);
  const agent = new Agent({
    dir: options.dir!,
    est: { url: estUrl(options.est!), ca: await caOf(options.ca!), timeoutMs: options.timeout * 1000 },
    token,
    request:
      options.name === undefined
        ? undefined
        : { subject: subjectOf(options.name), subjectAltNames: subjectAltNamesFrom(options), keyType: parseKeyType(options.keyType) },
    keyType: parseKeyType(options.keyType),
    isKeyKept: options.keepKey === true,
    reload:
      options.reload === undefined && options.signalPid === undefined
        ? undefined
        : {
            command: options.reload,
            pid: options.signalPid === undefined ? undefined : pidOf(options.signalPid),
            signal: signalOf(options.signal),
            timeoutMs: options.reloadTimeout * 1000,
          },
    ocsp: options.ocsp ? { url: options.ocspUrl, intervalMs: options.ocspInterval * 1000, timeoutMs: options.timeout * 1000 } : undefined,
    retry: { baseMs: options.retryBase * 1000, capMs: Math.max(options.retryBase, options.retryCap) * 1000 },
    clock: () => new Date(),
    random: () => randomInt(0, 2 ** 32) / 2 ** 32,
    log: logLine(output),
  });
  if (options.once === true) {
    const result = await agent.once(options.force === true);
    if (!result.ok) throw result.error;
    return;
  }
  const stopped = untilStopped().then(() => agent.stop());
  const result = await agent.run();
  await agent.stop();
  void stopped;
  if (!result.ok) throw result.error;
}

async function printStatus(dir: string, json: boolean, output: Output): Promise<void> {
  const status = await readStatus(join(dir, STATUS_FILE));
  const held = await readCredentialDir(dir);
  if (json) {
    output.out(JSON.stringify({ ...status, isKeyMatching: held !== undefined }, null, 2) + '\n');
  } else {
    const lines = [
      `state:          ${status.state}`,
      `serial:         ${status.serial ?? '-'}`,
      `subject:        ${status.subject ?? '-'}`,
      `not after:      ${status.notAfter ?? '-'}`,
      `next attempt:   ${status.nextAttemptAt ?? '-'}`,
      `renewals:       ${status.renewals}`,
      `last attempt:   ${status.lastAttempt === null ? '-' : `${status.lastAttempt.at} ${status.lastAttempt.ok ? 'ok' : `${status.lastAttempt.code}: ${status.lastAttempt.message}`}`}`,
      `last reload:    ${status.lastReload === null ? '-' : `${status.lastReload.at} ${status.lastReload.ok ? 'ok' : `${status.lastReload.code}: ${status.lastReload.message}`}`}`,
      `revocation:     ${status.revocation === null ? 'not checked' : `${status.revocation.status} (${status.revocation.checkedAt})`}`,
    ];
    output.out(lines.join('\n') + '\n');
  }
  // Monitoring reads the exit code: 0 only while the agent holds a certificate it keeps renewing,
  // 3 while the CA holds its enrollment for approval; what failed is printed above.
  if (status.state === 'pending')
    throw new SymbolonError('CLIENT_EST_PENDING', status.lastAttempt?.message ?? 'an enrollment waits for approval');
  if (status.state !== 'ok' && status.state !== 'stopped') throw new SymbolonError('CLI_COMMAND_FAILED');
}

/**
 * `symbolon agent --dir DIR --est URL --ca FILE [--token ID:SECRET --name NAME]`: enrolls once,
 * then keeps the credential directory renewed. `symbolon agent status DIR` reads its status.
 */
export const agentCommand: CommandFactory = (output) => {
  const command = new Command('agent')
    .description('enroll with a token, then keep a key and certificate renewed in a directory (EST)')
    .option('--dir <dir>', 'the credential directory (key.pem, cert.pem, chain.pem, ca.pem, status.json)')
    .option('--est <url>', 'the EST base URL: https://host:8443/.well-known/est')
    .option('--ca <file>', "PEM of the CA certificates the EST server's certificate must chain to")
    .option('--token <id:secret>', 'the enrollment token (first enrollment, and again once the certificate is revoked or expired)')
    .option('--token-file <file>', 'a file holding ID:SECRET')
    .option('--name <name>', 'the subject of the first enrollment: a common name or "CN=...,O=..."')
    .option('--dns <name>', 'a DNS subjectAltName (repeatable)', collect)
    .option('--ip <address>', 'an IP subjectAltName (repeatable)', collect)
    .option('--uri <uri>', 'a URI subjectAltName, e.g. a SPIFFE ID (repeatable)', collect)
    .option('--email <address>', 'an email subjectAltName (repeatable)', collect)
    .option('--key-type <type>', 'p256, p384, ed25519, rsa2048, rsa3072', 'p256')
    .option('--keep-key', 'keep the key across renewals (default: a new key each time)')
    .option('--reload <command>', 'a shell command run after each new certificate')
    .option('--reload-timeout <lifetime>', 'the reload command is killed after this long', lifetimeOption('--reload-timeout'), 30)
    .option('--signal-pid <pid>', 'a process signalled after each new certificate')
    .option('--signal <name>', 'the signal sent to --signal-pid', 'HUP')
    .option('--ocsp-url <url>', "the OCSP responder asked about the agent's own certificate (default: its AIA)")
    .option('--ocsp-interval <lifetime>', 'how often to ask it', lifetimeOption('--ocsp-interval'), 300)
    .option('--no-ocsp', 'do not check the own certificate for revocation')
    .option(
      '--retry-base <lifetime>',
      "first wait after a failed attempt (doubling up to --retry-cap); when the CA's answer names a wait (Retry-After), that one, within these bounds",
      lifetimeOption('--retry-base'),
      DEFAULT_RETRY.baseMs / 1000,
    )
    .option('--retry-cap <lifetime>', 'longest wait between attempts', lifetimeOption('--retry-cap'), DEFAULT_RETRY.capMs / 1000)
    .option('--timeout <lifetime>', 'deadline of one request to the CA', lifetimeOption('--timeout'), 30)
    .option(
      '--once',
      'one pass (enroll or renew when due), then exit: 0 ok, 1 failed (the current certificate kept), ' +
        '3 the CA holds the enrollment for approval (the next run asks again with the same request)',
    )
    .option('--force', 'with --once: renew now, due or not')
    .action((options: AgentCommandOptions) => runAgent(options, output));
  command
    .command('status')
    .description(
      "print an agent's status file; exit 0 while it holds a certificate it keeps renewing, 3 while the CA holds its enrollment for approval, else 1",
    )
    .argument('<dir>', 'the credential directory')
    .option('--json', 'the status as JSON')
    .action((dir: string, options: { json?: boolean }) => printStatus(dir, options.json === true, output));
  return command;
};
