import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { credentialDirSource, startTunnelClient, startTunnelServer } from '../../client/index.js';
import type { Tunnel } from '../../client/index.js';
import { SymbolonError } from '../../errors.js';
import type { RouteRule } from '../../gateway/index.js';
import { collect } from '../collect.js';
import { lifetimeOption } from '../lifetime-option.js';
import type { CommandFactory, Output } from '../program.js';
import { parseListenAddress } from '../up/up-config.js';
import { untilStopped } from './until-stopped.js';

const RULE_FIELDS = new Set([
  'spiffeId',
  'dns',
  'uri',
  'email',
  'subjectCn',
  'subjectO',
  'subjectOu',
  'issuer',
  'issuerFingerprint',
  'policyOid',
  'fingerprint',
]);

/** `--allow '{"dns":"*.svc.example"}'`: one rule as the gateway's routes write it (JSON, string fields). */
function parseRule(text: string, option: string): RouteRule {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SymbolonError('USAGE', `${option} takes one rule as JSON, such as {"dns":"*.svc.example"}, not ${text.slice(0, 80)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SymbolonError('USAGE', `${option} takes a JSON object of rule fields`);
  for (const [key, value] of Object.entries(parsed)) {
    if (!RULE_FIELDS.has(key)) throw new SymbolonError('USAGE', `${option}: ${key} is not a rule field (${[...RULE_FIELDS].join(', ')})`);
    if (typeof value !== 'string') throw new SymbolonError('USAGE', `${option}: ${key} takes a string`);
  }
  return parsed;
}

async function caFile(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  return readFile(path, 'utf8').catch((error: unknown) => {
    throw new SymbolonError('INPUT_UNREADABLE', `--ca ${path}: ${(error as Error).message}`);
  });
}

function logError(output: Output): (error: SymbolonError) => void {
  return (error) =>
    output.out(
      JSON.stringify({ at: new Date().toISOString(), event: 'connection_failed', code: error.code, message: error.message }) + '\n',
    );
}

async function serve(tunnel: Tunnel, description: string, output: Output): Promise<void> {
  output.out(`tunnel: ${description}\nStop with Ctrl-C (SIGINT) or SIGTERM.\n`);
  await untilStopped();
  await tunnel.close();
}

/** `symbolon tunnel client|server`: mTLS for programs that cannot speak it, with the agent's renewed certificate. */
export const tunnelCommand: CommandFactory = (output) => {
  const command = new Command('tunnel').description(
    "forward plaintext TCP over mTLS (client) or terminate mTLS in front of a TCP service (server), with an agent's certificate",
  );
  command
    .command('client')
    .description('listen in plaintext (127.0.0.1 by default) and forward each connection over mTLS')
    .requiredOption('--dir <dir>', "the agent's credential directory")
    .requiredOption('--listen <host:port>', 'the plaintext listener (:PORT is 127.0.0.1)')
    .requiredOption('--connect <host:port>', 'the mTLS server')
    .requiredOption('--server-name <name>', "the name the server's certificate must carry")
    .option('--ca <file>', "CA certificates the server must chain to (default: the agent's ca.pem)")
    .option('--connect-timeout <lifetime>', 'deadline of the TLS handshake', lifetimeOption('--connect-timeout'), 10)
    .action(async (options: { dir: string; listen: string; connect: string; serverName: string; ca?: string; connectTimeout: number }) => {
      const tunnel = await startTunnelClient({
        listen: parseListenAddress(options.listen, '--listen'),
        target: parseListenAddress(options.connect, '--connect'),
        serverName: options.serverName,
        ca: await caFile(options.ca),
        credentials: credentialDirSource(options.dir),
        connectTimeoutMs: options.connectTimeout * 1000,
        onError: logError(output),
      });
      await serve(tunnel, `${tunnel.address.host}:${tunnel.address.port} -> ${options.connect} (${options.serverName})`, output);
    });
  command
    .command('server')
    .description('terminate mTLS and forward allowed clients to a plaintext TCP service')
    .requiredOption('--dir <dir>', "the agent's credential directory (the server certificate)")
    .requiredOption('--listen <host:port>', 'the mTLS listener')
    .requiredOption('--forward <host:port>', 'the plaintext service')
    .option('--allow <json>', 'a rule as the gateway writes it, e.g. {"dns":"*.svc.example"} (repeatable; one must match)', collect)
    .option('--deny <json>', 'a rule that refuses (repeatable; wins over allow)', collect)
    .option('--ca <file>', "CA certificates client certificates must chain to (default: the agent's ca.pem)")
    .option('--ocsp', 'ask OCSP about each client certificate (the responder it names); revoked or unknown is refused')
    .option('--ocsp-url <url>', 'with --ocsp: ask this responder instead')
    .action(
      async (options: {
        dir: string;
        listen: string;
        forward: string;
        allow?: string[];
        deny?: string[];
        ca?: string;
        ocsp?: boolean;
        ocspUrl?: string;
      }) => {
        const tunnel = await startTunnelServer({
          listen: parseListenAddress(options.listen, '--listen'),
          forward: parseListenAddress(options.forward, '--forward'),
          rules: {
            allow: (options.allow ?? []).map((rule) => parseRule(rule, '--allow')),
            deny: (options.deny ?? []).map((rule) => parseRule(rule, '--deny')),
          },
          ca: await caFile(options.ca),
          credentials: credentialDirSource(options.dir),
          reloadIntervalMs: 1000,
          ocsp: options.ocsp === true ? { url: options.ocspUrl, timeoutMs: 5000 } : undefined,
          onError: logError(output),
        });
        await serve(tunnel, `${tunnel.address.host}:${tunnel.address.port} (mTLS) -> ${options.forward}`, output);
      },
    );
  return command;
};
