import type { Http2ServerRequest } from 'node:http2';
import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { sendProblem } from '../../http/index.js';
import { identityHeaders } from '../identity-headers.js';
import type { IdentityHeaderMode } from '../identity-headers.js';
import { PROBLEM_CONTENT_TYPE, REJECTION_REASONS, rejectionBody } from '../rejection.js';
import type { RejectionReason } from '../rejection.js';
import type { RouteDecision } from '../route-rules.js';
import type { AccessLog } from './access-log.js';
import type { ConnectionVerdict } from './client-verifier.js';
import type { GatewayGeneration } from './gateway-generation.js';
import { BoundedMap } from './bounded-map.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { GatewayRequest, GatewayResponse } from './upstream-proxy.js';

/** What one connection has decided, kept while the generation that decided it is current. */
interface ConnectionState {
  readonly generation: number;
  readonly verdict: ConnectionVerdict;
}

/** What a verified certificate amounts to per route, kept by fingerprint for every connection that presents it. */
interface IdentityMemo {
  /** Route index -> the rules' decision for this identity. */
  readonly decisions: Map<number, RouteDecision>;
  readonly headers: Map<IdentityHeaderMode, Readonly<Record<string, string>>>;
}

/** Certificates remembered per generation: the identity headers of each are built once, not per connection. */
const MAX_MEMOS = 10_000;

export interface RequestHandlerOptions {
  current(): GatewayGeneration;
  readonly metrics: GatewayMetrics;
  readonly accessLog: AccessLog;
  readonly clock: () => Date;
  /** The gateway's URI SAN, sent as XFCC `By`. */
  by(): string | undefined;
  readonly onError: (error: unknown) => void;
}

/** Per connection: an HTTP/2 session or an HTTP/1 socket. */
const connections = new WeakMap<object, ConnectionState>();
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function connectionKey(req: GatewayRequest): object {
  return req.httpVersionMajor === 2 ? (req as Http2ServerRequest).stream.session ?? req.socket : req.socket;
}

function hostOf(req: GatewayRequest): string {
  if (req.httpVersionMajor === 2) return (req as Http2ServerRequest).authority ?? '';
  const host = req.headers.host;
  return typeof host === 'string' ? host : '';
}

function pathOf(target: string): string {
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

/**
 * The gateway's request handler: the connection's verdict (OpenSSL, then the strict validator,
 * once per connection), then per request the expiry, the revocation status, the route's rules,
 * and the upstream with identity headers. Each refusal is a problem+json body naming its reason;
 * a refused request never reaches the upstream.
 */
export function createRequestHandler(options: RequestHandlerOptions): (req: GatewayRequest, res: GatewayResponse) => void {
  const { metrics, clock } = options;
  let memos = { generation: -1, byCertificate: new BoundedMap<string, IdentityMemo>(MAX_MEMOS) };

  /** Keyed by leaf and issuer: the same leaf reached through another issuer certificate may be decided differently. */
  function memoOf(generation: GatewayGeneration, leaf: string, issuer: string): IdentityMemo {
    if (memos.generation !== generation.id) memos = { generation: generation.id, byCertificate: new BoundedMap(MAX_MEMOS) };
    const key = `${leaf}:${issuer}`;
    let memo = memos.byCertificate.get(key);
    if (memo === undefined) {
      memo = { decisions: new Map(), headers: new Map() };
      memos.byCertificate.set(key, memo);
    }
    return memo;
  }

  function stateOf(req: GatewayRequest, generation: GatewayGeneration, now: Date): ConnectionState {
    const key = connectionKey(req);
    let state = connections.get(key);
    if (state === undefined || state.generation !== generation.id) {
      const socket = (req.httpVersionMajor === 2 ? (req as Http2ServerRequest).stream.session?.socket : req.socket) as TLSSocket;
      state = { generation: generation.id, verdict: generation.verifier.verify(socket, now) };
      connections.set(key, state);
    }
    return state;
  }

  async function handle(req: GatewayRequest, res: GatewayResponse): Promise<void> {
    const started = performance.now();
    const generation = options.current();
    const now = clock();
    const target = req.url ?? '/';
    let routeLabel: string | undefined;
    let decision: 'allowed' | 'rejected' | 'allowed_soft_fail' = 'allowed';
    let state: ConnectionState | undefined;

    const finish = (status: number, reason: RejectionReason | undefined, upstreamMs: number | undefined): void => {
      const route = routeLabel ?? 'none';
      metrics.requests.inc({ route, status: String(status) });
      if (reason !== undefined) metrics.rejections.inc({ route, reason });
      const verdict = state?.verdict;
      options.accessLog.write({
        method: req.method ?? '',
        host: hostOf(req),
        path: pathOf(target),
        httpVersion: req.httpVersion,
        status,
        route: routeLabel,
        decision,
        reason,
        upstreamMs,
        durationMs: performance.now() - started,
        remoteAddress: req.socket?.remoteAddress,
        certificate: verdict?.state === 'verified' ? verdict.identity.certificate : verdict?.state === 'refused' ? verdict.certificate : undefined,
      });
    };
    const reject = (reason: RejectionReason): void => {
      decision = 'rejected';
      const body = rejectionBody(reason);
      const status = REJECTION_REASONS[reason].status;
      if (!res.headersSent) {
        res.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
        res.end(body);
      } else res.destroy();
      finish(status, reason, undefined);
    };

    const lookup = generation.table.lookup(hostOf(req), target);
    if (!lookup.ok) return reject(lookup.reason);
    const route = generation.routes[lookup.entry.route]!;
    routeLabel = route.label;
    state = stateOf(req, generation, now);
    const verdict = state.verdict;
    let added = NO_HEADERS;
    if (verdict.state === 'none') {
      if (lookup.entry.clientCertificate === 'required') return reject('no_certificate');
    } else if (verdict.state === 'refused') {
      // A certificate that was presented and failed is refused even where one is optional.
      return reject(verdict.reason);
    } else {
      const { identity } = verdict;
      if (now.getTime() >= identity.validUntilMs) return reject('expired');
      const bundle = generation.bundles[identity.bundleIndex]!;
      let answer = bundle.source.check(identity.certificate, identity.issuer, now);
      if (answer instanceof Promise) answer = await answer;
      if (answer.status === 'revoked') return reject('revoked');
      if (answer.status === 'unavailable') {
        if (bundle.failurePolicy === 'hard-fail') return reject('revocation_unavailable');
        decision = 'allowed_soft_fail';
        metrics.revocationSoftFails.inc({ bundle: bundle.name });
      }
      const memo = memoOf(generation, identity.certificate.fingerprintSha256, identity.issuer.fingerprintSha256);
      let ruling = memo.decisions.get(route.index);
      if (ruling === undefined) {
        ruling = route.rules.decide({ certificate: identity.certificate, issuerFingerprintSha256: identity.issuer.fingerprintSha256 });
        memo.decisions.set(route.index, ruling);
      }
      if (!ruling.allowed) return reject('route_denied');
      let headers = memo.headers.get(route.headers);
      if (headers === undefined) {
        const by = options.by();
        headers = identityHeaders(route.headers, { certificate: identity.certificate, chain: identity.intermediates }, by === undefined ? {} : { by });
        memo.headers.set(route.headers, headers);
      }
      added = headers;
    }
    const outcome = await route.proxy.forward(req, res, added, target);
    if (outcome.failure !== undefined) return reject(outcome.failure);
    if (outcome.upstreamMs !== undefined) metrics.upstreamLatency.observe({ route: route.label }, outcome.upstreamMs / 1000);
    finish(outcome.status, undefined, outcome.upstreamMs);
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.onError(error);
      sendProblem(res as ServerResponse, 500, 'HTTP_INTERNAL_ERROR');
    });
  };
}
