import { z } from 'zod';
import { SymbolonError } from '../errors.js';
import { clientCredential, isClientId, registerClient, removeClient, requireClient } from '../oauth/index.js';
import type { OAuthClientRecord, Store } from '../store/index.js';
import { parseCertificates } from '../x509/index.js';
import type { Certificate } from '../x509/index.js';
import { badQuery, queryParameters, readJsonBody } from './api-input.js';
import { sendJson } from './api-response.js';
import { adminActor } from './api-route.js';
import type { ApiCall, ApiRoute } from './api-route.js';

export interface OAuthClientRoutesOptions {
  readonly store: Store;
  readonly clock: () => Date;
}

/** A client as the API shows it: all of it is public (names and public keys, never a secret). */
function clientJson(client: OAuthClientRecord): Record<string, unknown> {
  return {
    id: client.id,
    authMethod: client.authMethod,
    certificateName: client.certificateName,
    jwks: client.jwks,
    scopes: client.scopes,
    audiences: client.audiences,
    createdAt: client.createdAt.toISOString(),
  };
}

/**
 * The fields of `symbolon oauth client add`, as JSON. Only their shapes are checked here; what
 * they hold is checked by the one registration check the command line uses too.
 */
const name = z.string().max(1024).optional();
const registerBody = z
  .object({
    id: z.string().max(128),
    scopes: z.array(z.string().max(128)).max(100).optional(),
    audiences: z.array(z.string().max(512)).max(20),
    subjectDn: name,
    sanDns: name,
    sanUri: name,
    sanIp: name,
    sanEmail: name,
    certificate: z
      .string()
      .max(16 * 1024)
      .optional(),
    jwks: z.object({}).passthrough().optional(),
  })
  .strict();

function pathClientId(call: ApiCall): string {
  const id = call.params['id'] ?? '';
  if (!isClientId(id)) throw badQuery(`"${id.slice(0, 64)}" is not a client_id (letters, digits, ".", "_", "-", ":"; 1 to 128)`);
  return id;
}

/** The self-signed certificate a client is registered by (RFC 8705 2.2), from PEM. */
function certificateOf(pem: string | undefined): Certificate | undefined {
  if (pem === undefined) return undefined;
  const [first] = parseCertificates(Buffer.from(pem, 'utf8'));
  if (first === undefined) throw new SymbolonError('API_BODY_INVALID', 'certificate: no PEM certificate found');
  return first;
}

/** OAuth clients of the token endpoint: list, register, show, remove. */
export function oauthClientRoutes(options: OAuthClientRoutesOptions): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/oauth/clients',
      isChange: false,
      async handle(call) {
        queryParameters(call.query, []);
        sendJson(call.res, 200, { items: (await options.store.listOAuthClients()).map(clientJson) });
      },
    },
    {
      method: 'POST',
      path: '/oauth/clients',
      isChange: true,
      async handle(call) {
        queryParameters(call.query, []);
        const body = await readJsonBody(call.req, registerBody);
        const credential = clientCredential({ ...body, certificate: certificateOf(body.certificate) });
        if (credential === undefined)
          throw new SymbolonError(
            'API_BODY_INVALID',
            'give exactly one of subjectDn, sanDns, sanUri, sanIp, sanEmail (tls_client_auth) or certificate, jwks (self_signed_tls_client_auth)',
          );
        const client = await registerClient(
          options.store,
          { id: body.id, scopes: body.scopes ?? [], audiences: body.audiences, ...credential },
          { now: options.clock(), actor: adminActor(call.admin) },
        );
        sendJson(call.res, 201, clientJson(client));
      },
    },
    {
      method: 'GET',
      path: '/oauth/clients/{id}',
      isChange: false,
      async handle(call) {
        queryParameters(call.query, []);
        sendJson(call.res, 200, clientJson(await requireClient(options.store, pathClientId(call))));
      },
    },
    {
      method: 'DELETE',
      path: '/oauth/clients/{id}',
      isChange: true,
      async handle(call) {
        queryParameters(call.query, []);
        const removed = await removeClient(options.store, pathClientId(call), { now: options.clock(), actor: adminActor(call.admin) });
        sendJson(call.res, 200, clientJson(removed));
      },
    },
  ];
}
