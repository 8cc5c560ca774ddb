import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { sendProblem, sendProblemDocument } from '../../http/index.js';
import type { Certificate } from '../../x509/index.js';
import type { Admission, Http1Hooks } from '../http1/http1-connection.js';
import type { RequestHead } from '../../http/index.js';
import { identityHeaders } from '../identity-headers.js';
import type { IdentityHeaderMode } from '../identity-headers.js';
import { REJECTION_REASONS, rejectionProblem } from '../rejection.js';
import type { RejectionReason } from '../rejection.js';
import type { RouteDecision } from '../route-rules.js';
import type { AccessLog } from './access-log.js';
import type { ConnectionVerdict } from './client-verifier.js';
import type { GatewayGeneration, RouteRuntime } from './gateway-generation.js';
import { BoundedCache } from '../../bounded-cache.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { certificateThumbprint } from '../../access-token/index.js';
import { tokenChallenge } from '../rejection.js';
import { TokenGuard } from './token-guard.js';
import type { ConnectionTokenMemo, TokenOutcome } from './token-guard.js';

/** What one connection has decided, kept while the generation that decided it is current. */
interface ConnectionState {
  readonly generation: number;
  readonly verdict: ConnectionVerdict;
  /** The verified identity's memo, found once per connection rather than hashed per request. */
  memo?: IdentityMemo;
  /** The access token this connection sent last, once checked. */
  readonly token: ConnectionTokenMemo;
}

/** What a verified certificate amounts to per route, kept by fingerprint for every connection that presents it. */
interface IdentityMemo {
  /** Route index -> the rules' decision for this identity. */
  readonly decisions: Map<number, RouteDecision>;
  readonly headers: Map<IdentityHeaderMode, Readonly<Record<string, string>>>;
  /** RFC 8705 3.1: the certificate's x5t#S256, made when a token route first needs it. */
  thumbprint?: string;
}

/** Certificates remembered per generation: the identity headers of each are built once, not per connection. */
const MAX_MEMOS = 10_000;

/** A request's decision: the route and identity headers when allowed, the reason when not. */
export interface RequestDecision {
  readonly outcome: 'allowed' | 'rejected' | 'allowed_soft_fail';
  readonly reason: RejectionReason | undefined;
  readonly route: RouteRuntime | undefined;
  /** The request-target the upstream is sent: the path normalized as the route was matched on it. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The client certificate, verified or refused, for the access log. */
  readonly certificate: Certificate | undefined;
  /** RFC 6750 3: the WWW-Authenticate value of a refusal for the access token. */
  readonly challenge?: string;
}

export interface RequestHandlerOptions {
  current(): GatewayGeneration;
  readonly metrics: GatewayMetrics;
  readonly accessLog: AccessLog;
  readonly clock: () => Date;
  /** The gateway's URI SAN, sent as XFCC `By`. */
  by(): string | undefined;
  readonly onError: (error: unknown) => void;
}

/** One request as metrics and the access log see it. */
interface Exchange {
  readonly method: string;
  readonly host: string;
  readonly target: string;
  readonly httpVersion: string;
  readonly remoteAddress: string | undefined;
}

/** The Authorization field of an HTTP/1 request head (several arrive joined, which no token survives). */
function authorizationField(fields: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization')
      value = value === undefined ? fields[i + 1]! : `${value}, ${fields[i + 1]!}`;
  }
  return value;
}

/** Per connection: an HTTP/2 session or an HTTP/1 socket. */
const connections = new WeakMap<object, ConnectionState>();
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function pathOf(target: string): string {
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

function certificateOf(verdict: ConnectionVerdict): Certificate | undefined {
  return verdict.state === 'verified' ? verdict.identity.certificate : verdict.state === 'refused' ? verdict.certificate : undefined;
}

/**
 * The gateway's decisions and their record, for both protocols: the connection's verdict
 * (OpenSSL, then the strict validator, once per connection), then per request the expiry, the
 * revocation status, the route's rules and the identity headers. A refused request never reaches
 * the upstream; HTTP/1.x requests are relayed by `http1/`, HTTP/2 ones by the route's undici pool.
 */
export class RequestHandler {
  private memos = { generation: -1, byCertificate: new BoundedCache<string, IdentityMemo>(MAX_MEMOS) };
  private readonly tokens = new TokenGuard();

  constructor(private readonly options: RequestHandlerOptions) {}

  /** Keyed by leaf and issuer: the same leaf reached through another issuer certificate may be decided differently. */
  private memoOf(generation: GatewayGeneration, leaf: string, issuer: string): IdentityMemo {
    if (this.memos.generation !== generation.id) this.memos = { generation: generation.id, byCertificate: new BoundedCache(MAX_MEMOS) };
    const key = `${leaf}:${issuer}`;
    let memo = this.memos.byCertificate.get(key);
    if (memo === undefined) {
      memo = { decisions: new Map(), headers: new Map() };
      this.memos.byCertificate.set(key, memo);
    }
    return memo;
  }

  private stateOf(connection: object, socket: TLSSocket, generation: GatewayGeneration, now: Date): ConnectionState {
    let state = connections.get(connection);
    if (state === undefined || state.generation !== generation.id) {
      state = { generation: generation.id, verdict: generation.verifier.verify(socket, now), token: {} };
      connections.set(connection, state);
    }
    return state;
  }

  /** The decision, or a refusal for the access token when the route requires one and it does not pass. */
  private withToken(
    route: RouteRuntime,
    decision: RequestDecision,
    authorization: () => string | undefined,
    thumbprint: () => string | undefined,
    now: Date,
    memo: ConnectionTokenMemo,
  ): RequestDecision | Promise<RequestDecision> {
    const policy = route.token;
    if (policy === undefined) return decision;
    const apply = (outcome: TokenOutcome): RequestDecision =>
      outcome.ok
        ? decision
        : {
            ...decision,
            outcome: 'rejected',
            reason: outcome.reason,
            headers: NO_HEADERS,
            challenge: tokenChallenge(outcome.reason, policy.scopes),
          };
    const outcome = this.tokens.check(policy, authorization(), thumbprint(), now, memo);
    return outcome instanceof Promise ? outcome.then(apply) : apply(outcome);
  }

  /**
   * Decides one request on `connection` (the HTTP/2 session or the HTTP/1 socket) over `socket`;
   * `authorization` reads the request's Authorization field, for routes that require a token.
   */
  decide(
    connection: object,
    socket: TLSSocket,
    host: string,
    target: string,
    authorization: () => string | undefined = () => undefined,
  ): RequestDecision | Promise<RequestDecision> {
    const generation = this.options.current();
    const now = this.options.clock();
    const lookup = generation.table.lookup(host, target);
    if (!lookup.ok)
      return { outcome: 'rejected', reason: lookup.reason, route: undefined, target, headers: NO_HEADERS, certificate: undefined };
    const upstreamTarget = lookup.target;
    const route = generation.routes[lookup.entry.route]!;
    const state = this.stateOf(connection, socket, generation, now);
    const verdict = state.verdict;
    const certificate = certificateOf(verdict);
    const reject = (reason: RejectionReason): RequestDecision => ({
      outcome: 'rejected',
      reason,
      route,
      target: upstreamTarget,
      headers: NO_HEADERS,
      certificate,
    });
    if (verdict.state === 'none')
      return lookup.entry.clientCertificate === 'required'
        ? reject('no_certificate')
        : this.withToken(
            route,
            { outcome: 'allowed', reason: undefined, route, target: upstreamTarget, headers: NO_HEADERS, certificate },
            authorization,
            () => undefined,
            now,
            state.token,
          );
    // A certificate that was presented and failed is refused even where one is optional.
    if (verdict.state === 'refused') return reject(verdict.reason);
    const { identity } = verdict;
    if (now.getTime() >= identity.validUntilMs) return reject('expired');
    // The first of the client's bundles the route accepts: its revocation source and failure policy apply.
    const accepted = route.trustBundles;
    const bundleIndex = accepted === undefined ? identity.bundleIndexes[0] : identity.bundleIndexes.find((index) => accepted.has(index));
    if (bundleIndex === undefined) return reject('untrusted_issuer');
    const bundle = generation.bundles[bundleIndex]!;
    const rest = (answer: { readonly status: string }): RequestDecision | Promise<RequestDecision> => {
      if (answer.status === 'revoked') return reject('revoked');
      let outcome: RequestDecision['outcome'] = 'allowed';
      if (answer.status === 'unavailable') {
        if (bundle.failurePolicy === 'hard-fail') return reject('revocation_unavailable');
        outcome = 'allowed_soft_fail';
        this.options.metrics.revocationSoftFails.inc({ bundle: bundle.name });
      }
      const memo = (state.memo ??= this.memoOf(generation, identity.certificate.fingerprintSha256, identity.issuer.fingerprintSha256));
      let ruling = memo.decisions.get(route.index);
      if (ruling === undefined) {
        ruling = route.rules.decide({ certificate: identity.certificate, issuerFingerprintSha256: identity.issuer.fingerprintSha256 });
        memo.decisions.set(route.index, ruling);
      }
      if (!ruling.allowed) return reject('route_denied');
      let headers = memo.headers.get(route.headers);
      if (headers === undefined) {
        const by = this.options.by();
        headers = identityHeaders(
          route.headers,
          { certificate: identity.certificate, chain: identity.intermediates },
          by === undefined ? {} : { by },
        );
        memo.headers.set(route.headers, headers);
      }
      const allowed: RequestDecision = { outcome, reason: undefined, route, target: upstreamTarget, headers, certificate };
      if (route.token === undefined) return allowed;
      // The binding is to the certificate of this connection (RFC 8705 3): a renewed certificate has another thumbprint.
      return this.withToken(
        route,
        allowed,
        authorization,
        () => (memo.thumbprint ??= certificateThumbprint(identity.certificate.der)),
        now,
        state.token,
      );
    };
    // Every certificate below the anchor: a revoked intermediate refuses its leaves.
    const answer = bundle.source.check(identity.path, now);
    return answer instanceof Promise ? answer.then(rest) : rest(answer);
  }

  /** Metrics and the access log line of one finished exchange. */
  record(
    exchange: Exchange,
    decision: RequestDecision | undefined,
    status: number,
    reason: RejectionReason | undefined,
    upstreamMs: number | undefined,
    durationMs: number,
    detail?: string,
  ): void {
    const { metrics } = this.options;
    const route = decision?.route?.label ?? 'none';
    metrics.countRequest(route, status);
    if (reason !== undefined) metrics.rejections.inc({ route, reason });
    if (upstreamMs !== undefined) metrics.upstreamLatency.observeRoute(route, upstreamMs / 1000);
    this.options.accessLog.write({
      method: exchange.method,
      host: exchange.host,
      path: pathOf(exchange.target),
      httpVersion: exchange.httpVersion,
      status,
      route: decision?.route?.label,
      decision: reason !== undefined ? 'rejected' : (decision?.outcome ?? 'rejected'),
      reason,
      upstreamMs,
      durationMs,
      remoteAddress: exchange.remoteAddress,
      certificate: decision?.certificate,
      detail,
    });
  }

  /** The hooks of the HTTP/1.x relay on one listener. */
  http1Hooks(): Http1Hooks<RequestDecision> {
    const toAdmission = (decision: RequestDecision): Admission<RequestDecision> =>
      decision.reason === undefined && decision.route !== undefined
        ? { ok: true, target: decision.route.relay, requestTarget: decision.target, headers: decision.headers, context: decision }
        : {
            ok: false,
            reason: decision.reason ?? 'no_route',
            context: decision,
            ...(decision.challenge === undefined ? {} : { challenge: decision.challenge }),
          };
    return {
      admit: (socket: TLSSocket, head: RequestHead) => {
        const decided = this.decide(socket, socket, head.authority ?? '', head.target, () => authorizationField(head.fields));
        return decided instanceof Promise ? decided.then(toAdmission) : toAdmission(decided);
      },
      record: (end) => {
        const { head } = end;
        this.record(
          {
            method: head.method,
            host: head.authority ?? '',
            target: head.target,
            httpVersion: `1.${head.versionMinor}`,
            remoteAddress: end.remoteAddress,
          },
          end.context,
          end.status,
          end.reason,
          end.upstreamMs,
          end.durationMs,
          end.detail,
        );
      },
      malformed: (reason) => {
        this.options.metrics.countRequest('none', REJECTION_REASONS[reason].status);
        this.options.metrics.rejections.inc({ route: 'none', reason });
      },
      onError: this.options.onError,
    };
  }

  /** The request handler of the HTTP/2 server: decide, then proxy through the route's pool. */
  http2Handler(): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
    return (req, res) => {
      this.handleHttp2(req, res).catch((error: unknown) => {
        this.options.onError(error);
        sendProblem(res, 500, 'HTTP_INTERNAL_ERROR');
      });
    };
  }

  private async handleHttp2(req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
    const started = performance.now();
    const target = req.url ?? '/';
    const session = req.stream.session;
    const socket = session?.socket as TLSSocket;
    const exchange: Exchange = {
      method: req.method ?? '',
      host: req.authority ?? '',
      target,
      httpVersion: req.httpVersion,
      remoteAddress: socket?.remoteAddress,
    };
    let decision = this.decide(session ?? req.socket, socket, exchange.host, target, () => {
      const value = req.headers.authorization;
      return Array.isArray(value) ? value.join(', ') : value;
    });
    if (decision instanceof Promise) decision = await decision;
    const route = decision.route;
    if (decision.reason !== undefined || route === undefined) {
      const reason = decision.reason ?? 'no_route';
      this.reject(res, reason, decision.challenge);
      return this.record(exchange, decision, REJECTION_REASONS[reason].status, reason, undefined, performance.now() - started);
    }
    const outcome = await route.proxy.forward(req, res, decision.headers, decision.target);
    if (outcome.failure !== undefined) {
      this.reject(res, outcome.failure);
      return this.record(
        exchange,
        decision,
        REJECTION_REASONS[outcome.failure].status,
        outcome.failure,
        undefined,
        performance.now() - started,
        outcome.detail,
      );
    }
    this.record(exchange, decision, outcome.status, undefined, outcome.upstreamMs, performance.now() - started, outcome.detail);
  }

  private reject(res: Http2ServerResponse, reason: RejectionReason, challenge?: string): void {
    sendProblemDocument(res, rejectionProblem(reason), challenge === undefined ? {} : { 'WWW-Authenticate': challenge });
  }
}
