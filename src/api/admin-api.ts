import type { CaConfig, CertificateAuthority } from '../ca/index.js';
import { sendProblem } from '../http/index.js';
import type { ServiceHandler } from '../http/index.js';
import type { Store } from '../store/index.js';
import { accessRefusal } from './admin-access.js';
import type { AdminAccess } from './admin-access.js';
import { sendError, sendJson } from './api-response.js';
import { matchPath } from './api-route.js';
import type { ApiRoute } from './api-route.js';
import { approvalRoutes } from './approval-routes.js';
import { createAuditChainStatus } from './audit-chain-status.js';
import { auditRoutes } from './audit-routes.js';
import { certificateRoutes } from './certificate-routes.js';
import { gatewayRoutes } from './gateway-routes.js';
import type { GatewayHealth } from '../monitoring/index.js';
import { oauthClientRoutes } from './oauth-client-routes.js';
import { OPENAPI_DOCUMENT } from './openapi-document.js';
import { createStatisticsCache, statsRoutes } from './stats-routes.js';
import { tokenRoutes } from './token-routes.js';

export const ADMIN_API_PATH = '/api';

export interface AdminApiOptions {
  /** The store to read and write: `up` hands the one that publishes revocations on the feed. */
  readonly store: Store;
  readonly config: CaConfig;
  /** Issues and renews; undefined when the active intermediate's key is locked (those calls are 503). */
  readonly ca: CertificateAuthority | undefined;
  /** Decides from the TLS client certificate's DER whether its holder is an admin. */
  readonly access: (peer: Uint8Array | undefined) => Promise<AdminAccess>;
  readonly tokenHashKey: Uint8Array;
  readonly gateways: () => readonly GatewayHealth[];
  readonly clock: () => Date;
  readonly random: (size: number) => Uint8Array;
  /** Faults (answered 500) are told here. */
  readonly onError: (error: unknown) => void;
  /** Statistics are recomputed at most this often (and after every change made through the API). */
  readonly statisticsMaxAgeMs?: number;
  /** The audit chain is checked from the genesis at most this often (new entries at each call). */
  readonly auditFullCheckIntervalMs?: number;
}

export interface AdminApi {
  /** Mount it at `ADMIN_API_PATH` on the service listener. */
  readonly handle: ServiceHandler;
  /** Every operation served, by OpenAPI path template (below `/api`) and method. */
  readonly routes: readonly Pick<ApiRoute, 'method' | 'path'>[];
}

/**
 * The admin API (REST over the HTTPS service listener): each request is authorized first, by its
 * TLS client certificate (an admin's, or 401/403 before any route is looked at), then routed by
 * path template and method. Errors are problem+json; every change is an audit entry naming the
 * admin, written by the store in the change's own transaction.
 */
export function createAdminApi(options: AdminApiOptions): AdminApi {
  const statistics = createStatisticsCache(options.store, options.clock, options.statisticsMaxAgeMs ?? 5000);
  const chainStatus = createAuditChainStatus({
    store: options.store,
    clock: options.clock,
    fullCheckIntervalMs: options.auditFullCheckIntervalMs ?? 5 * 60_000,
  });
  const routes: ApiRoute[] = [
    {
      method: 'GET',
      path: '/openapi.json',
      isChange: false,
      handle: (call) => Promise.resolve(sendJson(call.res, 200, OPENAPI_DOCUMENT)),
    },
    ...certificateRoutes({ store: options.store, ca: options.ca, clock: options.clock }),
    ...tokenRoutes({
      store: options.store,
      config: options.config,
      tokenHashKey: options.tokenHashKey,
      clock: options.clock,
      random: options.random,
    }),
    ...approvalRoutes({ store: options.store, clock: options.clock }),
    ...oauthClientRoutes({ store: options.store, clock: options.clock }),
    ...auditRoutes({ store: options.store, chainStatus }),
    ...statsRoutes(statistics),
    ...gatewayRoutes(options.gateways),
  ];

  const handle: ServiceHandler = async ({ req, res, path, socket }) => {
    // The TLS layer's chain verdict is not needed, as for EST re-enrollment: the handshake proved
    // the key, and the access check wants the store to hold exactly these bytes under the admin
    // profile, so an expired admin certificate is named as expired rather than as none.
    const peer = socket.getPeerCertificate(false)?.raw;
    const access = await options.access(peer === undefined || peer.length === 0 ? undefined : peer);
    if (!access.ok) {
      const refusal = accessRefusal(access.reason);
      return sendProblem(res, refusal.status, refusal.code, undefined, refusal.status === 401 ? { 'WWW-Authenticate': 'Mutual' } : {});
    }
    const below = path.slice(ADMIN_API_PATH.length) || '/';
    const matching = routes.map((route) => ({ route, params: matchPath(route.path, below) })).filter((match) => match.params !== undefined);
    if (matching.length === 0)
      return sendProblem(res, 404, 'HTTP_NOT_FOUND', `no admin API operation at ${path.slice(0, 200)}; see ${ADMIN_API_PATH}/openapi.json`);
    const match = matching.find((candidate) => candidate.route.method === req.method);
    if (match === undefined) {
      const allowed = [...new Set(matching.map((candidate) => candidate.route.method))].join(', ');
      return sendProblem(res, 405, 'HTTP_METHOD_NOT_ALLOWED', `${path.slice(0, 200)} takes ${allowed}`, { Allow: allowed });
    }
    const query = new URL(req.url ?? '/', 'https://api.invalid').searchParams;
    try {
      await match.route.handle({ req, res, query, params: match.params!, admin: access });
    } catch (error) {
      sendError(res, error, options.onError);
    } finally {
      if (match.route.isChange) statistics.invalidate();
    }
  };
  return { handle, routes: routes.map(({ method, path }) => ({ method, path })) };
}
