import type { Certificate } from '../x509/index.js';
import { DECODED_EXTENSIONS } from '../x509/index.js';
import { policyViolation } from './certificate-policies.js';
import { certificateProfileFailure } from './profiles/certificate-profile.js';
import { extendedKeyUsageViolation } from './profiles/extended-key-usage.js';
import type { PathPurpose } from './profiles/extended-key-usage.js';
import { isSelfIssued } from './names/name-comparison.js';
import { nameConstraintViolation } from './names/name-constraints.js';
import { pathFailure } from './path-result.js';
import type { PathFailure } from './path-result.js';
import { tlsLeafFailure } from './profiles/tls-leaf-profile.js';
import type { ValidationProfile } from './profiles/validation-profile.js';
import type { WorkBudget } from './work-limits.js';

/** The extensions this validator acts on or may safely pass over, critical or not: every one the x509 parser decodes. */
const PROCESSED_EXTENSIONS: ReadonlySet<string> = DECODED_EXTENSIONS;

export interface ChainCheckOptions {
  readonly at: Date;
  readonly purpose: PathPurpose;
  readonly budget: WorkBudget;
  readonly profile: ValidationProfile;
}

function validityFailure(certificate: Certificate, index: number, at: Date): PathFailure | undefined {
  const time = at.getTime();
  // RFC 5280 4.1.2.5: the validity period includes both notBefore and notAfter.
  if (time < certificate.notBefore.getTime())
    return pathFailure('PATH_NOT_YET_VALID', index, `certificate ${index} is not valid before ${certificate.notBefore.toISOString()}`);
  if (time > certificate.notAfter.getTime())
    return pathFailure('PATH_EXPIRED', index, `certificate ${index} expired at ${certificate.notAfter.toISOString()}`);
  return undefined;
}

function criticalExtensionFailure(certificate: Certificate, index: number): PathFailure | undefined {
  for (const extension of certificate.extensions) {
    // RFC 5280 4.2: a critical extension that is not recognised, or not processed, is refused.
    if (extension.critical && !PROCESSED_EXTENSIONS.has(extension.oid)) {
      return pathFailure(
        'PATH_UNKNOWN_CRITICAL_EXTENSION',
        index,
        `certificate ${index} has critical extension ${extension.oid}, which Symbolon does not process`,
      );
    }
  }
  return undefined;
}

/**
 * RFC 5280 6.1.4 (k): an issuer is a CA. A v3 trust anchor must say so in basicConstraints as
 * well (stricter than RFC 5280, which leaves anchors to out-of-band trust; OpenSSL's -x509_strict
 * agrees); a v1 anchor, which cannot carry extensions, is taken as a CA.
 */
function caFailure(certificate: Certificate, index: number, isAnchor: boolean): PathFailure | undefined {
  if (certificate.basicConstraints?.isCa === true) return undefined;
  if (isAnchor && certificate.version === 1) return undefined;
  return pathFailure(
    'PATH_NOT_CA',
    index,
    `certificate ${index} issues certificate ${index - 1} but is not a CA certificate (basicConstraints cA is not set)`,
  );
}

/** RFC 5280 6.1.4 (n): an issuer with a keyUsage must have keyCertSign. */
function issuerKeyUsageFailure(certificate: Certificate, index: number): PathFailure | undefined {
  if (certificate.keyUsage === undefined || certificate.keyUsage.includes('keyCertSign')) return undefined;
  return pathFailure('PATH_KEY_USAGE_INVALID', index, `CA certificate ${index} has a key usage without keyCertSign`);
}

/** RFC 5280 4.2.1.3: a TLS leaf signs the handshake, so a keyUsage present must have digitalSignature. */
function leafKeyUsageFailure(leaf: Certificate, purpose: PathPurpose): PathFailure | undefined {
  if (purpose === 'any' || leaf.keyUsage === undefined || leaf.keyUsage.includes('digitalSignature')) return undefined;
  return pathFailure(
    'PATH_KEY_USAGE_INVALID',
    0,
    `the certificate's key usage lacks digitalSignature, which TLS ${purpose} authentication needs`,
  );
}

/**
 * RFC 5280 6.1.3-6.1.5 on one candidate path whose signatures are already verified (leaf first,
 * trust anchor last; a path of one is a leaf that is itself an anchor). Checks, from the anchor
 * down: validity at `at`, critical extensions, CA status, pathLenConstraint (self-issued
 * intermediates not counted, 6.1.4 (l)), keyCertSign, name constraints of every CA above each
 * certificate, the profile's rules on each certificate (certificate-profile.ts), then the leaf's
 * key usage and extended key usage for the purpose, the TLS leaf rules of the strict profile and
 * the certificate policies. The anchor's own constraints (pathLen, name constraints, EKU) are
 * applied too, as RFC 5937 allows: they can only refuse more. Returns the first failure.
 */
export function checkCandidatePath(path: readonly Certificate[], options: ChainCheckOptions): PathFailure | undefined {
  const anchorIndex = path.length - 1;
  let maxPathLength = Number.POSITIVE_INFINITY;
  for (let index = anchorIndex; index >= 0; index--) {
    const certificate = path[index]!;
    const failure = validityFailure(certificate, index, options.at) ?? criticalExtensionFailure(certificate, index);
    if (failure !== undefined) return failure;
    if (index < anchorIndex) {
      // 6.1.3 (b)-(c): names of a self-issued intermediate are not held to the constraints above.
      if (index === 0 || !isSelfIssued(certificate)) {
        for (let above = index + 1; above <= anchorIndex; above++) {
          const violation = nameConstraintViolation(path[above]!, certificate, index === 0, options.budget);
          if (violation !== undefined)
            return pathFailure('PATH_NAME_CONSTRAINT_VIOLATED', index, `certificate ${index}: ${violation} of CA certificate ${above}`);
        }
      }
    }
    const profileFailure = certificateProfileFailure(
      certificate,
      { index, isLeaf: index === 0, isAnchor: index === anchorIndex },
      options.profile,
      options.budget,
    );
    if (profileFailure !== undefined) return profileFailure;
    if (index === 0) break;
    const caCheck = caFailure(certificate, index, index === anchorIndex) ?? issuerKeyUsageFailure(certificate, index);
    if (caCheck !== undefined) return caCheck;
    // 6.1.4 (l)-(m), with the anchor's pathLenConstraint as the starting max_path_length.
    if (index < anchorIndex && !isSelfIssued(certificate)) {
      if (maxPathLength <= 0)
        return pathFailure(
          'PATH_LENGTH_EXCEEDED',
          index,
          `CA certificate ${index} is below a CA whose pathLenConstraint allows no further CA certificates`,
        );
      maxPathLength--;
    }
    const pathLen = certificate.basicConstraints?.pathLenConstraint;
    if (pathLen !== undefined && pathLen < maxPathLength) maxPathLength = pathLen;
  }
  const leafFailure = leafKeyUsageFailure(path[0]!, options.purpose);
  if (leafFailure !== undefined) return leafFailure;
  const eku = extendedKeyUsageViolation(path, options.purpose);
  if (eku !== undefined) return pathFailure('PATH_EXTENDED_KEY_USAGE_INVALID', eku.certificateIndex, eku.detail);
  if (options.profile === 'strict') {
    const tls = tlsLeafFailure(path[0]!, options.purpose);
    if (tls !== undefined) return tls;
  }
  const policy = policyViolation(path, options.budget);
  if (policy !== undefined) return pathFailure('PATH_POLICY_INVALID', policy.certificateIndex, policy.detail);
  return undefined;
}
