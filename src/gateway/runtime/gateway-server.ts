import { readFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import { SymbolonError } from '../../errors.js';
import { closeServer, listen } from '../../http/index.js';
import { deadlines } from '../../http/index.js';
import type { ListenAddress } from '../../http/index.js';
import { ValidationCache } from '../../path/index.js';
import type { GatewayConfig } from '../gateway-config.js';
import { createRevocationSource } from '../revocation/index.js';
import type { RevocationSourceContext } from '../revocation/index.js';
import { createAccessLog } from './access-log.js';
import type { AccessLog } from './access-log.js';
import { buildGeneration, closeGeneration } from './gateway-generation.js';
import type { GatewayGeneration } from './gateway-generation.js';
import { configPath, loadGatewayMaterial } from './gateway-material.js';
import type { BuiltInMaterial, GatewayMaterial, ServerIdentity } from './gateway-material.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { OcspStapler } from './ocsp-stapler.js';
import { ClientHelloQueue } from './client-hello-queue.js';
import { ConnectionBudget } from './connection-budget.js';
import { createGatewayListener } from './gateway-listener.js';
import type { GatewayListener } from './gateway-listener.js';
import { RequestHandler } from './request-handler.js';
import { createAdminServer } from './admin-server.js';

export interface GatewayOptions {
  readonly config: GatewayConfig;
  /** Relative file names in the configuration are taken from here (the configuration file's folder). */
  readonly baseDir: string;
  /** Symbolon's CA standing in for files the configuration leaves out (inside `symbolon up`). */
  readonly builtIn?: BuiltInMaterial;
  /** Inside `symbolon up`: the revocation feed in process, for bundles whose feed names no url. */
  readonly inProcessFeed?: RevocationSourceContext['inProcessFeed'];
  readonly clock?: () => Date;
  /** Operational faults and notices (never a request's data): the caller logs them. */
  readonly onError: (error: unknown) => void;
  /**
   * Admin listener bound elsewhere (by a cluster primary that aggregates workers' metrics):
   * when true, the configuration's `admin` is not opened here.
   */
  readonly skipAdmin?: boolean;
}

export interface Gateway {
  /** Where each listener of the configuration is bound (port 0 in the configuration gets a free port). */
  readonly listeners: readonly ListenAddress[];
  readonly admin: ListenAddress | undefined;
  readonly metrics: GatewayMetrics;
  /** The configuration in force. */
  readonly config: GatewayConfig;
  /** Every file the configuration in force names (certificates, keys, CA bundles). */
  readonly files: readonly string[];
  /**
   * Re-reads every file and swaps in the new configuration: new handshakes and new requests use
   * it, requests in flight finish with the old one. On any error the old one stays in force and
   * the error is thrown (`GATEWAY_RELOAD_REFUSED` when listeners would move).
   */
  reload(config?: GatewayConfig): Promise<void>;
  close(): Promise<void>;
}

function listenerKey(config: GatewayConfig): string {
  return (
    JSON.stringify(config.listeners.map((listener) => [listener.address, listener.port, listener.alpn])) +
    JSON.stringify(config.admin ?? null)
  );
}

function secureContextOptions(
  identity: ServerIdentity,
  material: GatewayMaterial,
  listener: GatewayConfig['listeners'][number],
): SecureContextOptions {
  return {
    key: identity.keyPem,
    cert: identity.certPem,
    ca: material.caPem,
    minVersion: listener.minTlsVersion,
  };
}

/**
 * Whether the listeners refuse a handshake without client certificate: when no route takes a
 * client without one. Routes are shared by every listener (and every host they serve by SNI), so
 * one `clientCertificate: optional` route anywhere keeps certificate-less handshakes open, and
 * the routes that require one refuse such requests with 403 `no_certificate`.
 */
export function requiresCertificate(config: GatewayConfig): boolean {
  return config.routes.every((route) => route.clientCertificate === 'required');
}

/** Throws `GATEWAY_TLS_MATERIAL_INVALID` when OpenSSL refuses the listener's material (a key too small for its security level, say). */
function checkSecureContext(context: SecureContextOptions, index: number): void {
  try {
    createSecureContext(context);
  } catch (error) {
    throw new SymbolonError(
      'GATEWAY_TLS_MATERIAL_INVALID',
      `OpenSSL refuses the certificate or key of listeners[${index}]: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** The shortest handshake deadline a full connection budget shortens to. */
const MIN_HANDSHAKE_TIMEOUT_MS = 1000;
/** Waiting ClientHellos answered per turn of the event loop (each costs about a millisecond of key exchange and signature). */
const CLIENT_HELLOS_PER_TURN = 1;
/**
 * In a flood, how long a complete ClientHello may wait for its turn before it is parked
 * unanswered. A good client's whole request has a second or so; past half of it, the answer would
 * come too late.
 */
const CLIENT_HELLO_MAX_WAIT_MS = 500;
/** The kernel's queue of connections not yet accepted (Linux caps it at net.core.somaxconn). */
const LISTEN_BACKLOG = 4096;

function handshakeFailureReason(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  return 'tls_error';
}

/** Starts the gateway's listeners and admin listener; resolves once all are bound and revocation sources have loaded. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const clock = options.clock ?? (() => new Date());
  const validationCache = new ValidationCache();
  let material = await loadGatewayMaterial(options.config, options.baseDir, options.builtIn);
  let generationId = 0;
  let generation: GatewayGeneration;
  let staplers: OcspStapler[] = [];
  const servers: TlsServer[] = [];
  let accessLog: AccessLog = createAccessLog(options.config.accessLog);

  const metrics = new GatewayMetrics({
    revocation: () =>
      generation.bundles.map((bundle) => ({ bundle: bundle.name, kind: bundle.source.kind, ...bundle.source.stats(clock()) })),
    serverCertificates: () =>
      material.listeners.map((identity, index) => ({ listener: String(index), notAfterMs: identity.certificate.notAfter.getTime() })),
    openConnections: () => budget.establishedCount,
    handshakingConnections: () => budget.handshakeCount,
    waitingConnections: () => waiting.size,
  });
  const { limits } = options.config;
  const minHandshakeTimeoutMs = Math.min(MIN_HANDSHAKE_TIMEOUT_MS, limits.handshakeTimeoutMs);
  const budget = new ConnectionBudget<Socket>(
    { maxConnections: limits.maxConnections, handshakeTimeoutMs: limits.handshakeTimeoutMs, minHandshakeTimeoutMs },
    (reason) => metrics.connectionDrops.inc({ reason }),
  );
  // Nothing in it finishes a handshake, and its deadline is each connection's own timer: it only evicts.
  const waiting = new ConnectionBudget<Socket>(
    { maxConnections: limits.maxWaitingConnections, handshakeTimeoutMs: limits.handshakeTimeoutMs, minHandshakeTimeoutMs },
    () => metrics.connectionDrops.inc({ reason: 'evicted_waiting' }),
  );
  const helloQueue = new ClientHelloQueue({
    perTurn: CLIENT_HELLOS_PER_TURN,
    maxWaitMs: CLIENT_HELLO_MAX_WAIT_MS,
    // More connections wait for TLS than the budget takes: a flood.
    isFlooded: () => waiting.size > limits.maxConnections,
    now: () => performance.now(),
    atNextTurn: (task) => setTimeout(task, 0),
    atEndOfTurn: (task) => setImmediate(task),
  });
  // The shortened handshake deadline, checked with the HTTP/1 connections' deadlines.
  const budgetDeadline = {
    get deadline(): number {
      return budget.nextDeadline();
    },
    onDeadline(): void {
      budget.expire(performance.now());
    },
  };

  const readConfigFile = (path: string): Promise<Buffer> => readFile(configPath(options.baseDir, path));
  const newGeneration = (
    config: GatewayConfig,
    loaded: GatewayMaterial,
    previous: GatewayGeneration | undefined,
  ): Promise<GatewayGeneration> =>
    buildGeneration({
      id: ++generationId,
      config,
      material: loaded,
      validationCache,
      previousSources: new Map(previous?.bundles.map((bundle) => [bundle.key, bundle.source]) ?? []),
      clock,
      createSource: (bundle, source) =>
        createRevocationSource(bundle.config, {
          caCertificates: bundle.certificates,
          readFile: readConfigFile,
          feedClient: { cert: source.listeners[0]!.certPem, key: source.listeners[0]!.keyPem },
          inProcessFeed: options.inProcessFeed,
          onError: options.onError,
          clock,
        }),
      onError: options.onError,
      onDisagreement: (failure, certificate) => {
        metrics.validatorDisagreements.inc({ code: failure.code });
        options.onError(
          new Error(
            `OpenSSL accepted the client certificate ${certificate.fingerprintSha256} (serial ${certificate.serialNumber}) but the strict validator refused it: ${failure.code}: ${failure.detail}`,
          ),
        );
      },
    });

  /** All or nothing: on a failure the staplers started are closed. */
  const startStaplers = async (loaded: GatewayMaterial, config: GatewayConfig): Promise<OcspStapler[]> => {
    const started: OcspStapler[] = [];
    try {
      for (const [index, identity] of loaded.listeners.entries()) {
        const issuer = identity.chain[1];
        if (!config.listeners[index]!.ocspStapling || issuer === undefined) continue;
        const stapler = new OcspStapler({ certificate: identity.certificate, issuer, clock, onError: options.onError });
        if (!stapler.isActive) continue;
        started.push(stapler);
        await stapler.start();
      }
    } catch (error) {
      for (const stapler of started) stapler.close();
      throw error;
    }
    return started;
  };

  generation = await newGeneration(options.config, material, undefined);
  try {
    await Promise.all(generation.bundles.map((bundle) => bundle.source.start()));
    staplers = await startStaplers(material, options.config);
  } catch (error) {
    await closeGeneration(generation, new Set(), options.onError);
    throw error;
  }

  const handler = new RequestHandler({
    current: () => generation,
    metrics,
    get accessLog() {
      return accessLog;
    },
    clock,
    by: () => material.listeners[0]?.certificate.uris[0],
    onError: options.onError,
  });

  const closers: (() => Promise<void>)[] = [];
  const addresses: ListenAddress[] = [];
  const gatewayListeners: GatewayListener[] = [];
  deadlines.add(budgetDeadline);
  try {
    for (const [index, listener] of options.config.listeners.entries()) {
      const gatewayListener = createGatewayListener({
        listener,
        limits,
        secureContext: secureContextOptions(material.listeners[index]!, material, listener),
        requiresCertificate: requiresCertificate(options.config),
        budget,
        waiting,
        helloQueue,
        http1: handler.http1Hooks(),
        onHttp2Request: handler.http2Handler(),
        // Accepted: verified by OpenSSL, or without certificate where a route is optional.
        onSecureConnection: (socket) =>
          metrics.handshakes.inc({ result: 'accepted', reason: socket.authorized ? 'none' : 'no_certificate' }),
        onHandshakeRefused: (refusal) => {
          metrics.handshakes.inc({ result: 'rejected', reason: refusal.reason });
          accessLog.refusedHandshake(refusal);
        },
        onParked: () => metrics.clientHellosParked.inc(),
        onHandshakeFailure: (error) => metrics.handshakes.inc({ result: 'failed', reason: handshakeFailureReason(error) }),
        staple: () => staplers[index]?.current(),
      });
      gatewayListeners.push(gatewayListener);
      closers.push(() => gatewayListener.close());
      addresses.push(await listen(gatewayListener.server, { host: listener.address, port: listener.port }, LISTEN_BACKLOG));
      servers.push(gatewayListener.tls);
    }
  } catch (error) {
    deadlines.delete(budgetDeadline);
    for (const close of closers) await close();
    for (const stapler of staplers) stapler.close();
    await closeGeneration(generation, new Set(), options.onError);
    throw error;
  }

  let admin: ListenAddress | undefined;
  let adminServer: HttpServer | undefined;
  if (options.config.admin !== undefined && options.skipAdmin !== true) {
    adminServer = createAdminServer(metrics.registry, options.onError);
    admin = await listen(adminServer, { host: options.config.admin.address, port: options.config.admin.port });
  }

  let config = options.config;
  let reloading: Promise<void> = Promise.resolve();
  /** Generations replaced by a reload, waiting for their requests in flight: closed by their timer, or by `close`. */
  const retiring = new Map<NodeJS.Timeout, () => Promise<void>>();

  async function applyReload(next: GatewayConfig): Promise<void> {
    if (listenerKey(next) !== listenerKey(config))
      throw new SymbolonError('GATEWAY_RELOAD_REFUSED', 'listener or admin addresses changed: restart the gateway to move them');
    const loaded = await loadGatewayMaterial(next, options.baseDir, options.builtIn);
    const previous = generation;
    // All or nothing: the whole new generation is built and started before anything is swapped in;
    // on a failure what was built is closed (never the sources it shares with the old one).
    const built = await newGeneration(next, loaded, previous);
    const reused = new Set(previous.bundles.map((bundle) => bundle.source));
    let nextStaplers: OcspStapler[] = [];
    let nextLog: AccessLog | undefined;
    let contexts: SecureContextOptions[];
    try {
      await Promise.all(built.bundles.filter((bundle) => !reused.has(bundle.source)).map((bundle) => bundle.source.start()));
      nextStaplers = await startStaplers(loaded, next);
      contexts = next.listeners.map((listener, index) => secureContextOptions(loaded.listeners[index]!, loaded, listener));
      // Made once here so that one OpenSSL refuses fails the reload before any listener has changed.
      contexts.forEach((context, index) => checkSecureContext(context, index));
      if (JSON.stringify(next.accessLog) !== JSON.stringify(config.accessLog)) nextLog = createAccessLog(next.accessLog);
    } catch (error) {
      for (const stapler of nextStaplers) stapler.close();
      await closeGeneration(built, reused, options.onError);
      throw error;
    }
    // The swap: from here on new handshakes and new requests see the new material.
    contexts.forEach((context, index) => servers[index]!.setSecureContext(context));
    for (const gatewayListener of gatewayListeners) gatewayListener.setRequiresCertificate(requiresCertificate(next));
    generation = built;
    material = loaded;
    const oldStaplers = staplers;
    staplers = nextStaplers;
    for (const stapler of oldStaplers) stapler.close();
    if (nextLog !== undefined) {
      const oldLog = accessLog;
      accessLog = nextLog;
      void oldLog.close();
    }
    config = next;
    // Old upstream pools and sources close once requests in flight can no longer need them.
    const kept = new Set(built.bundles.map((bundle) => bundle.source));
    const retire = (): Promise<void> => closeGeneration(previous, kept, options.onError);
    const timer = setTimeout(
      () => {
        retiring.delete(timer);
        void retire();
      },
      next.routes.reduce((longest, route) => Math.max(longest, route.upstreamTimeoutMs), 0) + 1000,
    );
    timer.unref();
    retiring.set(timer, retire);
  }

  return {
    listeners: addresses,
    admin,
    metrics,
    get config() {
      return config;
    },
    get files() {
      return material.files;
    },
    reload(next = config) {
      const attempt = reloading.then(() => applyReload(next));
      reloading = attempt.then(
        () => metrics.reloads.inc({ result: 'ok' }),
        () => metrics.reloads.inc({ result: 'failed' }),
      );
      return attempt;
    },
    async close() {
      for (const [timer, retire] of retiring) {
        clearTimeout(timer);
        await retire();
      }
      retiring.clear();
      for (const stapler of staplers) stapler.close();
      deadlines.delete(budgetDeadline);
      await Promise.all(closers.map((close) => close()));
      if (adminServer !== undefined) await closeServer(adminServer);
      await Promise.all(generation.routes.map((route) => route.proxy.close().catch(() => undefined)));
      await Promise.all(generation.routes.map((route) => route.relay.pool.close()));
      for (const bundle of generation.bundles) await bundle.source.close();
      await accessLog.close();
    },
  };
}
