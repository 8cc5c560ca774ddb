import { der } from '../../asn1/index.js';
import { BoundedCache } from '../../bounded-cache.js';
import { SymbolonError } from '../../errors.js';
import { encodeAuthorityKeyIdentifier, encodeSubjectKeyIdentifier } from './encoding-key-ids.js';
import { encodeAuthorityInfoAccess, encodeCrlDistributionPoints } from './encoding-locations.js';
import type { AuthorityInfoAccess } from './encoding-locations.js';
import { encodeNameConstraints, encodeSubjectAltName } from './encoding-names.js';
import { encodeCertificatePolicies } from './encoding-policies.js';
import { encodeBasicConstraints, encodeExtKeyUsage, encodeKeyUsage, encodeOcspNoCheck, keyUsageMask } from './encoding-usage.js';
import type { ExtendedKeyUsage } from './encoding-usage.js';
import type { BasicConstraints, Extension, KeyUsage, NameConstraints, PolicyInformation } from './types.js';
import type { GeneralName } from '../general-name.js';
import { oidElement } from '../oid-element.js';
import { OID } from '../oids.js';

/** The extensions the builders write from typed values, in the order they are written. */
export const TYPED_EXTENSION_NAMES = [
  'basicConstraints',
  'keyUsage',
  'extKeyUsage',
  'subjectKeyIdentifier',
  'authorityKeyIdentifier',
  'subjectAltName',
  'nameConstraints',
  'crlDistributionPoints',
  'authorityInfoAccess',
  'certificatePolicies',
  'ocspNoCheck',
  'freshestCrl',
] as const;

export type TypedExtensionName = (typeof TYPED_EXTENSION_NAMES)[number];

/** Extension values as a certificate or CSR template gives them; absent fields are not written. */
export interface ExtensionFields {
  readonly basicConstraints?: BasicConstraints;
  readonly keyUsage?: readonly KeyUsage[];
  readonly extKeyUsage?: readonly ExtendedKeyUsage[];
  readonly authorityKeyIdentifier?: Uint8Array;
  readonly subjectAltName?: readonly GeneralName[];
  readonly nameConstraints?: NameConstraints;
  /** URIs of the CRL covering this certificate. */
  readonly crlDistributionPoints?: readonly string[];
  readonly authorityInfoAccess?: AuthorityInfoAccess;
  readonly certificatePolicies?: readonly PolicyInformation[];
  /** RFC 6960 4.2.2.2.1, for delegated OCSP signers. */
  readonly ocspNoCheck?: boolean;
  /** URIs of the delta CRL (RFC 5280 4.2.1.15). */
  readonly freshestCrl?: readonly string[];
  /** Extensions written as given, after the typed ones (their values are not checked). */
  readonly extensions?: readonly Extension[];
  /** Criticality for typed extensions, where the RFC 5280 default does not suit. */
  readonly critical?: { readonly [K in TypedExtensionName]?: boolean };
}

/** What the extensions depend on besides the fields: the subject and its key. */
export interface ExtensionContext {
  /** An empty subject makes subjectAltName critical by default. */
  readonly isSubjectEmpty: boolean;
  /** The subjectKeyIdentifier to write, if any. */
  readonly subjectKeyIdentifier?: Uint8Array;
}

const TRUE = der.boolean(true);

/**
 * DER of one Extension (RFC 5280 4.1). `critical` is written only when true: DER leaves out a
 * value equal to its DEFAULT (X.690 11.5).
 */
export function encodeExtension(oid: string, critical: boolean, value: Uint8Array): Buffer {
  const extnId = oidElement(oid, 'the extension');
  const extnValue = der.octetString(value);
  return critical ? der.sequence(extnId, TRUE, extnValue) : der.sequence(extnId, extnValue);
}

const KEY_CERT_SIGN = keyUsageMask(['keyCertSign']);

function checkConsistency(fields: ExtensionFields): void {
  if (fields.basicConstraints?.isCa === true) return;
  // RFC 5280 4.2.1.3: keyCertSign asserted requires cA asserted.
  if (fields.keyUsage !== undefined && (keyUsageMask(fields.keyUsage) & KEY_CERT_SIGN) !== 0) {
    throw new SymbolonError('CERT_INVALID_INPUT', 'keyUsage keyCertSign needs basicConstraints with isCa true');
  }
  // RFC 5280 4.2.1.10: name constraints only in CA certificates.
  if (fields.nameConstraints !== undefined) throw new SymbolonError('CERT_INVALID_INPUT', 'nameConstraints belong in CA certificates only');
}

const TYPED_BY_OID = new Map<string, TypedExtensionName>(TYPED_EXTENSION_NAMES.map((name) => [OID[name], name]));

function isWritten(name: TypedExtensionName, fields: ExtensionFields, context: ExtensionContext): boolean {
  if (name === 'subjectKeyIdentifier') return context.subjectKeyIdentifier !== undefined;
  if (name === 'ocspNoCheck') return fields.ocspNoCheck === true;
  return fields[name] !== undefined;
}

type Criticality = ExtensionFields['critical'];

function typed(list: Buffer[], name: TypedExtensionName, critical: Criticality, isCriticalByDefault: boolean, value: Buffer): void {
  list.push(encodeExtension(OID[name], critical?.[name] ?? isCriticalByDefault, value));
}

// An issuing CA writes the same authorityKeyIdentifier, CRL and AIA URIs into every certificate:
// their finished Extension elements are kept, keyed by their content (serialised unambiguously,
// so that input which would fail its checks never matches a kept element).
const issuerExtensions = new BoundedCache<string, Buffer>(1024);

function issuerConstant(list: Buffer[], name: TypedExtensionName, critical: Criticality, content: string, encode: () => Buffer): void {
  const isCritical = critical?.[name] ?? false;
  const key = `${name}${isCritical ? '!' : ' '}${content}`;
  let element = issuerExtensions.get(key);
  if (element === undefined) {
    element = encodeExtension(OID[name], isCritical, encode());
    issuerExtensions.set(key, element);
  }
  list.push(element);
}

/**
 * The Extension elements for the given fields, in a fixed order, typed extensions first. Default
 * criticality follows RFC 5280: basicConstraints critical in CA certificates (4.2.1.9), keyUsage
 * (4.2.1.3) and nameConstraints (4.2.1.10) critical, subjectAltName critical when the subject is
 * empty (4.2.1.6), the others non-critical. Throws `CERT_INVALID_INPUT`, `CERT_BAD_NAME`, and
 * `CERT_DUPLICATE_EXTENSION` when a raw extension repeats an OID.
 */
export function encodeExtensionList(fields: ExtensionFields, context: ExtensionContext): Buffer[] {
  checkConsistency(fields);
  const c = fields.critical;
  const list: Buffer[] = [];
  if (fields.basicConstraints !== undefined)
    typed(list, 'basicConstraints', c, fields.basicConstraints.isCa, encodeBasicConstraints(fields.basicConstraints));
  if (fields.keyUsage !== undefined) typed(list, 'keyUsage', c, true, encodeKeyUsage(fields.keyUsage));
  if (fields.extKeyUsage !== undefined) typed(list, 'extKeyUsage', c, false, encodeExtKeyUsage(fields.extKeyUsage));
  if (context.subjectKeyIdentifier !== undefined)
    typed(list, 'subjectKeyIdentifier', c, false, encodeSubjectKeyIdentifier(context.subjectKeyIdentifier));
  const aki = fields.authorityKeyIdentifier;
  if (aki !== undefined)
    issuerConstant(list, 'authorityKeyIdentifier', c, Buffer.from(aki.buffer, aki.byteOffset, aki.byteLength).toString('hex'), () =>
      encodeAuthorityKeyIdentifier(aki),
    );
  if (fields.subjectAltName !== undefined)
    typed(list, 'subjectAltName', c, context.isSubjectEmpty, encodeSubjectAltName(fields.subjectAltName));
  if (fields.nameConstraints !== undefined) typed(list, 'nameConstraints', c, true, encodeNameConstraints(fields.nameConstraints));
  const cdp = fields.crlDistributionPoints;
  if (cdp !== undefined) issuerConstant(list, 'crlDistributionPoints', c, JSON.stringify(cdp), () => encodeCrlDistributionPoints(cdp));
  const aia = fields.authorityInfoAccess;
  if (aia !== undefined)
    issuerConstant(list, 'authorityInfoAccess', c, JSON.stringify([aia.ocsp, aia.caIssuers]), () => encodeAuthorityInfoAccess(aia));
  if (fields.certificatePolicies !== undefined)
    typed(list, 'certificatePolicies', c, false, encodeCertificatePolicies(fields.certificatePolicies));
  if (fields.ocspNoCheck === true) typed(list, 'ocspNoCheck', c, false, encodeOcspNoCheck());
  const freshest = fields.freshestCrl;
  if (freshest !== undefined) issuerConstant(list, 'freshestCrl', c, JSON.stringify(freshest), () => encodeCrlDistributionPoints(freshest));
  const raw = fields.extensions;
  if (raw !== undefined && raw.length > 0) {
    // RFC 5280 4.2: a certificate does not include more than one instance of an extension.
    const seen = new Set<string>();
    for (const extension of raw) {
      const typedName = TYPED_BY_OID.get(extension.oid);
      if (seen.has(extension.oid) || (typedName !== undefined && isWritten(typedName, fields, context)))
        throw new SymbolonError('CERT_DUPLICATE_EXTENSION', `extension ${extension.oid} is given more than once`);
      seen.add(extension.oid);
      list.push(encodeExtension(extension.oid, extension.critical, extension.value));
    }
  }
  return list;
}

/** DER of the Extensions SEQUENCE, or undefined when there is no extension to write. */
export function encodeExtensions(fields: ExtensionFields, context: ExtensionContext): Buffer | undefined {
  const list = encodeExtensionList(fields, context);
  return list.length === 0 ? undefined : der.sequenceOf(list);
}
