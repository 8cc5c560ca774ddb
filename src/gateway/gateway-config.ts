import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ACCESS_TOKEN_ALGORITHMS } from '../access-token/index.js';
import { SymbolonError } from '../errors.js';
import { compileRouteRules } from './route-rules.js';
import { compileRouteTable } from './route-table.js';

const ruleSchema = z
  .object({
    spiffeId: z.string().min(1),
    dns: z.string().min(1),
    uri: z.string().min(1),
    email: z.string().min(1),
    subjectCn: z.string(),
    subjectO: z.string(),
    subjectOu: z.string(),
    issuer: z.string().min(1),
    issuerFingerprint: z.string(),
    policyOid: z.string(),
    fingerprint: z.string(),
  })
  .partial()
  .strict();

const upstreamUrl = z
  .string()
  .url()
  .refine((text) => /^https?:$/.test(new URL(text).protocol), 'the upstream must be an http:// or https:// URL');

const routeSchema = z
  .object({
    host: z.string().min(1).default('*'),
    pathPrefix: z.string().startsWith('/').default('/'),
    upstream: upstreamUrl,
    clientCertificate: z.enum(['required', 'optional']).default('required'),
    allow: z.array(ruleSchema).default([]),
    deny: z.array(ruleSchema).default([]),
    // The trust bundles (by name) whose clients this route accepts; required when more than one is configured.
    trustBundles: z.array(z.string().min(1)).min(1).optional(),
    headers: z.enum(['xfcc', 'rfc9440', 'both', 'none']).default('xfcc'),
    // For an https:// upstream: the CAs its certificate must chain to (default: the system's), and
    // whether the gateway presents its own certificate to it (mTLS to the upstream).
    upstreamTls: z
      .object({
        caFile: z.string().min(1).optional(),
        clientCertificate: z.boolean().default(false),
        serverName: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    // Upstream connections kept per route.
    maxUpstreamConnections: z.number().int().positive().max(10_000).default(128),
    upstreamTimeoutMs: z.number().int().positive().default(30_000),
    // An OAuth access token (Authorization: Bearer) from a token issuer: bound (RFC 8705: its cnf
    // must name the certificate of the connection) or bearer (any holder; a bound token is still checked).
    token: z.enum(['bound', 'bearer']).optional(),
    // The issuer (a tokenIssuers[].issuer) whose tokens the route takes; default: the one configured.
    tokenIssuer: z.string().min(1).optional(),
    // The aud a token must carry (RFC 9068 4): required with token.
    audience: z.string().min(1).max(512).optional(),
    // Scopes a token must all carry.
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'a scope is an RFC 6749 3.3 scope-token'))
      .max(100)
      .default([]),
  })
  .strict()
  .superRefine((route, context) => {
    if (route.token !== undefined && route.audience === undefined)
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['audience'],
        message: 'a route with token needs the audience its tokens must carry',
      });
    if (route.token === undefined && (route.tokenIssuer !== undefined || route.audience !== undefined || route.scopes.length > 0))
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['token'],
        message: 'tokenIssuer, audience and scopes need token: bound or bearer',
      });
  });

const tokenIssuerSchema = z
  .object({
    // The issuer identifier tokens carry in iss (RFC 8414 2), such as https://ca.example:8443.
    issuer: z.string().url(),
    // Where its keys are; default: <issuer>/.well-known/jwks.json.
    jwksUrl: z
      .string()
      .url()
      .refine((text) => new URL(text).protocol === 'https:', 'the JWKS URL must be https://')
      .optional(),
    // The CAs the JWKS server's certificate must chain to; default: the trust bundles' CAs (inside `symbolon up`, its own CA).
    caFile: z.string().min(1).optional(),
    algorithms: z.array(z.enum(ACCESS_TOKEN_ALGORITHMS)).min(1).default(['ES256']),
    // Allowed difference between the issuer's clock and the gateway's.
    leewaySeconds: z.number().int().min(0).max(300).default(30),
  })
  .strict();

const revocationSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('feed'),
      // The feed endpoint of `symbolon up` (https://host:port/feed). Without it the gateway must run
      // inside `symbolon up`, which hands it the feed in process.
      url: z.string().url().optional(),
      // The client certificate (a `gateway` profile certificate) and key for the feed; default: the first listener's.
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
      // The CAs the feed server's certificate must chain to; default: the bundle's caFile.
      caFile: z.string().min(1).optional(),
      // With no event or heartbeat for this long, answers become `unavailable` (the fail policy decides).
      staleAfterSeconds: z.number().int().positive().default(60),
      // Once stale (the CA or its database away): failure-policy (default) answers unavailable and failurePolicy
      // decides; last-known keeps answering from the last known revoked set (fail static), staleness
      // shown in /metrics and /healthz. Revoked certificates are refused either way.
      whenStale: z.enum(['failure-policy', 'last-known']).optional(),
      // Where the revoked set is kept across restarts, so a gateway starts with it when the feed is away.
      snapshotFile: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('crl'),
      file: z.string().min(1).optional(),
      url: z.string().url().optional(),
      refreshSeconds: z.number().int().positive().default(300),
    })
    .strict(),
  // Without url, the responder named in each certificate's authorityInfoAccess is asked.
  z
    .object({
      kind: z.literal('ocsp'),
      url: z.string().url().optional(),
      cacheSeconds: z.number().int().positive().default(300),
      timeoutMs: z.number().int().positive().default(2000),
    })
    .strict(),
  z.object({ kind: z.literal('none') }).strict(),
]);

const trustBundleSchema = z
  .object({
    name: z.string().min(1),
    // The CA certificates (PEM) client chains must reach. Inside `symbolon up` it may be left out: Symbolon's own CA.
    caFile: z.string().min(1).optional(),
    revocation: revocationSchema,
    // hard-fail refuses a request whose status is unknown; soft-fail lets it through and logs it.
    failurePolicy: z.enum(['hard-fail', 'soft-fail']),
    // How client chains ending in these CAs are validated: strict (RFC 5280 conformance and the TLS
    // profile rules), or rfc5280 (only what RFC 5280 path validation requires) for legacy partner CAs.
    profile: z.enum(['strict', 'rfc5280']).default('strict'),
    // What a CRL past its nextUpdate means (RFC 5280 5.1.2.5): refuse, use it still, or use it for a grace period.
    staleCrl: z
      .object({ policy: z.enum(['reject', 'use', 'grace']), graceSeconds: z.number().int().nonnegative().default(0) })
      .strict()
      .default({ policy: 'reject' }),
  })
  .strict()
  .superRefine((bundle, context) => {
    const { revocation } = bundle;
    if (revocation.kind === 'crl' && (revocation.file === undefined) === (revocation.url === undefined)) {
      context.addIssue({ code: z.ZodIssueCode.custom, path: ['revocation'], message: 'a CRL source needs exactly one of file or url' });
    }
  });

const listenerSchema = z
  .object({
    address: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65535),
    // The server certificate chain (PEM, leaf first) and its key. Inside `symbolon up` both may be
    // left out: the CA issues the gateway a certificate and renews it before it expires.
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    minTlsVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    alpn: z
      .array(z.enum(['h2', 'http/1.1']))
      .min(1)
      .default(['h2', 'http/1.1']),
    // Staple an OCSP response for the gateway's own certificate, from the responder its authorityInfoAccess names.
    ocspStapling: z.boolean().default(true),
  })
  .strict()
  .refine((listener) => (listener.certFile === undefined) === (listener.keyFile === undefined), 'certFile and keyFile go together');

const limitsSchema = z
  .object({
    handshakeTimeoutMs: z.number().int().positive().default(10_000),
    maxHeaderBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(16 * 1024),
    idleTimeoutMs: z.number().int().positive().default(60_000),
    // Connections handed to the TLS layer (in their handshake or past it).
    maxConnections: z.number().int().positive().default(10_000),
    // Connections not yet handed to it: no complete ClientHello yet, or one waiting its turn. A
    // socket and some bytes each; the oldest is evicted when full. Each needs a file descriptor.
    maxWaitingConnections: z.number().int().positive().default(16_384),
    // A chunked HTTP/1.1 request body up to this size is read whole and its framing checked before the
    // request goes upstream (a malformed one is refused with nothing sent); larger ones stream. 0: all stream.
    bufferedChunkedBodyBytes: z
      .number()
      .int()
      .min(0)
      .max(1024 * 1024)
      .default(64 * 1024),
  })
  .strict();

const adminSchema = z
  .object({
    address: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535),
  })
  .strict();

export const gatewayConfigSchema = z
  .object({
    listeners: z.array(listenerSchema).min(1),
    trustBundles: z.array(trustBundleSchema).min(1),
    routes: z.array(routeSchema).min(1),
    // OAuth authorization servers whose access tokens routes with token: accept.
    tokenIssuers: z.array(tokenIssuerSchema).max(16).default([]),
    limits: limitsSchema.default({}),
    // Prometheus /metrics (and /healthz) on a separate plain-HTTP listener; none when absent.
    admin: adminSchema.optional(),
    // One JSON line per request: to standard output, to a file, or not at all.
    accessLog: z.union([z.literal('stdout'), z.literal('off'), z.object({ file: z.string().min(1) }).strict()]).default('stdout'),
  })
  .strict();

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function pathText(path: readonly (string | number)[]): string {
  return path.length === 0
    ? '(top level)'
    : path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/**
 * Validates a configuration object (already parsed from YAML or JSON) into a frozen
 * `GatewayConfig`; route rules and hosts are compiled to check them. Throws
 * `GATEWAY_CONFIG_INVALID` whose message names each bad field by path (`routes[1].upstream`).
 */
export function validateGatewayConfig(input: unknown): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${pathText(issue.path)}: ${issue.message}`);
    throw new SymbolonError('GATEWAY_CONFIG_INVALID', `the gateway configuration is not valid: ${problems.join('; ')}`);
  }
  const config = result.data;
  checkTrustBundleNames(config);
  checkTokenIssuers(config);
  config.routes.forEach((route, index) => {
    try {
      compileRouteRules(route);
    } catch (error) {
      if (error instanceof SymbolonError)
        throw new SymbolonError('GATEWAY_CONFIG_INVALID', `routes[${index}].${error.message}`, { cause: error });
      throw error;
    }
  });
  try {
    compileRouteTable(
      config.routes.map((route, index) => ({
        host: route.host,
        pathPrefix: route.pathPrefix,
        clientCertificate: route.clientCertificate,
        route: index,
      })),
    );
  } catch (error) {
    if (error instanceof SymbolonError) throw new SymbolonError('GATEWAY_CONFIG_INVALID', `routes: ${error.message}`, { cause: error });
    throw error;
  }
  return deepFreeze(config);
}

/**
 * Bundle names are unique, and each route names the bundles it accepts when there is more than one:
 * otherwise a partner CA's client could satisfy a rule (`subjectO: Acme`) written for your own.
 */
function checkTrustBundleNames(config: GatewayConfig): void {
  const names = config.trustBundles.map((bundle) => bundle.name);
  const problems: string[] = [];
  names.forEach((name, index) => {
    if (names.indexOf(name) !== index) problems.push(`trustBundles[${index}].name: "${name}" is the name of an earlier bundle`);
  });
  config.routes.forEach((route, index) => {
    if (route.trustBundles === undefined) {
      if (names.length > 1)
        problems.push(
          `routes[${index}].trustBundles: with more than one trust bundle (${names.join(', ')}), each route names those it accepts`,
        );
      return;
    }
    route.trustBundles.forEach((name, at) => {
      if (!names.includes(name))
        problems.push(`routes[${index}].trustBundles[${at}]: "${name}" is not the name of a trust bundle (${names.join(', ')})`);
    });
  });
  if (problems.length > 0)
    throw new SymbolonError('GATEWAY_CONFIG_INVALID', `the gateway configuration is not valid: ${problems.join('; ')}`);
}

/** Issuers are unique, and each token route names one of them (or there is exactly one). */
function checkTokenIssuers(config: GatewayConfig): void {
  const issuers = config.tokenIssuers.map((entry) => entry.issuer);
  const problems: string[] = [];
  issuers.forEach((issuer, index) => {
    if (issuers.indexOf(issuer) !== index) problems.push(`tokenIssuers[${index}].issuer: "${issuer}" is listed twice`);
  });
  config.routes.forEach((route, index) => {
    if (route.token === undefined) return;
    if (route.tokenIssuer === undefined) {
      if (issuers.length !== 1)
        problems.push(
          `routes[${index}].tokenIssuer: ${issuers.length === 0 ? 'a route with token needs tokenIssuers configured' : `name one of ${issuers.join(', ')}`}`,
        );
    } else if (!issuers.includes(route.tokenIssuer))
      problems.push(`routes[${index}].tokenIssuer: "${route.tokenIssuer}" is not the issuer of a tokenIssuers entry`);
  });
  if (problems.length > 0)
    throw new SymbolonError('GATEWAY_CONFIG_INVALID', `the gateway configuration is not valid: ${problems.join('; ')}`);
}

/** Parses YAML text and validates it; throws `GATEWAY_CONFIG_INVALID` for bad YAML too. */
export function parseGatewayConfig(yamlText: string): GatewayConfig {
  let input: unknown;
  try {
    // maxAliasCount bounds "billion laughs" alias expansion.
    input = parseYaml(yamlText, { maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    // The yaml library's message ends in a code frame over several lines; the first line says what and where.
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    throw new SymbolonError('GATEWAY_CONFIG_INVALID', `the gateway configuration is not valid YAML: ${message}`, { cause: error });
  }
  return validateGatewayConfig(input);
}
