import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
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
    headers: z.enum(['xfcc', 'rfc9440', 'both', 'none']).default('xfcc'),
  })
  .strict();

const revocationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('feed'), url: z.string().url() }).strict(),
  z.object({ kind: z.literal('crl'), file: z.string().min(1).optional(), url: z.string().url().optional(), refreshSeconds: z.number().int().positive().default(300) }).strict(),
  z.object({ kind: z.literal('ocsp'), url: z.string().url().optional(), cacheSeconds: z.number().int().positive().default(300) }).strict(),
  z.object({ kind: z.literal('none') }).strict(),
]);

const trustBundleSchema = z
  .object({
    name: z.string().min(1),
    caFile: z.string().min(1),
    revocation: revocationSchema,
    // hard-fail refuses a request whose status is unknown; soft-fail lets it through and logs it.
    failurePolicy: z.enum(['hard-fail', 'soft-fail']),
    // What a CRL past its nextUpdate means (RFC 5280 5.1.2.5): refuse, use it still, or use it for a grace period.
    staleCrl: z.object({ policy: z.enum(['reject', 'use', 'grace']), graceSeconds: z.number().int().nonnegative().default(0) }).strict().default({ policy: 'reject' }),
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
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    minTlsVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    alpn: z.array(z.enum(['h2', 'http/1.1'])).min(1).default(['h2', 'http/1.1']),
  })
  .strict();

const limitsSchema = z
  .object({
    handshakeTimeoutMs: z.number().int().positive().default(10_000),
    maxHeaderBytes: z.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
    idleTimeoutMs: z.number().int().positive().default(60_000),
    maxConnections: z.number().int().positive().default(10_000),
  })
  .strict();

export const gatewayConfigSchema = z
  .object({
    listeners: z.array(listenerSchema).min(1),
    trustBundles: z.array(trustBundleSchema).min(1),
    routes: z.array(routeSchema).min(1),
    limits: limitsSchema.default({}),
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
  return path.length === 0 ? '(top level)' : path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
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
    throw new SymbolonError('GATEWAY_CONFIG_INVALID', `the gateway configuration is not valid:\n  ${problems.join('\n  ')}`);
  }
  const config = result.data;
  config.routes.forEach((route, index) => {
    try {
      compileRouteRules(route);
    } catch (error) {
      if (error instanceof SymbolonError) throw new SymbolonError('GATEWAY_CONFIG_INVALID', `routes[${index}].${error.message}`, { cause: error });
      throw error;
    }
  });
  try {
    compileRouteTable(config.routes.map((route, index) => ({ host: route.host, pathPrefix: route.pathPrefix, clientCertificate: route.clientCertificate, route: index })));
  } catch (error) {
    if (error instanceof SymbolonError) throw new SymbolonError('GATEWAY_CONFIG_INVALID', `routes: ${error.message}`, { cause: error });
    throw error;
  }
  return deepFreeze(config);
}

/** Parses YAML text and validates it; throws `GATEWAY_CONFIG_INVALID` for bad YAML too. */
export function parseGatewayConfig(yamlText: string): GatewayConfig {
  let input: unknown;
  try {
    // maxAliasCount bounds "billion laughs" alias expansion.
    input = parseYaml(yamlText, { maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    throw new SymbolonError('GATEWAY_CONFIG_INVALID', `the gateway configuration is not valid YAML: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return validateGatewayConfig(input);
}
