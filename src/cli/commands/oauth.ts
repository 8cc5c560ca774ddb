import { Command } from 'commander';
import { SymbolonError } from '../../errors.js';
import { clientCredential, registerClient, removeClient } from '../../oauth/index.js';
import type { ClientRegistration } from '../../oauth/index.js';
import type { OAuthClientRecord } from '../../store/index.js';
import { readInput } from '../input.js';
import type { CommandFactory, Output } from '../program.js';
import { cliActor, cliClock, collect, firstCertificate, withDataDir } from './ca/ca-options.js';

interface ClientAddOptions {
  readonly dir?: string;
  readonly scope: readonly string[];
  readonly audience: readonly string[];
  readonly subjectDn?: string;
  readonly sanDns?: string;
  readonly sanUri?: string;
  readonly sanIp?: string;
  readonly sanEmail?: string;
  readonly certificate?: string;
  readonly jwks?: string;
}

/** Largest JWKS file read: a few public keys. */
const MAX_JWKS_BYTES = 64 * 1024;

async function jwksFile(file: string): Promise<unknown> {
  const text = (await readInput(file, MAX_JWKS_BYTES)).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SymbolonError('OAUTH_CLIENT_INVALID', `${file} is not JSON: give a JWKS ({"keys": [...]})`);
  }
}

async function credentialOf(options: ClientAddOptions): Promise<Pick<ClientRegistration, 'certificateName' | 'jwks'>> {
  const credential = clientCredential({
    ...options,
    certificate: options.certificate === undefined ? undefined : firstCertificate(await readInput(options.certificate)),
    jwks: options.jwks === undefined ? undefined : await jwksFile(options.jwks),
  });
  if (credential === undefined)
    throw new SymbolonError(
      'USAGE',
      'give exactly one of --subject-dn, --san-dns, --san-uri, --san-ip, --san-email (tls_client_auth) or --certificate, --jwks (self_signed_tls_client_auth)',
    );
  return credential;
}

function describe(client: OAuthClientRecord): string {
  const how =
    client.certificateName === null
      ? `self_signed_tls_client_auth (${client.jwks?.keys.length ?? 0} key${client.jwks?.keys.length === 1 ? '' : 's'})`
      : `tls_client_auth ${client.certificateName.kind}=${client.certificateName.value}`;
  return `${client.id}  ${how}  scopes ${client.scopes.join(' ') || '(none)'}  audiences ${client.audiences.join(' ')}`;
}

const clientAddCommand: CommandFactory = (output: Output) =>
  new Command('add')
    .description('register an OAuth client that authenticates with its TLS client certificate (RFC 8705)')
    .argument('<client_id>', 'the client_id it sends to the token endpoint')
    .option('--scope <scope>', 'a scope it may be granted (repeatable)', collect, [])
    .option('--audience <uri>', 'a resource its tokens are for, the aud claim (repeatable; at least one)', collect, [])
    .option('--subject-dn <dn>', 'tls_client_auth: the subject DN of its certificate (RFC 4514, such as "CN=billing,O=Acme")')
    .option('--san-dns <name>', 'tls_client_auth: a DNS subjectAltName of its certificate')
    .option('--san-uri <uri>', 'tls_client_auth: a URI subjectAltName (a SPIFFE ID, say)')
    .option('--san-ip <address>', 'tls_client_auth: an IP address subjectAltName')
    .option('--san-email <address>', 'tls_client_auth: an email subjectAltName')
    .option('--certificate <file>', 'self_signed_tls_client_auth: its self-signed certificate (PEM or DER)')
    .option('--jwks <file>', 'self_signed_tls_client_auth: a JWKS of its public keys')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .action(async (clientId: string, options: ClientAddOptions) => {
      const now = cliClock();
      const registration = { id: clientId, scopes: options.scope, audiences: options.audience, ...(await credentialOf(options)) };
      const added = await withDataDir(options, (dataDir) => registerClient(dataDir.store, registration, { now, actor: cliActor() }));
      output.out(`Registered OAuth client ${describe(added)}\n`);
    });

const clientListCommand: CommandFactory = (output: Output) =>
  new Command('list')
    .description('list registered OAuth clients')
    .option('--json', 'one JSON array')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .action(async (options: { readonly dir?: string; readonly json?: boolean }) => {
      const clients = await withDataDir(options, (dataDir) => dataDir.store.listOAuthClients());
      if (options.json === true) {
        output.out(`${JSON.stringify(clients, null, 2)}\n`);
        return;
      }
      output.out(
        clients.length === 0
          ? 'No OAuth clients; register one with `symbolon oauth client add`.\n'
          : `${clients.map(describe).join('\n')}\n`,
      );
    });

const clientRemoveCommand: CommandFactory = (output: Output) =>
  new Command('remove')
    .description('remove an OAuth client: it gets no more tokens, and introspection calls its tokens inactive')
    .argument('<client_id>', 'the client_id (from `oauth client list`)')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .action(async (clientId: string, options: { readonly dir?: string }) => {
      const now = cliClock();
      const removed = await withDataDir(options, (dataDir) => removeClient(dataDir.store, clientId, { now, actor: cliActor() }));
      output.out(`Removed OAuth client ${removed.id}.\n`);
    });

/** `symbolon oauth client add|list|remove`: the clients of the token endpoint. */
export const oauthCommand: CommandFactory = (output: Output) =>
  new Command('oauth')
    .description('the OAuth authorization server of `symbolon up`: certificate-bound access tokens (RFC 8705)')
    .addCommand(
      new Command('client')
        .description('OAuth clients: who may get tokens, with which certificate, for which scopes and audiences')
        .addCommand(clientAddCommand(output))
        .addCommand(clientListCommand(output))
        .addCommand(clientRemoveCommand(output)),
    );
