import {
  certificateThumbprint,
  checkAccessTokenClaims,
  importVerificationKeys,
  scopesOf,
  verifyAccessTokenSignature,
} from '../access-token/index.js';
import type { AccessTokenClaims } from '../access-token/index.js';
import { isSymbolonError, SymbolonError } from '../errors.js';
import { sendProblem } from '../http/index.js';
import type { ServiceHandler, ServiceRequest } from '../http/index.js';
import type { OAuthClientRecord, Store } from '../store/index.js';
import { authenticateClient } from './client-authentication.js';
import { readForm } from './form-request.js';
import { sendJson, sendOAuthError } from './oauth-error.js';
import type { OAuthErrorCode } from './oauth-error.js';
import { publishedJwks } from './published-keys.js';
import type { SigningKey } from './signing-keys.js';
import { signAccessToken } from './token-signer.js';

export const OAUTH_PREFIX = '/oauth';
export const TOKEN_PATH = '/oauth/token';
export const INTROSPECTION_PATH = '/oauth/introspect';
/** RFC 8414 3: the metadata of an issuer without a path. */
export const METADATA_PATH = '/.well-known/oauth-authorization-server';
export const JWKS_PATH = '/.well-known/jwks.json';

export interface AuthorizationServerOptions {
  /** The issuer identifier: the HTTPS origin of the service listener (RFC 8414 2). */
  readonly issuer: string;
  readonly store: Store;
  /**
   * The key this node signs with now, as last rotated (published in the store before it is
   * given here). The JWKS and introspection use every node's keys published in the store.
   */
  signingKey(): SigningKey;
  readonly clock: () => Date;
  readonly tokenTtlSeconds: number;
  /** How long verifiers may cache the JWKS (its Cache-Control max-age). */
  readonly jwksMaxAgeSeconds: number;
  readonly onError: (error: unknown) => void;
}

export interface AuthorizationServer {
  /** What to mount on the service listener, by prefix. */
  readonly routes: readonly { readonly prefix: string; readonly handler: ServiceHandler }[];
  /** RFC 8414 2 metadata. */
  metadata(): Readonly<Record<string, unknown>>;
}

/**
 * Refusals decided while serving, carried as SymbolonErrors to the one place that answers them,
 * with the status each gets when it is not its code's (413, 405).
 */
const refusalStatuses = new WeakMap<SymbolonError, number | undefined>();

function refused(code: OAuthErrorCode, detail?: string, status?: number): SymbolonError {
  const error = new SymbolonError(code, detail);
  refusalStatuses.set(error, status);
  return error;
}

/**
 * The OAuth authorization server of `symbolon up` (RFC 6749 client credentials with RFC 8705
 * mutual-TLS client authentication and certificate-bound tokens): the token endpoint, RFC 7662
 * introspection, the JWKS and RFC 8414 metadata. Every token issued is an audit entry (its
 * `jti`, never the token), written before the token is handed out.
 */
export function createAuthorizationServer(options: AuthorizationServerOptions): AuthorizationServer {
  const { store, issuer } = options;
  const tokenUrl = `${issuer}${TOKEN_PATH}`;
  const introspectionUrl = `${issuer}${INTROSPECTION_PATH}`;
  const metadata = Object.freeze({
    issuer,
    token_endpoint: tokenUrl,
    introspection_endpoint: introspectionUrl,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['tls_client_auth', 'self_signed_tls_client_auth'],
    introspection_endpoint_auth_methods_supported: ['tls_client_auth', 'self_signed_tls_client_auth'],
    response_types_supported: [],
    // RFC 8705 3.3 and 5: tokens are bound, and every endpoint is on the mutual-TLS listener already.
    tls_client_certificate_bound_access_tokens: true,
    mtls_endpoint_aliases: { token_endpoint: tokenUrl, introspection_endpoint: introspectionUrl },
  });

  /** The client named by `client_id`, authenticated by the connection's certificate. */
  async function authenticated(request: ServiceRequest, parameters: ReadonlyMap<string, string>) {
    const clientId = parameters.get('client_id');
    // RFC 8705 2: with mutual-TLS client authentication, client_id is a request parameter.
    if (clientId === undefined || clientId === '') throw refused('OAUTH_INVALID_REQUEST', 'client_id is required (RFC 8705 2)');
    const client = clientId.length > 128 ? undefined : await store.getOAuthClient(clientId);
    if (client === undefined) throw refused('OAUTH_INVALID_CLIENT', 'the client is unknown or its certificate is not the registered one');
    const authentication = await authenticateClient(client, request.socket, store);
    if (!authentication.ok) throw refused('OAUTH_INVALID_CLIENT', authentication.detail);
    return { client, certificate: authentication.certificate };
  }

  async function form(request: ServiceRequest): Promise<ReadonlyMap<string, string> | undefined> {
    const read = await readForm(request.req);
    if (read.ok) return read.parameters;
    if (read.status === undefined) {
      request.res.destroy();
      return undefined;
    }
    if (read.status === 405) throw refused('OAUTH_INVALID_REQUEST', read.detail, 405);
    throw refused('OAUTH_INVALID_REQUEST', read.detail, read.status);
  }

  function grantedScopes(client: OAuthClientRecord, requested: string | undefined): readonly string[] {
    if (requested === undefined) return client.scopes;
    const scopes = [...new Set(scopesOf(requested))];
    const outside = scopes.filter((scope) => !client.scopes.includes(scope));
    if (outside.length > 0)
      throw refused('OAUTH_INVALID_SCOPE', `not granted to this client: ${outside.slice(0, 5).join(' ').slice(0, 200)}`);
    return scopes;
  }

  async function token(request: ServiceRequest): Promise<void> {
    const parameters = await form(request);
    if (parameters === undefined) return;
    const grantType = parameters.get('grant_type');
    if (grantType === undefined) throw refused('OAUTH_INVALID_REQUEST', 'grant_type is required');
    if (grantType !== 'client_credentials') throw refused('OAUTH_UNSUPPORTED_GRANT_TYPE');
    const { client, certificate } = await authenticated(request, parameters);
    const scopes = grantedScopes(client, parameters.get('scope'));
    // RFC 8707: a client may narrow its token to one of its resources.
    const resource = parameters.get('resource');
    if (resource !== undefined && !client.audiences.includes(resource)) throw refused('OAUTH_INVALID_TARGET');
    const now = options.clock();
    const signed = await signAccessToken(
      {
        issuer,
        clientId: client.id,
        audiences: resource === undefined ? client.audiences : [resource],
        scopes,
        thumbprint: certificateThumbprint(certificate.der),
        now,
        ttlSeconds: options.tokenTtlSeconds,
      },
      options.signingKey(),
    );
    const { claims } = signed;
    await store.appendAudit({
      at: now,
      actor: `oauth:${client.id}`,
      action: 'oauth.token.issue',
      target: `oauth-client/${client.id}`,
      payload: {
        jti: claims.jti,
        client: client.id,
        scope: claims.scope,
        aud: claims.aud,
        exp: claims.exp,
        'x5t#S256': claims.cnf!['x5t#S256'],
        certificate: certificate.fingerprintSha256,
      },
    });
    sendJson(request.res, 200, {
      access_token: signed.token,
      token_type: 'Bearer',
      expires_in: options.tokenTtlSeconds,
      scope: claims.scope,
    });
  }

  /** RFC 7662 2.2: what an active token says, its `cnf` included (RFC 8705 3.2). */
  async function introspectionOf(text: string): Promise<Readonly<Record<string, unknown>>> {
    // Every node's keys: a token signed by another node of the same store is as good as ours.
    const keys = importVerificationKeys({ keys: await publishedJwks(store, options.clock()) });
    if (keys === undefined) return { active: false };
    const verdict = await verifyAccessTokenSignature(text, keys, ['ES256']);
    if (!verdict.ok) return { active: false };
    const claims: AccessTokenClaims = verdict.claims;
    const audience = typeof claims.aud === 'string' ? claims.aud : claims.aud[0]!;
    const checked = checkAccessTokenClaims(
      claims,
      { issuer, audience, scopes: [], certificateThumbprint: claims.cnf?.['x5t#S256'], requireBinding: false, leewaySeconds: 0 },
      options.clock(),
    );
    // A removed client's tokens are no longer active, though their signatures still verify.
    if (!checked.ok || (await store.getOAuthClient(claims.client_id)) === undefined) return { active: false };
    return { active: true, token_type: 'Bearer', ...claims };
  }

  async function introspect(request: ServiceRequest): Promise<void> {
    const parameters = await form(request);
    if (parameters === undefined) return;
    await authenticated(request, parameters);
    const text = parameters.get('token');
    if (text === undefined || text === '') throw refused('OAUTH_INVALID_REQUEST', 'token is required (RFC 7662 2.1)');
    sendJson(request.res, 200, await introspectionOf(text));
  }

  const oauth: ServiceHandler = async (request) => {
    const serve = request.path === TOKEN_PATH ? token : request.path === INTROSPECTION_PATH ? introspect : undefined;
    if (serve === undefined)
      return sendProblem(request.res, 404, 'HTTP_NOT_FOUND', `OAuth answers ${TOKEN_PATH} and ${INTROSPECTION_PATH}`);
    try {
      await serve(request);
    } catch (error) {
      if (!isSymbolonError(error) || !refusalStatuses.has(error)) throw error;
      const status = refusalStatuses.get(error);
      const headers: Record<string, string> = {};
      if (status === 405) headers['Allow'] = 'POST';
      // A refusal before the body was read: the connection cannot carry another request.
      if (!request.req.complete) headers['Connection'] = 'close';
      sendOAuthError(request.res, error.code as OAuthErrorCode, error.message, { ...(status === undefined ? {} : { status }), headers });
    }
  };

  const document =
    (body: () => unknown, maxAgeSeconds: number): ServiceHandler =>
    async ({ req, res }) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        sendProblem(res, 405, 'HTTP_METHOD_NOT_ALLOWED');
        return;
      }
      const text = JSON.stringify(await body());
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': `public, max-age=${maxAgeSeconds}`,
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    };

  return {
    routes: [
      { prefix: OAUTH_PREFIX, handler: oauth },
      {
        prefix: JWKS_PATH,
        // Every node's published keys, so a verifier pointed at any node of the store knows them all.
        handler: document(async () => ({ keys: await publishedJwks(store, options.clock()) }), options.jwksMaxAgeSeconds),
      },
      { prefix: METADATA_PATH, handler: document(() => metadata, 3600) },
    ],
    metadata: () => metadata,
  };
}
