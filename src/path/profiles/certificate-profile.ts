import type { Certificate, Extension } from '../../x509/index.js';
import { OID, verifySignature } from '../../x509/index.js';
import { weakKeyReason } from './key-strength.js';
import { pathFailure } from '../path-result.js';
import type { PathErrorCode, PathFailure } from '../path-result.js';
import type { ValidationProfile } from './validation-profile.js';
import type { WorkBudget } from '../work-limits.js';

/** Where a certificate stands in the candidate path. */
export interface CertificateRole {
  readonly index: number;
  /** Index 0: the certificate being validated. */
  readonly isLeaf: boolean;
  readonly isAnchor: boolean;
}

function extensionOf(certificate: Certificate, oid: string): Extension | undefined {
  return certificate.extensions.find((extension) => extension.oid === oid);
}

/**
 * Self-signed: self-issued and its signature verifies with its own key (RFC 5280 3.2, 6.1). A
 * trust anchor that is self-issued is taken as self-signed: it is trusted as it stands.
 */
function isSelfSigned(certificate: Certificate, isAnchor: boolean, budget: WorkBudget): boolean {
  if (!certificate.isSelfIssued) return false;
  if (isAnchor) return true;
  const algorithm = certificate.signatureAlgorithm;
  const key = certificate.publicKey.keyObject;
  if (algorithm === undefined || key === undefined) return false;
  budget.signatureCheck();
  return verifySignature(algorithm, key, certificate.tbs, certificate.signature);
}

/**
 * The rules RFC 5280 states as absolutes on a certificate's own content that path validation
 * relies on, kept under every profile. Each is a certificate contradicting itself.
 */
function rfc5280Failure(certificate: Certificate, role: CertificateRole): PathFailure | undefined {
  const { index } = role;
  const isCa = certificate.basicConstraints?.isCa === true;
  const fail = (code: PathErrorCode, detail: string): PathFailure => pathFailure(code, index, `certificate ${index} ${detail}`);
  if (role.isLeaf && !isCa) {
    // 4.2.1.3 and 4.2.1.9: keyCertSign only with cA asserted.
    if (certificate.keyUsage?.includes('keyCertSign') === true)
      return fail('PATH_END_ENTITY_KEY_CERT_SIGN', 'asserts keyCertSign but is not a CA certificate');
    // 4.2.1.10: nameConstraints MUST be used only in a CA certificate.
    if (certificate.nameConstraints !== undefined)
      return fail('PATH_END_ENTITY_NAME_CONSTRAINTS', 'carries nameConstraints but is not a CA certificate');
  }
  // 4.1.2.6: a CA's subject MUST be a non-empty distinguished name (its certificates name it as issuer).
  if (isCa && certificate.subject.length === 0) return fail('PATH_CA_SUBJECT_EMPTY', 'is a CA certificate with an empty subject');
  // 4.2.1.6: with an empty subject, the identity is in a subjectAltName that MUST be critical.
  if (certificate.subject.length === 0 && certificate.version === 3 && extensionOf(certificate, OID.subjectAltName)?.critical !== true) {
    return fail('PATH_SUBJECT_ALT_NAME_NOT_CRITICAL', 'has an empty subject and no critical subjectAltName');
  }
  return undefined;
}

/** Key identifiers (RFC 5280 4.2.1.1-2), as the strict profile reads them. */
function keyIdentifierFailure(certificate: Certificate, role: CertificateRole, budget: WorkBudget): PathFailure | undefined {
  const { index } = role;
  const aki = extensionOf(certificate, OID.authorityKeyIdentifier);
  const ski = extensionOf(certificate, OID.subjectKeyIdentifier);
  if (aki?.critical === true || ski?.critical === true)
    return pathFailure(
      'PATH_KEY_ID_CRITICAL',
      index,
      `certificate ${index} has its ${aki?.critical === true ? 'authority' : 'subject'} key identifier marked critical`,
    );
  // A v1 anchor cannot carry extensions; it is trusted as it stands.
  const isV1Anchor = role.isAnchor && certificate.version !== 3;
  if (certificate.basicConstraints?.isCa === true && certificate.subjectKeyIdentifier === undefined && !isV1Anchor) {
    return pathFailure('PATH_SUBJECT_KEY_ID_MISSING', index, `CA certificate ${index} has no subjectKeyIdentifier`);
  }
  const keyId = certificate.authorityKeyIdentifier?.keyIdentifier;
  if (keyId === undefined) {
    if (isV1Anchor || isSelfSigned(certificate, role.isAnchor, budget)) return undefined;
    return pathFailure(
      'PATH_AUTHORITY_KEY_ID_MISSING',
      index,
      `certificate ${index} is not self-signed and has no authorityKeyIdentifier keyIdentifier`,
    );
  }
  // A self-signed anchor's key identifier names its own key.
  const own = certificate.subjectKeyIdentifier;
  if (role.isAnchor && certificate.isSelfIssued && own !== undefined && !keyId.equals(own)) {
    return pathFailure(
      'PATH_ROOT_KEY_ID_MISMATCH',
      index,
      `trust anchor ${index} is self-signed but its authorityKeyIdentifier names another key than its subjectKeyIdentifier`,
    );
  }
  return undefined;
}

/** Criticality the RFC requires or recommends, as the strict profile reads it. */
function criticalityFailure(certificate: Certificate, index: number): PathFailure | undefined {
  const at = (code: PathErrorCode, detail: string): PathFailure => pathFailure(code, index, `certificate ${index} ${detail}`);
  // 4.2.1.9: MUST be critical in CA certificates.
  if (certificate.basicConstraints?.isCa === true && extensionOf(certificate, OID.basicConstraints)?.critical !== true)
    return at('PATH_BASIC_CONSTRAINTS_NOT_CRITICAL', 'is a CA certificate whose basicConstraints is not critical');
  // 4.2.1.10 and 4.2.1.11: MUST be critical.
  if (extensionOf(certificate, OID.nameConstraints)?.critical === false)
    return at('PATH_NAME_CONSTRAINTS_NOT_CRITICAL', 'has a nameConstraints extension that is not critical');
  if (extensionOf(certificate, OID.policyConstraints)?.critical === false)
    return at('PATH_POLICY_CONSTRAINTS_NOT_CRITICAL', 'has a policyConstraints extension that is not critical');
  // 4.2.1.6: SHOULD be non-critical beside a non-empty subject (which carries the identity too).
  if (certificate.subject.length > 0 && extensionOf(certificate, OID.subjectAltName)?.critical === true)
    return at('PATH_SUBJECT_ALT_NAME_CRITICAL', 'has a non-empty subject and a critical subjectAltName');
  // 4.2.2.1: MUST be non-critical.
  if (extensionOf(certificate, OID.authorityInfoAccess)?.critical === true)
    return at('PATH_AUTHORITY_INFO_ACCESS_CRITICAL', 'has a critical authorityInfoAccess extension');
  return undefined;
}

/**
 * DNS names outside the preferred name syntax that RFC 5280 4.2.1.6 requires of dNSName:
 * underscores (tolerated by the name-constraint matching under rfc5280, as OpenSSL does), and a
 * DNS constraint with a leading period, which RFC 5280 4.2.1.10 does not define for DNS names
 * (OpenSSL and Go read it as "strictly below").
 */
function dnsNameFailure(certificate: Certificate, index: number): PathFailure | undefined {
  const underscored = certificate.dnsNames.find((name) => name.includes('_'));
  if (underscored !== undefined)
    return pathFailure('PATH_DNS_NAME_INVALID', index, `certificate ${index} has DNS name ${underscored}, with an underscore`);
  const constraints = certificate.nameConstraints;
  if (constraints === undefined) return undefined;
  for (const base of [...constraints.permitted, ...constraints.excluded]) {
    if (base.type !== 'dns') continue;
    if (base.value.includes('_'))
      return pathFailure('PATH_DNS_NAME_INVALID', index, `certificate ${index} has DNS name constraint ${base.value}, with an underscore`);
    if (base.value.startsWith('.'))
      return pathFailure(
        'PATH_DNS_CONSTRAINT_LEADING_PERIOD',
        index,
        `certificate ${index} has DNS name constraint ${base.value}, with a leading period`,
      );
  }
  return undefined;
}

function strictFailure(certificate: Certificate, role: CertificateRole, budget: WorkBudget): PathFailure | undefined {
  const { index } = role;
  // 4.1.2.2: positive, at most 20 octets (RFC 5280 asks relying parties to tolerate others; strict does not).
  if (!certificate.hasConformingSerialNumber)
    return pathFailure(
      'PATH_SERIAL_NUMBER_INVALID',
      index,
      `certificate ${index} has serial number ${certificate.serialNumber}, which is not a positive integer of at most 20 octets`,
    );
  const weak = weakKeyReason(certificate.publicKey);
  if (weak !== undefined) return pathFailure('PATH_WEAK_KEY', index, `certificate ${index} has ${weak}`);
  if (role.isLeaf && !role.isAnchor && certificate.basicConstraints?.isCa === true)
    return pathFailure('PATH_END_ENTITY_IS_CA', index, `the end-entity certificate ${index} is a CA certificate (cA=TRUE)`);
  // CA/Browser Forum BR 7.1.2.1: a root carries no extendedKeyUsage.
  if (role.isAnchor && !role.isLeaf && certificate.isSelfIssued && certificate.extKeyUsage !== undefined)
    return pathFailure('PATH_ROOT_EXTENDED_KEY_USAGE', index, `self-signed trust anchor ${index} carries an extendedKeyUsage`);
  return keyIdentifierFailure(certificate, role, budget) ?? criticalityFailure(certificate, index) ?? dnsNameFailure(certificate, index);
}

/**
 * The profile's rules on one certificate of a candidate path: under both profiles the RFC 5280
 * absolutes above; under `strict` also serial numbers, key strength, key identifiers,
 * criticality, DNS name syntax, an end entity that is a CA and an extendedKeyUsage on a root.
 * Under `rfc5280` a trust anchor is not judged by the strict rules (RFC 5280 6.1.1 (d): it is
 * an input, trusted out of band). Returns the first failure.
 */
export function certificateProfileFailure(
  certificate: Certificate,
  role: CertificateRole,
  profile: ValidationProfile,
  budget: WorkBudget,
): PathFailure | undefined {
  return rfc5280Failure(certificate, role) ?? (profile === 'strict' ? strictFailure(certificate, role, budget) : undefined);
}
