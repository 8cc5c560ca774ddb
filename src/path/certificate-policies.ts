import type { Certificate } from '../x509/index.js';
import { OID } from '../x509/index.js';
import { isSelfIssued } from './name-comparison.js';

/**
 * RFC 5280 6.1 certificate policy processing, with the user-initial-policy-set anyPolicy and
 * initial-explicit-policy, initial-any-policy-inhibit and initial-policy-mapping-inhibit all
 * false (the RFC's defaults). The valid_policy_tree is kept as the set of its leaf policies, which
 * is exact as long as no policy mapping is applied. policyMappings is not applied: a critical one
 * is refused as an extension Symbolon does not process, and a non-critical one is ignored,
 * which can only shrink the valid set (a mapped policy no longer matches), so the answer errs
 * towards refusing. Returns the index of the certificate where the policy requirement fails.
 */
export function policyViolation(path: readonly Certificate[]): { certificateIndex: number; detail: string } | undefined {
  // The path of RFC 5280 6.1 excludes the trust anchor: certificates 1..n are path[n-1]..path[0].
  const n = path.length - 1;
  let explicitPolicy = n + 1;
  let inhibitAnyPolicy = n + 1;
  let validPolicies = 'any' as Set<string> | 'any';
  for (let i = 1; i <= n; i++) {
    const index = n - i;
    const certificate = path[index]!;
    const isLast = i === n;
    const selfIssued = isSelfIssued(certificate);
    const policies = certificate.certificatePolicies;
    if (policies === undefined) {
      // 6.1.3 (e): no certificatePolicies, no valid policy tree.
      validPolicies = new Set();
    } else {
      // 6.1.3 (d): anyPolicy counts when inhibit_anyPolicy is positive, or for a self-issued CA.
      const isAnyAllowed = inhibitAnyPolicy > 0 || (!isLast && selfIssued);
      const asserted = new Set(policies.map((policy) => policy.policyId).filter((id) => id !== OID.anyPolicy));
      const hasAny = isAnyAllowed && policies.some((policy) => policy.policyId === OID.anyPolicy);
      if (validPolicies === 'any') validPolicies = hasAny ? 'any' : asserted;
      else if (!hasAny) validPolicies = new Set([...validPolicies].filter((id) => asserted.has(id)));
    }
    const isTreeEmpty = validPolicies !== 'any' && validPolicies.size === 0;
    const failure = (): { certificateIndex: number; detail: string } => ({ certificateIndex: index, detail: `an explicit certificate policy is required, and no policy is valid for the path down to certificate ${index}` });
    // 6.1.3 (f), before this certificate's own constraints take effect.
    if (explicitPolicy <= 0 && isTreeEmpty) return failure();
    if (!isLast) {
      // 6.1.4 (h)-(j).
      if (!selfIssued) {
        if (explicitPolicy > 0) explicitPolicy--;
        if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
      }
      const required = certificate.policyConstraints?.requireExplicitPolicy;
      if (required !== undefined && required < explicitPolicy) explicitPolicy = required;
      const inhibit = certificate.inhibitAnyPolicy;
      if (inhibit !== undefined && inhibit < inhibitAnyPolicy) inhibitAnyPolicy = inhibit;
    } else {
      // 6.1.5 (a)-(b).
      if (explicitPolicy > 0) explicitPolicy--;
      if (certificate.policyConstraints?.requireExplicitPolicy === 0) explicitPolicy = 0;
      // 6.1.5 (g).
      if (explicitPolicy <= 0 && isTreeEmpty) return failure();
    }
  }
  return undefined;
}
