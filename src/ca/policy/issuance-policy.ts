import { SymbolonError } from '../../errors.js';
import { attributeTypeOid, OID } from '../../x509/index.js';
import type { CertificateTemplate, DistinguishedName, GeneralName, KeyUsage, PublicKeyInfo } from '../../x509/index.js';
import { checkSubjectKey } from './key-rules.js';
import { formatLifetime } from './lifetime.js';
import { isDnsName, isIpInRange, matchesDnsPattern, matchesEmailDomain, matchesSpiffePath, parseSpiffeId } from './name-rules.js';
import type { Profile } from './profile.js';

/** What a requester asks for, already parsed: from a CSR, a key request or a renewal. */
export interface CertificateRequest {
  readonly subject: DistinguishedName;
  readonly subjectAltNames: readonly GeneralName[];
  readonly publicKey: PublicKeyInfo;
  /** Requested lifetime; the profile's default when absent. */
  readonly ttlSeconds?: number | undefined;
}

/** What the policy needs to know besides the request: the time, the issuer and the CA's settings. */
export interface PolicyContext {
  readonly now: Date;
  readonly issuerId: string;
  readonly issuerNotBefore: Date;
  readonly issuerNotAfter: Date;
  readonly publicBaseUrl: string | undefined;
  readonly spiffeTrustDomain: string | undefined;
}

/** The parts of the certificate the policy decides: everything but serial, issuer and keys. */
export type PolicyDecision = Omit<CertificateTemplate, 'serialNumber' | 'issuer' | 'subjectPublicKey' | 'authorityKeyIdentifier'>;

/** Where `symbolon up` publishes an issuer's full CRL under the public base URL: its CRL distribution point. */
export function crlUrl(baseUrl: string, issuerId: string): string {
  return `${baseUrl}/crl/${issuerId}.crl`;
}

/** Where `symbolon up` publishes an issuer's delta CRLs (RFC 5280 5.2.4) under the public base URL. */
export function deltaCrlUrl(baseUrl: string, issuerId: string): string {
  return `${baseUrl}/crl/${issuerId}-delta.crl`;
}

/** Clocks disagree: a certificate is dated this much before issuance so a slow peer accepts it at once. */
export const BACKDATE_SECONDS = 60;

function checkSubject(profile: Profile, subject: DistinguishedName): void {
  const present = new Set(subject.flat().map((attribute) => attribute.type));
  for (const field of profile.requiredSubjectFields) {
    if (!present.has(attributeTypeOid(field))) {
      throw new SymbolonError(
        'CA_SUBJECT_NOT_ALLOWED',
        `profile ${profile.name} requires the subject field ${field}; add it to the subject`,
      );
    }
  }
  for (const field of profile.forbiddenSubjectFields) {
    if (present.has(attributeTypeOid(field))) {
      throw new SymbolonError(
        'CA_SUBJECT_NOT_ALLOWED',
        `profile ${profile.name} forbids the subject field ${field}; remove it from the subject`,
      );
    }
  }
}

function notAllowed(profile: Profile, what: string, rules: readonly string[]): SymbolonError {
  const hint = rules.length === 0 ? `profile ${profile.name} allows no such names` : `profile ${profile.name} allows ${rules.join(', ')}`;
  return new SymbolonError('CA_NAME_NOT_ALLOWED', `${what} is not allowed: ${hint}`);
}

function checkDns(profile: Profile, name: string): void {
  if (!isDnsName(name))
    throw new SymbolonError(
      'CA_NAME_NOT_ALLOWED',
      `"${name}" is not a host name (letters, digits and hyphens in dot-separated labels; wildcards are not issued)`,
    );
  if (!profile.names.dns.some((pattern) => matchesDnsPattern(name, pattern)))
    throw notAllowed(profile, `the DNS name ${name}`, profile.names.dns);
}

function checkSpiffe(profile: Profile, uri: string, trustDomain: string | undefined): void {
  const id = parseSpiffeId(uri);
  if (id === undefined) throw new SymbolonError('CA_NAME_NOT_ALLOWED', `"${uri}" is not a SPIFFE ID (spiffe://<trust domain>/<path>)`);
  if (trustDomain === undefined) {
    throw new SymbolonError(
      'CA_NAME_NOT_ALLOWED',
      'this CA has no SPIFFE trust domain; set spiffeTrustDomain in config.yaml to issue SPIFFE IDs',
    );
  }
  if (id.trustDomain !== trustDomain)
    throw new SymbolonError('CA_NAME_NOT_ALLOWED', `the SPIFFE ID ${uri} is outside this CA's trust domain ${trustDomain}`);
  if (!profile.names.spiffe.some((pattern) => matchesSpiffePath(id.path, pattern)))
    throw notAllowed(profile, `the SPIFFE ID path "${id.path || '/'}"`, profile.names.spiffe);
}

function checkNames(profile: Profile, names: readonly GeneralName[], trustDomain: string | undefined): void {
  for (const name of names) {
    switch (name.type) {
      case 'dns':
        checkDns(profile, name.value);
        break;
      case 'ip':
        if (!profile.names.ip.some((range) => isIpInRange(name.value, range)))
          throw notAllowed(profile, `the IP address ${name.value}`, profile.names.ip);
        break;
      case 'email':
        if (!profile.names.email.some((pattern) => matchesEmailDomain(name.value, pattern)))
          throw notAllowed(profile, `the email address ${name.value}`, profile.names.email);
        break;
      case 'uri':
        if (!name.value.startsWith('spiffe:'))
          throw new SymbolonError('CA_NAME_NOT_ALLOWED', `the URI ${name.value} is not allowed: only SPIFFE IDs are issued as URI names`);
        checkSpiffe(profile, name.value, trustDomain);
        break;
      default:
        throw new SymbolonError(
          'CA_NAME_NOT_ALLOWED',
          `a subjectAltName of type ${name.type} is not issued; use DNS, IP, email or SPIFFE names`,
        );
    }
  }
  const uris = names.filter((name) => name.type === 'uri');
  if (profile.isSpiffeSvid && uris.length !== 1) {
    // SPIFFE X509-SVID 2: an SVID holds exactly one URI SAN, its SPIFFE ID.
    throw new SymbolonError(
      'CA_NAME_NOT_ALLOWED',
      `a SPIFFE SVID carries exactly one SPIFFE ID as URI name, not ${uris.length}; pass one spiffe:// name`,
    );
  }
  if (!profile.isSpiffeSvid && profile.names.spiffe.length === 0 && uris.length > 0)
    throw notAllowed(profile, `the URI ${uris[0]!.value}`, []);
}

/** The subjectAltNames to write: the requested ones, plus a DNS-like CN for server profiles (RFC 6125 6.4.4: clients match SANs only). */
function subjectAltNamesFor(profile: Profile, request: CertificateRequest): GeneralName[] {
  const names = [...request.subjectAltNames];
  if (profile.isCommonNameDns) {
    for (const attribute of request.subject.flat()) {
      if (attribute.type !== OID.commonName) continue;
      const cn = attribute.value.toLowerCase();
      if (!isDnsName(cn) || !cn.includes('.')) continue;
      if (!names.some((name) => name.type === 'dns' && name.value.toLowerCase() === cn)) names.push({ type: 'dns', value: cn });
    }
  }
  return names;
}

/**
 * A TLS server's subject CN repeats one of its DNS or IP names (CA/Browser Forum BR 7.1.4.3), as
 * the validator's strict profile requires of a server certificate: a CN that is neither a host
 * name copied into the SANs nor one of the SANs given would make a certificate no strict
 * validator accepts for its purpose.
 */
function checkCommonNamesAreNames(profile: Profile, subject: DistinguishedName, names: readonly GeneralName[]): void {
  const named = new Set(names.filter((name) => name.type === 'dns' || name.type === 'ip').map((name) => name.value.toLowerCase()));
  for (const attribute of subject.flat()) {
    if (attribute.type === OID.commonName && !named.has(attribute.value.toLowerCase())) {
      throw new SymbolonError(
        'CA_NAME_NOT_ALLOWED',
        `the CN "${attribute.value}" of a ${profile.name} certificate is not one of its names: use a host name with a dot (it is added as a DNS name), or one of the subjectAltNames`,
      );
    }
  }
}

function lifetime(profile: Profile, request: CertificateRequest, context: PolicyContext): { notBefore: Date; notAfter: Date } {
  const now = context.now.getTime();
  if (now < context.issuerNotBefore.getTime() || now >= context.issuerNotAfter.getTime()) {
    throw new SymbolonError(
      'CA_ISSUER_EXPIRED',
      `the issuing CA ${context.issuerId} is valid from ${context.issuerNotBefore.toISOString()} to ${context.issuerNotAfter.toISOString()}; create a new intermediate with \`symbolon ca intermediate create\``,
    );
  }
  const ttl = request.ttlSeconds ?? profile.defaultLifetimeSeconds;
  if (!Number.isSafeInteger(ttl) || ttl <= 0)
    throw new SymbolonError('CA_LIFETIME_INVALID', `a lifetime of ${ttl} seconds is not a positive whole number`);
  if (ttl > profile.maxLifetimeSeconds) {
    throw new SymbolonError(
      'CA_LIFETIME_EXCEEDED',
      `a lifetime of ${formatLifetime(ttl)} is longer than profile ${profile.name} allows (${formatLifetime(profile.maxLifetimeSeconds)}); ask for less with --ttl`,
    );
  }
  const notAfter = now + ttl * 1000;
  // RFC 5280 6.1.3: a certificate outliving its issuer fails validation once the issuer expires.
  if (notAfter > context.issuerNotAfter.getTime()) {
    throw new SymbolonError(
      'CA_LIFETIME_EXCEEDED',
      `the certificate would outlive its issuing CA ${context.issuerId}, which expires ${context.issuerNotAfter.toISOString()}; ask for a shorter --ttl or rotate the intermediate`,
    );
  }
  const notBefore = Math.max(now - BACKDATE_SECONDS * 1000, context.issuerNotBefore.getTime());
  return { notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
}

/**
 * Applies a profile to a request: checks the key, the subject, every name and the lifetime, and
 * returns what goes into the certificate. Pure: time and settings come in `context`. Throws
 * `CA_KEY_TOO_WEAK`, `CA_KEY_TYPE_NOT_ALLOWED`, `CA_SUBJECT_NOT_ALLOWED`, `CA_NAME_NOT_ALLOWED`,
 * `CA_LIFETIME_EXCEEDED`, `CA_LIFETIME_INVALID` or `CA_ISSUER_EXPIRED`.
 */
export function applyProfile(profile: Profile, request: CertificateRequest, context: PolicyContext): PolicyDecision {
  const keyType = checkSubjectKey(profile, request.publicKey);
  checkSubject(profile, request.subject);
  const subjectAltName = subjectAltNamesFor(profile, request);
  checkNames(profile, subjectAltName, context.spiffeTrustDomain);
  if (profile.requireSubjectAltName && subjectAltName.length === 0) {
    throw new SymbolonError('CA_NAME_NOT_ALLOWED', `profile ${profile.name} needs at least one subjectAltName; pass a name with --san`);
  }
  if (profile.isCommonNameDns) checkCommonNamesAreNames(profile, request.subject, subjectAltName);
  if (subjectAltName.length === 0 && request.subject.length === 0) {
    throw new SymbolonError('CA_SUBJECT_NOT_ALLOWED', 'the certificate needs a subject or a subjectAltName; give a name');
  }
  const keyUsage: KeyUsage[] = [...profile.keyUsage];
  // RFC 5246 7.4.7.1: TLS 1.2 RSA key transport encrypts to the server's key.
  if (keyType === 'rsa' && profile.extKeyUsage.includes('serverAuth') && !keyUsage.includes('keyEncipherment'))
    keyUsage.push('keyEncipherment');
  const base = context.publicBaseUrl;
  const issuerId = context.issuerId;
  return {
    subject: request.subject,
    ...lifetime(profile, request, context),
    basicConstraints: { isCa: false },
    keyUsage,
    extKeyUsage: profile.extKeyUsage,
    ...(subjectAltName.length > 0 ? { subjectAltName } : {}),
    ...(base !== undefined && profile.hasCrlDistributionPoint ? { crlDistributionPoints: [crlUrl(base, issuerId)] } : {}),
    // RFC 5280 4.2.1.15: where the delta CRLs over that distribution point's full CRL are published.
    ...(base !== undefined && profile.hasFreshestCrl ? { freshestCrl: [deltaCrlUrl(base, issuerId)] } : {}),
    ...(base !== undefined && (profile.hasOcspUrl || profile.hasCaIssuersUrl)
      ? {
          authorityInfoAccess: {
            ...(profile.hasOcspUrl ? { ocsp: [`${base}/ocsp`] } : {}),
            ...(profile.hasCaIssuersUrl ? { caIssuers: [`${base}/ca/${issuerId}.crt`] } : {}),
          },
        }
      : {}),
    ...(profile.isOcspNoCheck ? { ocspNoCheck: true } : {}),
  };
}

/** The profile by name from the configured set. Throws `CA_PROFILE_UNKNOWN` listing the names there are. */
export function findProfile(profiles: Readonly<Record<string, Profile>>, name: string): Profile {
  const profile = Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  if (profile === undefined)
    throw new SymbolonError('CA_PROFILE_UNKNOWN', `there is no profile "${name}"; use one of ${Object.keys(profiles).join(', ')}`);
  return profile;
}
