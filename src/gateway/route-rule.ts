import { SymbolonError } from '../errors.js';
import { issuerKey, nameKey } from '../path/index.js';
import { parseName } from '../x509/index.js';
import type { Certificate, DistinguishedName } from '../x509/index.js';
import { normalizeFingerprintSha256 } from './certificate-fingerprint.js';
import { compileNameGlob } from '../x509/index.js';
import type { NameGlob, NameGlobOptions } from '../x509/index.js';

/**
 * One allow or deny rule. Every field given must match (AND); a rule with no field is refused.
 * Globs follow `compileNameGlob` (x509/): `*` one segment, `**` one or more.
 */
export interface RouteRule {
  /** SPIFFE ID glob over the path (`spiffe://acme.example/ns/*\/sa/api`). */
  readonly spiffeId?: string | undefined;
  /** DNS SAN, exact or glob over labels (`*.svc.acme.example`), case-insensitive. */
  readonly dns?: string | undefined;
  /** URI SAN, exact or glob over `/` segments. */
  readonly uri?: string | undefined;
  /** Email SAN: `local@domain`, local part exact or `*`, domain exact or DNS glob. */
  readonly email?: string | undefined;
  readonly subjectCn?: string | undefined;
  readonly subjectO?: string | undefined;
  readonly subjectOu?: string | undefined;
  /** Issuer distinguished name as RFC 4514 text (`CN=Issuing CA,O=Acme`), compared as RFC 5280 7.1 compares names. */
  readonly issuer?: string | undefined;
  /** SHA-256 of the issuer certificate's DER. */
  readonly issuerFingerprint?: string | undefined;
  /** A certificatePolicies OID the certificate must assert (RFC 5280 4.2.1.4). */
  readonly policyOid?: string | undefined;
  /** SHA-256 of the client certificate's DER: hex, case-insensitive, colons allowed. */
  readonly fingerprint?: string | undefined;
}

/** What a rule is evaluated against: the parsed client certificate and its verified issuer. */
export interface ClientIdentity {
  readonly certificate: Certificate;
  /** Fingerprint (lowercase hex) of the issuer certificate the chain was built through. */
  readonly issuerFingerprintSha256?: string;
}

export type RulePredicate = (identity: ClientIdentity) => boolean;

// RFC 4519 attribute types.
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';
const ORGANIZATIONAL_UNIT = '2.5.4.11';
const SPIFFE_PREFIX = 'spiffe://';

/** The string values of one attribute type: a value that is not a string (`#` + hex DER) never equals a rule's text. */
function attributeValues(name: DistinguishedName, type: string): string[] {
  return name.flatMap((rdn) => rdn.filter((atv) => atv.type === type && atv.isHexEncoded !== true).map((atv) => atv.value));
}

/** The one name glob, its faults reported as the rule's. */
function glob(pattern: string, options: NameGlobOptions): NameGlob {
  try {
    return compileNameGlob(pattern, options);
  } catch (error) {
    throw new SymbolonError('GATEWAY_RULE_INVALID', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

function spiffeGlob(pattern: string): NameGlob {
  // SPIFFE ID (spiffe.io standard, 2.1-2.2): scheme and trust domain are lowercase; the path is exact.
  if (!pattern.toLowerCase().startsWith(SPIFFE_PREFIX)) {
    throw new SymbolonError('GATEWAY_RULE_INVALID', `SPIFFE ID glob "${pattern.slice(0, 100)}" must start with spiffe://`);
  }
  const rest = pattern.slice(SPIFFE_PREFIX.length);
  const slash = rest.indexOf('/');
  const trustDomain = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
  if (trustDomain === '' || trustDomain.includes('*')) {
    throw new SymbolonError('GATEWAY_RULE_INVALID', `SPIFFE ID glob "${pattern.slice(0, 100)}" needs a literal trust domain`);
  }
  return glob(SPIFFE_PREFIX + trustDomain + (slash < 0 ? '' : rest.slice(slash)), { separator: '/', isCaseInsensitive: false });
}

function normalizeSpiffeId(id: string): string {
  const rest = id.slice(SPIFFE_PREFIX.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? SPIFFE_PREFIX + rest.toLowerCase() : SPIFFE_PREFIX + rest.slice(0, slash).toLowerCase() + rest.slice(slash);
}

function emailMatcher(pattern: string): (email: string) => boolean {
  const at = pattern.lastIndexOf('@');
  if (at <= 0 || at === pattern.length - 1)
    throw new SymbolonError('GATEWAY_RULE_INVALID', `email rule "${pattern.slice(0, 100)}" is not local@domain`);
  const local = pattern.slice(0, at);
  if (local !== '*' && local.includes('*'))
    throw new SymbolonError('GATEWAY_RULE_INVALID', `email rule "${pattern.slice(0, 100)}": the local part is exact or "*"`);
  const domain = glob(pattern.slice(at + 1), { separator: '.', isCaseInsensitive: true });
  return (email) => {
    const emailAt = email.lastIndexOf('@');
    if (emailAt <= 0) return false;
    // RFC 5321 2.4: the local part is case-sensitive, the domain is not.
    return (local === '*' || email.slice(0, emailAt) === local) && domain.matches(email.slice(emailAt + 1));
  };
}

/** The rule's issuer as path/'s name key (RFC 5280 7.1: case, spacing and string type do not matter). */
function issuerNameKey(text: string): string {
  try {
    return nameKey(parseName(text));
  } catch (error) {
    throw new SymbolonError('GATEWAY_RULE_INVALID', `issuer "${text.slice(0, 100)}" is not an RFC 4514 name`, { cause: error });
  }
}

/** Compiles one rule into a predicate; throws `GATEWAY_RULE_INVALID`. */
export function compileRouteRule(rule: RouteRule): RulePredicate {
  const checks: RulePredicate[] = [];
  if (rule.spiffeId !== undefined) {
    const spiffeId = spiffeGlob(rule.spiffeId);
    checks.push(({ certificate }) => certificate.spiffeId !== undefined && spiffeId.matches(normalizeSpiffeId(certificate.spiffeId)));
  }
  if (rule.dns !== undefined) {
    const dns = glob(rule.dns, { separator: '.', isCaseInsensitive: true });
    checks.push(({ certificate }) => certificate.dnsNames.some((name) => dns.matches(name)));
  }
  if (rule.uri !== undefined) {
    const uri = glob(rule.uri, { separator: '/', isCaseInsensitive: false });
    checks.push(({ certificate }) => certificate.uris.some((name) => uri.matches(name)));
  }
  if (rule.email !== undefined) {
    const matches = emailMatcher(rule.email);
    checks.push(({ certificate }) => certificate.emails.some(matches));
  }
  for (const [value, type] of [
    [rule.subjectCn, COMMON_NAME],
    [rule.subjectO, ORGANIZATION],
    [rule.subjectOu, ORGANIZATIONAL_UNIT],
  ] as const) {
    if (value === undefined) continue;
    checks.push(({ certificate }) => attributeValues(certificate.subject, type).includes(value));
  }
  if (rule.issuer !== undefined) {
    const issuer = issuerNameKey(rule.issuer);
    checks.push(({ certificate }) => issuerKey(certificate) === issuer);
  }
  if (rule.issuerFingerprint !== undefined) {
    const pin = normalizeFingerprintSha256(rule.issuerFingerprint);
    checks.push(({ issuerFingerprintSha256 }) => issuerFingerprintSha256 !== undefined && issuerFingerprintSha256.toLowerCase() === pin);
  }
  if (rule.policyOid !== undefined) {
    const oid = rule.policyOid;
    if (!/^[0-2](\.(0|[1-9][0-9]{0,18}))+$/.test(oid))
      throw new SymbolonError('GATEWAY_RULE_INVALID', `"${oid.slice(0, 100)}" is not a dotted OID`);
    checks.push(({ certificate }) => certificate.certificatePolicies?.some((policy) => policy.policyId === oid) === true);
  }
  if (rule.fingerprint !== undefined) {
    const pin = normalizeFingerprintSha256(rule.fingerprint);
    checks.push(({ certificate }) => certificate.fingerprintSha256 === pin);
  }
  if (checks.length === 0)
    throw new SymbolonError('GATEWAY_RULE_INVALID', 'a rule needs at least one condition; an empty rule would match every certificate');
  return (identity) => checks.every((check) => check(identity));
}
