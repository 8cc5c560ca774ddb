import { ValidationCache } from '../../path/index.js';
import type { PathFailure } from '../../path/index.js';
import type { Certificate } from '../../x509/index.js';
import type { GatewayConfig } from '../gateway-config.js';
import type { IdentityHeaderMode } from '../identity-headers.js';
import type { RevocationSource } from '../revocation/revocation-source.js';
import { compileRouteRules } from '../route-rules.js';
import type { CompiledRouteRules } from '../route-rules.js';
import { compileRouteTable } from '../route-table.js';
import type { RouteTable } from '../route-table.js';
import { ClientVerifier } from './client-verifier.js';
import type { BundleMaterial, GatewayMaterial } from './gateway-material.js';
import { UpstreamPool } from '../http1/upstream-pool.js';
import { UpstreamProxy } from './upstream-proxy.js';
import { JwksSource } from './jwks-source.js';
import type { RouteTokenPolicy } from './token-guard.js';

export interface RouteRuntime {
  readonly index: number;
  /** The metric and log label: `host/pathPrefix`. */
  readonly label: string;
  readonly rules: CompiledRouteRules;
  /** The trust bundles (indexes) whose clients the route accepts; undefined: the one bundle configured. */
  readonly trustBundles: ReadonlySet<number> | undefined;
  readonly headers: IdentityHeaderMode;
  /** HTTP/2 requests go through undici's pool, */
  readonly proxy: UpstreamProxy;
  /** HTTP/1.x requests through the relay's. */
  readonly relay: { readonly pool: UpstreamPool; readonly basePath: string; readonly timeoutMs: number };
  /** The access token the route requires, if any. */
  readonly token: RouteTokenPolicy | undefined;
}

export interface BundleRuntime {
  readonly name: string;
  readonly failurePolicy: 'hard-fail' | 'soft-fail';
  readonly source: RevocationSource;
  /** Reuse key: the same revocation configuration and CAs keep the same running source over a reload. */
  readonly key: string;
}

/** Everything one configuration amounts to. A reload builds a new one; requests in flight keep theirs. */
export interface GatewayGeneration {
  readonly id: number;
  readonly config: GatewayConfig;
  readonly material: GatewayMaterial;
  readonly verifier: ClientVerifier;
  readonly table: RouteTable<number>;
  readonly routes: readonly RouteRuntime[];
  readonly bundles: readonly BundleRuntime[];
  /** The keys of each configured token issuer, in `config.tokenIssuers` order. */
  readonly tokenIssuers: readonly JwksSource[];
}

export type RevocationSourceFactory = (bundle: BundleMaterial, material: GatewayMaterial) => Promise<RevocationSource>;

/** The reuse key of a bundle's revocation source: its configuration and its CAs. */
export function bundleKey(bundle: BundleMaterial): string {
  return JSON.stringify([
    bundle.config.revocation,
    bundle.config.staleCrl,
    bundle.certificates.map((certificate) => certificate.fingerprintSha256),
  ]);
}

export interface GenerationParts {
  readonly id: number;
  readonly config: GatewayConfig;
  readonly material: GatewayMaterial;
  readonly validationCache: ValidationCache;
  /** Running sources of the previous generation, by reuse key: kept when unchanged. */
  readonly previousSources: ReadonlyMap<string, RevocationSource>;
  readonly createSource: RevocationSourceFactory;
  readonly onDisagreement: (failure: PathFailure, certificate: Certificate) => void;
  /** A failure to close what a failed build opened, and a token issuer's keys that cannot be fetched. */
  readonly onError: (error: unknown) => void;
  /** The gateway's clock (default: the system's). */
  readonly clock?: () => Date;
}

/**
 * Builds a generation: compiles routes and rules, opens upstream pools, creates (not starts) new
 * revocation sources. All or nothing: on a failure what it opened is closed and the error thrown.
 */
export async function buildGeneration(parts: GenerationParts): Promise<GatewayGeneration> {
  const { config, material } = parts;
  const bundlesOfAnchor = new Map<string, number[]>();
  material.bundles.forEach((bundle, index) => {
    for (const certificate of bundle.certificates) {
      const indexes = bundlesOfAnchor.get(certificate.fingerprintSha256) ?? [];
      if (!indexes.includes(index)) indexes.push(index);
      bundlesOfAnchor.set(certificate.fingerprintSha256, indexes);
    }
  });
  const bundleIndexOf = new Map(config.trustBundles.map((bundle, index) => [bundle.name, index]));
  const bundles: BundleRuntime[] = [];
  const routes: RouteRuntime[] = [];
  const tokenIssuers = config.tokenIssuers.map(
    (issuer, index) =>
      new JwksSource({
        url: issuer.jwksUrl ?? `${issuer.issuer.replace(/\/$/, '')}/.well-known/jwks.json`,
        ca: material.tokenIssuerCaPem[index] ?? material.caPem,
        clock: parts.clock ?? (() => new Date()),
        onError: parts.onError,
      }),
  );
  try {
    for (const bundle of material.bundles) {
      const key = bundleKey(bundle);
      bundles.push({
        name: bundle.config.name,
        failurePolicy: bundle.config.failurePolicy,
        key,
        source: parts.previousSources.get(key) ?? (await parts.createSource(bundle, material)),
      });
    }
    config.routes.forEach((route, index) =>
      routes.push(routeRuntime(route, index, material, bundleIndexOf, tokenIssuers, config.tokenIssuers)),
    );
    // Fetched in the background: a token check waits for a fetch in flight; a failed one refuses tokens.
    for (const source of tokenIssuers) void source.start();
    return {
      id: parts.id,
      config,
      material,
      verifier: new ClientVerifier({
        anchors: material.anchors,
        bundlesOfAnchor,
        bundleProfiles: material.bundles.map((bundle) => bundle.config.profile),
        validationCache: parts.validationCache,
        onDisagreement: parts.onDisagreement,
      }),
      table: compileRouteTable(
        config.routes.map((route, index) => ({
          host: route.host,
          pathPrefix: route.pathPrefix,
          clientCertificate: route.clientCertificate,
          route: index,
        })),
      ),
      routes,
      bundles,
      tokenIssuers,
    };
  } catch (error) {
    // All or nothing: what this build opened is closed; the previous generation's sources are not its to close.
    await closeGeneration({ routes, bundles, tokenIssuers }, new Set(parts.previousSources.values()), parts.onError);
    throw error;
  }
}

function routeRuntime(
  route: GatewayConfig['routes'][number],
  index: number,
  material: GatewayMaterial,
  bundleIndexOf: ReadonlyMap<string, number>,
  tokenIssuers: readonly JwksSource[],
  issuers: GatewayConfig['tokenIssuers'],
): RouteRuntime {
  const listener = material.listeners[0]!;
  const upstreamTls = route.upstreamTls;
  const ca = material.upstreamCaPem[index];
  const tls =
    upstreamTls === undefined
      ? undefined
      : {
          ...(ca === undefined ? {} : { ca }),
          ...(upstreamTls.clientCertificate ? { cert: listener.certPem, key: listener.keyPem } : {}),
          ...(upstreamTls.serverName === undefined ? {} : { serverName: upstreamTls.serverName }),
        };
  const url = new URL(route.upstream);
  const issuerIndex = route.tokenIssuer === undefined ? 0 : issuers.findIndex((issuer) => issuer.issuer === route.tokenIssuer);
  const issuer = issuers[issuerIndex];
  const token: RouteTokenPolicy | undefined =
    route.token === undefined || issuer === undefined || route.audience === undefined
      ? undefined
      : {
          mode: route.token,
          issuer: issuer.issuer,
          audience: route.audience,
          scopes: route.scopes,
          algorithms: issuer.algorithms,
          leewaySeconds: issuer.leewaySeconds,
          keys: tokenIssuers[issuerIndex]!,
        };
  return {
    token,
    index,
    label: `${route.host}${route.pathPrefix}`,
    rules: compileRouteRules(route),
    trustBundles: route.trustBundles === undefined ? undefined : new Set(route.trustBundles.map((name) => bundleIndexOf.get(name)!)),
    headers: route.headers,
    proxy: new UpstreamProxy({
      url: route.upstream,
      maxConnections: route.maxUpstreamConnections,
      timeoutMs: route.upstreamTimeoutMs,
      ...(tls === undefined ? {} : { tls }),
    }),
    relay: {
      pool: new UpstreamPool({
        origin: url,
        maxConnections: route.maxUpstreamConnections,
        connectTimeoutMs: Math.min(route.upstreamTimeoutMs, 10_000),
        ...(url.protocol === 'https:' && tls !== undefined ? { tls } : {}),
      }),
      basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, ''),
      timeoutMs: route.upstreamTimeoutMs,
    },
  };
}

/**
 * Closes what a generation holds: its upstream pools, and its revocation sources but those in
 * `keptSources` (carried into the next generation). Never rejects: failures go to `onError`.
 */
export async function closeGeneration(
  generation: Pick<GatewayGeneration, 'routes' | 'bundles' | 'tokenIssuers'>,
  keptSources: ReadonlySet<RevocationSource>,
  onError: (error: unknown) => void,
): Promise<void> {
  for (const source of generation.tokenIssuers) source.close();
  await Promise.all([
    ...generation.routes.flatMap((route) => [route.proxy.close().catch(onError), route.relay.pool.close()]),
    ...generation.bundles.filter((bundle) => !keptSources.has(bundle.source)).map((bundle) => bundle.source.close().catch(onError)),
  ]);
}
