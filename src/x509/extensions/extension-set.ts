import { readBoolean, readOid, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';
import {
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeOcspNoCheck,
  decodeSubjectKeyIdentifier,
} from './decoding.js';
import { decodeAuthorityInfoAccess, decodeCrlDistributionPoints } from './decoding-locations.js';
import type { ParsedDistributionPoint } from './decoding-locations.js';
import { decodeIssuerAltName, decodeNameConstraints, decodeSubjectAltName } from './decoding-names.js';
import { decodeCertificatePolicies, decodeInhibitAnyPolicy, decodePolicyConstraints, decodePolicyMappings } from './decoding-policies.js';
import type { PolicyConstraints, PolicyMapping } from './decoding-policies.js';
import type {
  AccessDescription,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Extension,
  KeyUsage,
  NameConstraints,
  PolicyInformation,
} from './types.js';
import type { GeneralName } from '../general-name.js';
import { OID } from '../oids.js';
import { faultAt, withCode } from '../../asn1/index.js';

/**
 * The extensions of a certificate (or those a CSR requests) as typed values. A view is
 * `undefined` (lists: empty) when its extension is absent.
 */
export interface ExtensionViews {
  readonly basicConstraints: BasicConstraints | undefined;
  readonly keyUsage: readonly KeyUsage[] | undefined;
  /** KeyPurposeId OIDs (OID.serverAuth, OID.clientAuth, ...). */
  readonly extKeyUsage: readonly string[] | undefined;
  readonly subjectAltNames: readonly GeneralName[];
  readonly dnsNames: readonly string[];
  /** IPv4 dotted quads and RFC 5952 IPv6 text. */
  readonly ipAddresses: readonly string[];
  readonly uris: readonly string[];
  readonly emails: readonly string[];
  /** SPIFFE X.509-SVID 2: the ID when the only URI SAN is a `spiffe://` URI. */
  readonly spiffeId: string | undefined;
  readonly issuerAltNames: readonly GeneralName[];
  readonly subjectKeyIdentifier: Buffer | undefined;
  readonly authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
  readonly distributionPoints: readonly ParsedDistributionPoint[];
  /** The URIs of every distribution point's full name. */
  readonly crlDistributionPoints: readonly string[];
  readonly authorityInfoAccess: readonly AccessDescription[];
  readonly ocspUrls: readonly string[];
  readonly caIssuersUrls: readonly string[];
  readonly certificatePolicies: readonly PolicyInformation[] | undefined;
  readonly policyMappings: readonly PolicyMapping[] | undefined;
  readonly policyConstraints: PolicyConstraints | undefined;
  readonly inhibitAnyPolicy: number | undefined;
  readonly nameConstraints: NameConstraints | undefined;
  /** RFC 6960 4.2.2.2.1: an OCSP responder certificate that is not itself checked. */
  readonly isOcspNoCheck: boolean;
}

export interface DecodedExtensions {
  readonly extensions: readonly Extension[];
  readonly views: ExtensionViews;
}

/** The extensions the parsers decode into views; any other is kept as raw DER only. */
export const DECODED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.issuerAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.crlDistributionPoints,
  OID.authorityInfoAccess,
  OID.certificatePolicies,
  OID.policyMappings,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
  OID.nameConstraints,
  OID.ocspNoCheck,
]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function emptyViews(): Mutable<ExtensionViews> {
  return {
    basicConstraints: undefined,
    keyUsage: undefined,
    extKeyUsage: undefined,
    subjectAltNames: [],
    dnsNames: [],
    ipAddresses: [],
    uris: [],
    emails: [],
    spiffeId: undefined,
    issuerAltNames: [],
    subjectKeyIdentifier: undefined,
    authorityKeyIdentifier: undefined,
    distributionPoints: [],
    crlDistributionPoints: [],
    authorityInfoAccess: [],
    ocspUrls: [],
    caIssuersUrls: [],
    certificatePolicies: undefined,
    policyMappings: undefined,
    policyConstraints: undefined,
    inhibitAnyPolicy: undefined,
    nameConstraints: undefined,
    isOcspNoCheck: false,
  };
}

function decodeInto(views: Mutable<ExtensionViews>, oid: string, value: Buffer, offset: number): void {
  switch (oid) {
    case OID.basicConstraints:
      views.basicConstraints = decodeBasicConstraints(value, offset);
      break;
    case OID.keyUsage:
      views.keyUsage = decodeKeyUsage(value, offset);
      break;
    case OID.extKeyUsage:
      views.extKeyUsage = decodeExtKeyUsage(value, offset);
      break;
    case OID.subjectAltName:
      views.subjectAltNames = decodeSubjectAltName(value, offset);
      break;
    case OID.issuerAltName:
      views.issuerAltNames = decodeIssuerAltName(value, offset);
      break;
    case OID.subjectKeyIdentifier:
      views.subjectKeyIdentifier = decodeSubjectKeyIdentifier(value, offset);
      break;
    case OID.authorityKeyIdentifier:
      views.authorityKeyIdentifier = decodeAuthorityKeyIdentifier(value, offset);
      break;
    case OID.crlDistributionPoints:
      views.distributionPoints = decodeCrlDistributionPoints(value, offset);
      break;
    case OID.authorityInfoAccess:
      views.authorityInfoAccess = decodeAuthorityInfoAccess(value, offset);
      break;
    case OID.certificatePolicies:
      views.certificatePolicies = decodeCertificatePolicies(value, offset);
      break;
    case OID.policyMappings:
      views.policyMappings = decodePolicyMappings(value, offset);
      break;
    case OID.policyConstraints:
      views.policyConstraints = decodePolicyConstraints(value, offset);
      break;
    case OID.inhibitAnyPolicy:
      views.inhibitAnyPolicy = decodeInhibitAnyPolicy(value, offset);
      break;
    case OID.nameConstraints:
      views.nameConstraints = decodeNameConstraints(value, offset);
      break;
    case OID.ocspNoCheck:
      views.isOcspNoCheck = decodeOcspNoCheck(value, offset);
      break;
  }
}

function valuesOf(names: readonly GeneralName[], type: 'dns' | 'ip' | 'uri' | 'email'): string[] {
  const values: string[] = [];
  for (const name of names) if (name.type === type) values.push(name.value);
  return values;
}

function uriLocations(descriptions: readonly AccessDescription[], method: string): string[] {
  const uris: string[] = [];
  for (const { method: m, location } of descriptions) if (m === method && location.type === 'uri') uris.push(location.value);
  return uris;
}

function deriveLists(views: Mutable<ExtensionViews>): void {
  views.dnsNames = valuesOf(views.subjectAltNames, 'dns');
  views.ipAddresses = valuesOf(views.subjectAltNames, 'ip');
  views.uris = valuesOf(views.subjectAltNames, 'uri');
  views.emails = valuesOf(views.subjectAltNames, 'email');
  const [onlyUri, ...otherUris] = views.uris;
  // SPIFFE X.509-SVID 2: an SVID holds exactly one URI SAN, the SPIFFE ID.
  views.spiffeId = onlyUri !== undefined && otherUris.length === 0 && /^spiffe:\/\//i.test(onlyUri) ? onlyUri : undefined;
  views.crlDistributionPoints = views.distributionPoints.flatMap((point) => valuesOf(point.fullName ?? [], 'uri'));
  views.ocspUrls = uriLocations(views.authorityInfoAccess, OID.accessOcsp);
  views.caIssuersUrls = uriLocations(views.authorityInfoAccess, OID.accessCaIssuers);
}

/** The views of no extensions at all (a v1 certificate, a CSR that requests none). */
export function noExtensionViews(): ExtensionViews {
  return emptyViews();
}

/**
 * Reads `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension` (RFC 5280 4.1.2.9) and decodes the
 * known ones strictly. Structural faults are `malformed`; a repeated OID is
 * CERT_DUPLICATE_EXTENSION; a known extension with a bad value is CERT_BAD_EXTENSION. Unknown
 * extensions, critical or not, are kept raw: refusing them is path validation's job.
 */
export function decodeExtensions(node: DerNode, malformed: ErrorCode): DecodedExtensions {
  if (node.tag !== Tag.SEQUENCE || node.children.length === 0) throw faultAt(malformed, node, 'Extensions is not a non-empty SEQUENCE');
  const extensions: Extension[] = [];
  const seen = new Set<string>();
  const views = emptyViews();
  for (const child of node.children) {
    if (child.tag !== Tag.SEQUENCE || child.children.length < 2 || child.children.length > 3) {
      throw faultAt(malformed, child, 'an Extension is not a SEQUENCE of extnID, critical and extnValue');
    }
    const oid = withCode(malformed, () => readOid(child.children[0]!));
    // critical is BOOLEAN DEFAULT FALSE. X.690 11.5 leaves a default value out; an explicit FALSE
    // is unambiguous and common in the wild, so it is accepted here and for every other DEFAULT.
    const criticalNode = child.children.length === 3 ? child.children[1]! : undefined;
    const critical = criticalNode !== undefined && withCode(malformed, () => readBoolean(criticalNode));
    const valueNode = child.children[child.children.length - 1]!;
    if (valueNode.tag !== Tag.OCTET_STRING) throw faultAt(malformed, valueNode, 'an extnValue is not an OCTET STRING');
    // RFC 5280 4.2: a certificate holds at most one instance of an extension.
    if (seen.has(oid))
      throw new SymbolonError('CERT_DUPLICATE_EXTENSION', `extension ${oid} appears more than once (at byte ${child.offset})`);
    seen.add(oid);
    extensions.push({ oid, critical, value: valueNode.content });
    decodeInto(views, oid, valueNode.content, valueNode.contentOffset);
  }
  deriveLists(views);
  return { extensions, views };
}
