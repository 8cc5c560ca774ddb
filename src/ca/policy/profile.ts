import type { KeyUsage } from '../../x509/index.js';

/** Key algorithms a profile may allow, by the names the configuration uses. */
export const PROFILE_KEY_TYPES = ['p256', 'p384', 'p521', 'ed25519', 'rsa'] as const;
export type ProfileKeyType = (typeof PROFILE_KEY_TYPES)[number];

/**
 * Which subjectAltNames a profile allows, per type. An empty list allows no name of that type.
 * - `dns`: patterns matched label by label, case-insensitively: `api.example.com`, `*` for exactly
 *   one label (`*.svc.example.com`), a leading `**` for one or more labels, and `**` alone for any name.
 * - `ip`: CIDR ranges (`10.0.0.0/8`, `fd00::/8`).
 * - `email`: domain patterns as for `dns` (`example.com`, `*.example.com`, `**`).
 * - `spiffe`: path patterns under the CA's trust domain: `*` one segment, `**` as the last
 *   segment for one or more segments (`/ns/*\/sa/*`, `/**`).
 */
export interface NameRules {
  readonly dns: readonly string[];
  readonly ip: readonly string[];
  readonly email: readonly string[];
  readonly spiffe: readonly string[];
}

/** What a certificate issued under a profile may be and must carry. */
export interface Profile {
  readonly name: string;
  readonly description: string;
  readonly defaultLifetimeSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly keyTypes: readonly ProfileKeyType[];
  /** Smallest RSA modulus accepted; never below 2048 (NIST SP 800-131A). */
  readonly minRsaBits: number;
  readonly keyUsage: readonly KeyUsage[];
  /** Extended key usages by RFC 5280 name (`serverAuth`) or dotted OID. */
  readonly extKeyUsage: readonly string[];
  readonly names: NameRules;
  /** At least one subjectAltName is required. */
  readonly requireSubjectAltName: boolean;
  /**
   * SPIFFE X.509-SVID (SPIFFE X509-SVID 2, 4.3): exactly one URI SAN, a `spiffe://` ID in the
   * CA's trust domain; the subject is free and may be empty.
   */
  readonly isSpiffeSvid: boolean;
  /** A DNS-like common name must pass the DNS rules and is copied into the SANs (server certificates). */
  readonly isCommonNameDns: boolean;
  /** Subject attributes by short name (CN, O, OU, ...) that must be present / must not be. */
  readonly requiredSubjectFields: readonly string[];
  readonly forbiddenSubjectFields: readonly string[];
  /** Stamp the CRL distribution point, OCSP and caIssuers URLs from the CA's public base URL. */
  readonly hasCrlDistributionPoint: boolean;
  readonly hasOcspUrl: boolean;
  readonly hasCaIssuersUrl: boolean;
  /**
   * RFC 5280 4.2.1.15 Freshest CRL: stamp where the issuer's delta CRLs are published. Set on the
   * profiles with a CRL distribution point when config.yaml says `deltaCrl: true`.
   */
  readonly hasFreshestCrl: boolean;
  /** RFC 6960 4.2.2.2.1 id-pkix-ocsp-nocheck, for delegated OCSP signers. */
  readonly isOcspNoCheck: boolean;
  /**
   * Enrollments over EST under this profile wait for `symbolon ca approve <id>` (or `reject`);
   * the client is answered 202 with Retry-After meanwhile. Issuance from the CLI is not held.
   */
  readonly requiresApproval: boolean;
}

const DAY = 86_400;
const ANY_DNS = ['**'];
const ANY_IP = ['0.0.0.0/0', '::/0'];
const ALL_KEY_TYPES: readonly ProfileKeyType[] = PROFILE_KEY_TYPES;
const NO_NAMES: NameRules = { dns: [], ip: [], email: [], spiffe: [] };

/** What the built-in leaf profiles share; each states only where it differs. */
const LEAF_DEFAULTS = {
  keyTypes: ALL_KEY_TYPES,
  minRsaBits: 2048,
  keyUsage: ['digitalSignature'],
  requireSubjectAltName: false,
  isSpiffeSvid: false,
  isCommonNameDns: false,
  requiredSubjectFields: [],
  forbiddenSubjectFields: [],
  hasCrlDistributionPoint: true,
  hasOcspUrl: true,
  hasCaIssuersUrl: true,
  hasFreshestCrl: false,
  isOcspNoCheck: false,
  requiresApproval: false,
} as const satisfies Partial<Profile>;

type BuiltInFields = Pick<Profile, 'name' | 'description' | 'defaultLifetimeSeconds' | 'maxLifetimeSeconds' | 'extKeyUsage' | 'names'> &
  Partial<Profile>;

function builtIn(fields: BuiltInFields): Profile {
  return Object.freeze({ ...LEAF_DEFAULTS, ...fields });
}

/**
 * The built-in profiles. Their name rules allow any well-formed name of the types they take:
 * narrow them in config.yaml (`profiles.server.names.dns: ['*.svc.example.com']`).
 */
export const BUILT_IN_PROFILES: Readonly<Record<string, Profile>> = Object.freeze({
  client: builtIn({
    name: 'client',
    description: 'TLS client (mTLS) identity',
    defaultLifetimeSeconds: 90 * DAY,
    maxLifetimeSeconds: 397 * DAY,
    extKeyUsage: ['clientAuth'],
    names: { dns: ANY_DNS, ip: ANY_IP, email: ['**'], spiffe: [] },
    requiredSubjectFields: ['CN'],
  }),
  server: builtIn({
    name: 'server',
    description: 'TLS server identity',
    defaultLifetimeSeconds: 90 * DAY,
    // CA/Browser Forum TLS BR 6.3.2: 397 days, the ceiling clients enforce.
    maxLifetimeSeconds: 397 * DAY,
    extKeyUsage: ['serverAuth'],
    names: { dns: ANY_DNS, ip: ANY_IP, email: [], spiffe: [] },
    requireSubjectAltName: true,
    isCommonNameDns: true,
  }),
  spiffe: builtIn({
    name: 'spiffe',
    description: 'SPIFFE X.509-SVID workload identity',
    defaultLifetimeSeconds: 1 * DAY,
    maxLifetimeSeconds: 30 * DAY,
    // SPIFFE X509-SVID 4.4: serverAuth and clientAuth.
    extKeyUsage: ['serverAuth', 'clientAuth'],
    names: { dns: ANY_DNS, ip: [], email: [], spiffe: ['/**'] },
    requireSubjectAltName: true,
    isSpiffeSvid: true,
  }),
  // The role the revocation feed (events/) serves: a gateway proves it by a certificate the store
  // records under this profile, so the role needs no private extension and ends with revocation.
  gateway: builtIn({
    name: 'gateway',
    description: 'mTLS gateway: its TLS server certificate, and the client certificate that reads the revocation feed',
    defaultLifetimeSeconds: 30 * DAY,
    maxLifetimeSeconds: 397 * DAY,
    extKeyUsage: ['serverAuth', 'clientAuth'],
    names: { dns: ANY_DNS, ip: ANY_IP, email: [], spiffe: [] },
    requiredSubjectFields: ['CN'],
  }),
  // The role the admin API serves (api/): like the gateway role, it lives in the CA's records
  // (the profile a certificate was issued under), so revoking the certificate ends it. Short
  // lived; enrollments over EST wait for an operator's approval, so no token alone makes an admin.
  admin: builtIn({
    name: 'admin',
    description: 'operator of the admin API and the dashboard (TLS client certificate)',
    defaultLifetimeSeconds: 30 * DAY,
    maxLifetimeSeconds: 90 * DAY,
    keyTypes: ['p256', 'p384', 'ed25519', 'rsa'],
    extKeyUsage: ['clientAuth'],
    names: { dns: [], ip: [], email: ['**'], spiffe: [] },
    requiredSubjectFields: ['CN'],
    requiresApproval: true,
  }),
  'ocsp-signer': builtIn({
    name: 'ocsp-signer',
    description: 'delegated OCSP responder (RFC 6960 4.2.2.2)',
    defaultLifetimeSeconds: 30 * DAY,
    maxLifetimeSeconds: 90 * DAY,
    keyTypes: ['p256', 'p384', 'ed25519', 'rsa'],
    extKeyUsage: ['ocspSigning'],
    names: NO_NAMES,
    requiredSubjectFields: ['CN'],
    // A responder's certificate is not checked by OCSP (ocsp-nocheck); short lifetimes replace it.
    hasCrlDistributionPoint: false,
    hasOcspUrl: false,
    isOcspNoCheck: true,
  }),
});

/** Shortest lifetime a profile may set, so a certificate outlives clock skew. */
export const MIN_LIFETIME_SECONDS = 5 * 60;
