import { createPublicKey } from 'node:crypto';
import { Command } from 'commander';
import { SymbolonError } from '../../errors.js';
import { checkClientRegistration } from '../../oauth/index.js';
import type { ClientRegistration } from '../../oauth/index.js';
import type { OAuthCertificateName, OAuthClientRecord } from '../../store/index.js';
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

/** RFC 8705 2.1.2's names, as options. */
const NAME_OPTIONS = [
  ['subjectDn', 'subject_dn'],
  ['sanDns', 'san_dns'],
  ['sanUri', 'san_uri'],
  ['sanIp', 'san_ip'],
  ['sanEmail', 'san_email'],
] as const;

async function credentialOf(options: ClientAddOptions): Promise<Pick<ClientRegistration, 'certificateName' | 'jwks'>> {
  const names: OAuthCertificateName[] = NAME_OPTIONS.flatMap(([option, kind]) =>
    options[option] === undefined ? [] : [{ kind, value: options[option] }],
  );
  const given = names.length + (options.certificate === undefined ? 0 : 1) + (options.jwks === undefined ? 0 : 1);
  if (given !== 1)
    throw new SymbolonError(
      'USAGE',
      'give exactly one of --subject-dn, --san-dns, --san-uri, --san-ip, --san-email (tls_client_auth) or --certificate, --jwks (self_signed_tls_client_auth)',
    );
  if (names[0] !== undefined) return { certificateName: names[0] };
  if (options.certificate !== undefined) {
    // RFC 8705 2.2: a self-signed client is registered by its key; the certificate carries it.
    const certificate = firstCertificate(await readInput(options.certificate));
    const jwk = createPublicKey({ key: certificate.spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
    return { jwks: { keys: [{ ...jwk, x5c: [certificate.der.toString('base64')] }] } };
  }
  const text = (await readInput(options.jwks!, MAX_JWKS_BYTES)).toString('utf8');
  try {
    return { jwks: JSON.parse(text) as unknown };
  } catch {
    throw new SymbolonError('OAUTH_CLIENT_INVALID', `${options.jwks} is not JSON: give a JWKS ({"keys": [...]})`);
  }
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
      const client = checkClientRegistration(
        { id: clientId, scopes: options.scope, audiences: options.audience, ...(await credentialOf(options)) },
        now,
      );
      const added = await withDataDir(options, (dataDir) =>
        dataDir.store.addOAuthClient(client, {
          at: now,
          actor: cliActor(),
          action: 'oauth.client.add',
          target: `oauth-client/${client.id}`,
          payload: {
            client: client.id,
            authMethod: client.authMethod,
            certificateName: client.certificateName,
            keys: client.jwks?.keys.length ?? 0,
            scopes: client.scopes,
            audiences: client.audiences,
          },
        }),
      );
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
      const removed = await withDataDir(options, (dataDir) =>
        dataDir.store.removeOAuthClient(clientId, {
          at: now,
          actor: cliActor(),
          action: 'oauth.client.remove',
          target: `oauth-client/${clientId}`,
          payload: { client: clientId },
        }),
      );
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
