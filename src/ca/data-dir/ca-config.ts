import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { SymbolonError } from '../../errors.js';
import { isPostgresUrl } from '../../store/index.js';
import { attributeTypeOid, EXTENDED_KEY_USAGES, KEY_USAGES } from '../../x509/index.js';
import { isLifetime, parseLifetime } from '../policy/lifetime.js';
import { isCidr, isDnsPattern, isSpiffePathPattern } from '../policy/name-rules.js';
import { BUILT_IN_PROFILES, MIN_LIFETIME_SECONDS, PROFILE_KEY_TYPES } from '../policy/profile.js';
import type { NameRules, Profile } from '../policy/profile.js';

/** The CA's configuration, parsed once, frozen and passed down. */
export interface CaConfig {
  readonly version: 1;
  /** Shown in the CA names: `<name> Root CA`, `<name> Intermediate CA 1`. */
  readonly name: string;
  /** Where the CA publishes its CRLs, OCSP responder and certificates (`https://ca.example.com`). */
  readonly publicBaseUrl: string | undefined;
  /** The SPIFFE trust domain this CA issues SVIDs for. */
  readonly spiffeTrustDomain: string | undefined;
  /**
   * Publish delta CRLs (RFC 5280 5.2.4) and stamp the Freshest CRL extension (4.2.1.15) into the
   * certificates of every profile that carries a CRL distribution point.
   */
  readonly deltaCrl: boolean;
  /**
   * The PostgreSQL database the CA's records are kept in (`postgres://user@host:port/db`), shared
   * by every node of the CA; undefined for the data directory's own SQLite file. Never with a
   * password: this file is copied into the audit log (use PGPASSWORD or ~/.pgpass).
   */
  readonly database: string | undefined;
  /** Every profile by name: the built-ins, then the configured ones (which may replace them). */
  readonly profiles: Readonly<Record<string, Profile>>;
  /** What `symbolon up` watches: certificate expiry (alerts) and the gateways' metrics. */
  readonly monitoring: MonitoringConfig;
}

/** config.yaml's `monitoring` section, with its defaults filled in. */
export interface MonitoringConfig {
  /** Alert when a valid certificate comes within each of these many seconds of its notAfter (longest first). */
  readonly expiryThresholdsSeconds: readonly number[];
  /** Thresholds for a profile instead of the default ones (an empty list: no alerts for it). */
  readonly profileThresholdsSeconds: Readonly<Record<string, readonly number[]>>;
  /** Where alerts are POSTed as signed JSON, besides the log; undefined for the log only. */
  readonly webhookUrl: string | undefined;
  /** Attempts after the first, with doubling delays, before an alert waits for the next check. */
  readonly webhookRetries: number;
  readonly checkIntervalSeconds: number;
  /** Gateways whose Prometheus metrics up scrapes for the dashboard (its own gateway is added by itself). */
  readonly gateways: readonly { readonly name: string; readonly metricsUrl: string }[];
  readonly scrapeIntervalSeconds: number;
}

/** The thresholds of alerts when config.yaml names none: a month, a week, a day. */
export const DEFAULT_EXPIRY_THRESHOLDS = ['30d', '7d', '1d'] as const;

const lifetime = z.string().refine(isLifetime, { message: 'expected a lifetime such as 30d, 12h or 15m' });
const subjectField = z.string().refine(
  (name) => {
    try {
      attributeTypeOid(name);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a name attribute such as CN, O, OU, C, L, ST, emailAddress or a dotted OID' },
);
const extKeyUsage = z.string().refine((value) => value in EXTENDED_KEY_USAGES || /^\d+(\.\d+)+$/.test(value), {
  message: `expected one of ${Object.keys(EXTENDED_KEY_USAGES).join(', ')} or a dotted OID`,
});

const nameRulesSchema = z
  .object({
    dns: z.array(
      z.string().refine(isDnsPattern, { message: 'expected a DNS pattern such as api.example.com, *.example.com, **.example.com or **' }),
    ),
    ip: z.array(z.string().refine(isCidr, { message: 'expected a CIDR range such as 10.0.0.0/8 or fd00::/8' })),
    email: z.array(z.string().refine(isDnsPattern, { message: 'expected a domain pattern such as example.com, *.example.com or **' })),
    spiffe: z.array(z.string().refine(isSpiffePathPattern, { message: 'expected a SPIFFE path pattern such as /ns/*/sa/* or /**' })),
  })
  .partial()
  .strict();

const profileSchema = z
  .object({
    extends: z.string(),
    description: z.string().max(200),
    defaultLifetime: lifetime,
    maxLifetime: lifetime,
    keyTypes: z.array(z.enum(PROFILE_KEY_TYPES)).nonempty(),
    minRsaBits: z.number().int().min(2048, { message: 'RSA below 2048 bits is refused (NIST SP 800-131A)' }).max(8192),
    keyUsage: z.array(z.enum(KEY_USAGES)).nonempty(),
    extKeyUsage: z.array(extKeyUsage).nonempty(),
    names: nameRulesSchema,
    requireSubjectAltName: z.boolean(),
    spiffeSvid: z.boolean(),
    commonNameIsDns: z.boolean(),
    subject: z
      .object({ required: z.array(subjectField), forbidden: z.array(subjectField) })
      .partial()
      .strict(),
    crlDistributionPoint: z.boolean(),
    ocspUrl: z.boolean(),
    caIssuersUrl: z.boolean(),
    ocspNoCheck: z.boolean(),
    requireApproval: z.boolean(),
  })
  .partial()
  .strict();

type ProfileInput = z.infer<typeof profileSchema>;

const httpUrl = (what: string) =>
  z
    .string()
    .max(2048)
    .url({ message: `expected an http or https URL for ${what}` })
    .refine((url) => /^https?:\/\//.test(url), { message: `expected an http or https URL for ${what}` })
    .refine((url) => URL.canParse(url) && new URL(url).username === '' && new URL(url).password === '', {
      message: 'credentials do not belong in this URL (this file is copied into the audit log)',
    });

const monitoringSchema = z
  .object({
    expiryAlerts: z
      .object({
        thresholds: z.array(lifetime).max(10),
        profiles: z.record(z.string(), z.array(lifetime).max(10)),
        webhook: z
          .object({ url: httpUrl('the webhook'), retries: z.number().int().min(0).max(10) })
          .partial({ retries: true })
          .strict(),
        checkInterval: lifetime,
      })
      .partial()
      .strict(),
    gateways: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'expected a gateway name' }),
            metricsUrl: httpUrl('metrics'),
          })
          .strict(),
      )
      .max(100),
    scrapeInterval: lifetime,
  })
  .partial()
  .strict();

const PROFILE_NAME = /^[a-z][a-z0-9-]{0,39}$/;

const configSchema = z
  .object({
    version: z.literal(1, { errorMap: () => ({ message: 'expected 1 (the only configuration version)' }) }),
    name: z.string().min(1).max(48),
    publicBaseUrl: z
      .string()
      .url({ message: 'expected an http or https URL such as https://ca.example.com' })
      .refine((url) => /^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(url), { message: 'expected an http or https URL without query or fragment' })
      .optional(),
    spiffeTrustDomain: z
      .string()
      .regex(/^[a-z0-9._-]{1,255}$/, {
        message: 'expected a trust domain of lowercase letters, digits, ".", "-" and "_", such as example.org',
      })
      .optional(),
    deltaCrl: z.boolean().optional(),
    database: z
      .string()
      .max(2048)
      .refine(isPostgresUrl, { message: 'expected a PostgreSQL URL such as postgres://symbolon@db.example.com:5432/symbolon' })
      .refine((url) => URL.canParse(url) && new URL(url).password === '', {
        message: 'a password does not belong here (this file is copied into the audit log): give it in PGPASSWORD or ~/.pgpass',
      })
      .optional(),
    profiles: z
      .record(z.string().regex(PROFILE_NAME, { message: 'expected a profile name of lowercase letters, digits and "-"' }), profileSchema)
      .default({}),
    monitoring: monitoringSchema.default({}),
  })
  .strict();

/** The monitoring section with its defaults; thresholds longest first. Throws `CA_CONFIG_INVALID` for a profile it does not know. */
function resolveMonitoring(
  input: z.infer<typeof monitoringSchema>,
  profiles: Readonly<Record<string, Profile>>,
  source: string,
): MonitoringConfig {
  const seconds = (list: readonly string[]): number[] => [...new Set(list.map((text) => parseLifetime(text)))].sort((a, b) => b - a);
  const alerts = input.expiryAlerts ?? {};
  const profileThresholdsSeconds: Record<string, readonly number[]> = {};
  for (const [name, list] of Object.entries(alerts.profiles ?? {})) {
    if (!Object.hasOwn(profiles, name)) throw invalid(source, ['monitoring', 'expiryAlerts', 'profiles', name], 'is not a profile');
    profileThresholdsSeconds[name] = Object.freeze(seconds(list));
  }
  return Object.freeze({
    expiryThresholdsSeconds: Object.freeze(seconds(alerts.thresholds ?? DEFAULT_EXPIRY_THRESHOLDS)),
    profileThresholdsSeconds: Object.freeze(profileThresholdsSeconds),
    webhookUrl: alerts.webhook?.url,
    webhookRetries: alerts.webhook?.retries ?? 4,
    checkIntervalSeconds: parseLifetime(alerts.checkInterval ?? '5m'),
    gateways: Object.freeze((input.gateways ?? []).map((gateway) => Object.freeze({ ...gateway }))),
    scrapeIntervalSeconds: parseLifetime(input.scrapeInterval ?? '15s'),
  });
}

function invalid(source: string, path: readonly (string | number)[], message: string): SymbolonError {
  const where = path.length === 0 ? '' : `${path.join('.')}: `;
  return new SymbolonError('CA_CONFIG_INVALID', `${source}: ${where}${message}`);
}

function mergeNames(base: NameRules, input: ProfileInput['names']): NameRules {
  return Object.freeze({
    dns: Object.freeze([...(input?.dns ?? base.dns)]),
    ip: Object.freeze([...(input?.ip ?? base.ip)]),
    email: Object.freeze([...(input?.email ?? base.email)]),
    spiffe: Object.freeze([...(input?.spiffe ?? base.spiffe)]),
  });
}

function resolveProfile(name: string, input: ProfileInput, base: Profile, source: string): Profile {
  const at = ['profiles', name];
  const defaultLifetimeSeconds = input.defaultLifetime === undefined ? base.defaultLifetimeSeconds : parseLifetime(input.defaultLifetime);
  const maxLifetimeSeconds = input.maxLifetime === undefined ? base.maxLifetimeSeconds : parseLifetime(input.maxLifetime);
  if (maxLifetimeSeconds < MIN_LIFETIME_SECONDS) throw invalid(source, [...at, 'maxLifetime'], 'expected at least 5m');
  if (defaultLifetimeSeconds > maxLifetimeSeconds) {
    throw invalid(
      source,
      [...at, 'defaultLifetime'],
      `the default lifetime is longer than the maximum (${input.maxLifetime ?? 'inherited'}); shorten it or raise maxLifetime`,
    );
  }
  return Object.freeze({
    name,
    description: input.description ?? base.description,
    defaultLifetimeSeconds,
    maxLifetimeSeconds,
    keyTypes: Object.freeze([...(input.keyTypes ?? base.keyTypes)]),
    minRsaBits: input.minRsaBits ?? base.minRsaBits,
    keyUsage: Object.freeze([...(input.keyUsage ?? base.keyUsage)]),
    extKeyUsage: Object.freeze([...(input.extKeyUsage ?? base.extKeyUsage)]),
    names: mergeNames(base.names, input.names),
    requireSubjectAltName: input.requireSubjectAltName ?? base.requireSubjectAltName,
    isSpiffeSvid: input.spiffeSvid ?? base.isSpiffeSvid,
    isCommonNameDns: input.commonNameIsDns ?? base.isCommonNameDns,
    requiredSubjectFields: Object.freeze([...(input.subject?.required ?? base.requiredSubjectFields)]),
    forbiddenSubjectFields: Object.freeze([...(input.subject?.forbidden ?? base.forbiddenSubjectFields)]),
    hasCrlDistributionPoint: input.crlDistributionPoint ?? base.hasCrlDistributionPoint,
    hasOcspUrl: input.ocspUrl ?? base.hasOcspUrl,
    hasCaIssuersUrl: input.caIssuersUrl ?? base.hasCaIssuersUrl,
    hasFreshestCrl: base.hasFreshestCrl,
    isOcspNoCheck: input.ocspNoCheck ?? base.isOcspNoCheck,
    requiresApproval: input.requireApproval ?? base.requiresApproval,
  });
}

function resolveProfiles(inputs: Readonly<Record<string, ProfileInput>>, source: string): Record<string, Profile> {
  const resolved: Record<string, Profile> = { ...BUILT_IN_PROFILES };
  const visiting = new Set<string>();
  const done = new Set<string>();
  const resolve = (name: string): Profile => {
    const input = inputs[name];
    if (input === undefined || done.has(name)) return resolved[name]!;
    if (visiting.has(name)) throw invalid(source, ['profiles', name, 'extends'], 'the profiles extend each other in a circle');
    visiting.add(name);
    let base: Profile | undefined;
    if (input.extends !== undefined) {
      if (input.extends === name) base = BUILT_IN_PROFILES[name];
      else if (inputs[input.extends] !== undefined) base = resolve(input.extends);
      else base = BUILT_IN_PROFILES[input.extends];
      if (base === undefined) {
        throw invalid(
          source,
          ['profiles', name, 'extends'],
          `"${input.extends}" is not a profile; use one of ${[...Object.keys(BUILT_IN_PROFILES), ...Object.keys(inputs)].join(', ')}`,
        );
      }
    } else {
      base = BUILT_IN_PROFILES[name];
      if (base === undefined)
        throw invalid(
          source,
          ['profiles', name],
          `a new profile says which profile it builds on: add "extends: client" (or server, spiffe, gateway, admin, ocsp-signer)`,
        );
    }
    const profile = resolveProfile(name, input, base, source);
    resolved[name] = profile;
    visiting.delete(name);
    done.add(name);
    return profile;
  };
  for (const name of Object.keys(inputs)) resolve(name);
  return resolved;
}

/**
 * Parses the CA configuration (YAML text) into a frozen CaConfig with every profile resolved.
 * `source` names the file in messages. Throws `CA_CONFIG_INVALID` naming the bad field
 * (`config.yaml: profiles.device.maxLifetime: expected a lifetime such as 30d, 12h or 15m`).
 */
export function parseCaConfig(text: string, source = 'config.yaml'): CaConfig {
  let document: unknown;
  try {
    document = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw new SymbolonError('CA_CONFIG_INVALID', `${source} is not valid YAML: ${detail}`, { cause: error });
  }
  const parsed = configSchema.safeParse(document ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message = issue.code === 'invalid_type' && issue.received === 'undefined' ? `is required (${issue.expected})` : issue.message;
    throw invalid(source, issue.path, message);
  }
  const { version, name, publicBaseUrl, spiffeTrustDomain, deltaCrl = false, database, profiles, monitoring } = parsed.data;
  const resolved = resolveProfiles(profiles, source);
  const monitoringConfig = resolveMonitoring(monitoring, resolved, source);
  return Object.freeze({
    version,
    name,
    publicBaseUrl: publicBaseUrl?.replace(/\/+$/, ''),
    spiffeTrustDomain,
    deltaCrl,
    database,
    monitoring: monitoringConfig,
    profiles: Object.freeze(
      deltaCrl
        ? Object.fromEntries(
            Object.entries(resolved).map(([key, profile]) => [
              key,
              Object.freeze({ ...profile, hasFreshestCrl: profile.hasCrlDistributionPoint }),
            ]),
          )
        : resolved,
    ),
  });
}

/** The configuration file `ca init` writes: the name, and commented examples of the rest. */
export function initialConfigText(options: {
  readonly name: string;
  readonly publicBaseUrl?: string | undefined;
  readonly spiffeTrustDomain?: string | undefined;
  readonly database?: string | undefined;
}): string {
  const lines = [
    '# Symbolon CA configuration. Read when the CA starts; every change is recorded in the audit log.',
    'version: 1',
    `name: ${JSON.stringify(options.name)}`,
    options.publicBaseUrl === undefined
      ? '# Where CRLs, OCSP and CA certificates are published; stamped into issued certificates.\n# publicBaseUrl: https://ca.example.com'
      : `publicBaseUrl: ${JSON.stringify(options.publicBaseUrl)}`,
    '# Delta CRLs (RFC 5280 5.2.4): `symbolon up` publishes them at /crl/<issuer>-delta.crl and new\n# certificates carry the Freshest CRL extension pointing there.\n# deltaCrl: true',
    options.spiffeTrustDomain === undefined
      ? '# spiffeTrustDomain: example.org'
      : `spiffeTrustDomain: ${JSON.stringify(options.spiffeTrustDomain)}`,
    options.database === undefined
      ? '# The records in PostgreSQL, shared by every node (password in PGPASSWORD or ~/.pgpass, not here):\n# database: postgres://symbolon@db.example.com:5432/symbolon'
      : `# The records in PostgreSQL, shared by every node (password in PGPASSWORD or ~/.pgpass, not here).\ndatabase: ${JSON.stringify(options.database)}`,
    '# Profiles: the built-ins are client, server, spiffe, gateway, admin and ocsp-signer. Override their fields or add your own:',
    '# profiles:',
    '#   server:',
    '#     names:',
    "#       dns: ['*.svc.example.com']",
    '#   device:',
    '#     extends: client',
    '#     defaultLifetime: 7d',
    '#     maxLifetime: 30d',
    '#     keyTypes: [p256, ed25519]',
    '# What up watches: expiry alerts (to the log, and to a webhook signed with the key in',
    '# alert-webhook.secret) and the gateways whose metrics the dashboard shows:',
    '# monitoring:',
    '#   expiryAlerts:',
    '#     thresholds: [30d, 7d, 1d]',
    '#     profiles: { spiffe: [] }',
    '#     webhook: { url: https://hooks.example.com/symbolon }',
    '#   gateways:',
    '#     - { name: edge-1, metricsUrl: http://10.0.0.5:9090/metrics }',
    '',
  ];
  return lines.join('\n');
}
