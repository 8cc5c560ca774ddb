import { createPublicKey } from 'node:crypto';
import { SymbolonError } from '../errors.js';
import type { OAuthCertificateName, OAuthClientRecord, Store } from '../store/index.js';
import type { Certificate } from '../x509/index.js';
import { checkClientRegistration } from './client-registration.js';
import type { ClientRegistration } from './client-registration.js';

/** Who registers or removes, and when: the audit entry names them. */
export interface RegistryChange {
  readonly now: Date;
  readonly actor: string;
}

/** RFC 8705 2.1.2's names, by the field (the command line's option, the admin API's body field) that gives each. */
export const CERTIFICATE_NAME_FIELDS = [
  ['subjectDn', 'subject_dn'],
  ['sanDns', 'san_dns'],
  ['sanUri', 'san_uri'],
  ['sanIp', 'san_ip'],
  ['sanEmail', 'san_email'],
] as const;

export type CertificateNameField = (typeof CERTIFICATE_NAME_FIELDS)[number][0];

/** What a registration may give to authenticate its client: certificate names, a self-signed certificate, a JWKS. */
export type ClientCredentialFields = { readonly [field in CertificateNameField]?: string | undefined } & {
  readonly certificate?: Certificate | undefined;
  readonly jwks?: unknown;
};

/**
 * The one way a client authenticates, from what a registration gave; undefined unless exactly one
 * of the fields is given (the caller says so in its own words: a usage error, a bad body).
 * RFC 8705 2.2: a self-signed client is registered by its key, which its certificate carries.
 */
export function clientCredential(fields: ClientCredentialFields): Pick<ClientRegistration, 'certificateName' | 'jwks'> | undefined {
  const names: OAuthCertificateName[] = CERTIFICATE_NAME_FIELDS.flatMap(([field, kind]) =>
    fields[field] === undefined ? [] : [{ kind, value: fields[field] }],
  );
  const given = names.length + (fields.certificate === undefined ? 0 : 1) + (fields.jwks === undefined ? 0 : 1);
  if (given !== 1) return undefined;
  if (names[0] !== undefined) return { certificateName: names[0] };
  if (fields.certificate !== undefined) {
    const { spki, der } = fields.certificate;
    const jwk = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
    return { jwks: { keys: [{ ...jwk, x5c: [der.toString('base64')] }] } };
  }
  return { jwks: fields.jwks };
}

/**
 * Checks a registration (`checkClientRegistration`) and records the client with its audit entry
 * (`oauth.client.add`), in one store transaction. Throws `OAUTH_CLIENT_INVALID` or
 * `STORE_OAUTH_CLIENT_EXISTS`.
 */
export async function registerClient(
  store: Pick<Store, 'addOAuthClient'>,
  registration: ClientRegistration,
  change: RegistryChange,
): Promise<OAuthClientRecord> {
  const client = checkClientRegistration(registration, change.now);
  return store.addOAuthClient(client, {
    at: change.now,
    actor: change.actor,
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
  });
}

/** Removes a client with its audit entry (`oauth.client.remove`): it gets no more tokens. Throws `STORE_OAUTH_CLIENT_NOT_FOUND`. */
export async function removeClient(
  store: Pick<Store, 'removeOAuthClient'>,
  id: string,
  change: RegistryChange,
): Promise<OAuthClientRecord> {
  return store.removeOAuthClient(id, {
    at: change.now,
    actor: change.actor,
    action: 'oauth.client.remove',
    target: `oauth-client/${id}`,
    payload: { client: id },
  });
}

/** A client as the store records it, or `STORE_OAUTH_CLIENT_NOT_FOUND`. */
export async function requireClient(store: Pick<Store, 'getOAuthClient'>, id: string): Promise<OAuthClientRecord> {
  const client = await store.getOAuthClient(id);
  if (client === undefined) throw new SymbolonError('STORE_OAUTH_CLIENT_NOT_FOUND', `no OAuth client "${id}" is registered`);
  return client;
}
