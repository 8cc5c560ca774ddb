import type { Certificate } from '../x509/index.js';
import { OID } from '../x509/index.js';
import { isSelfIssued } from './names/name-comparison.js';
import type { WorkBudget } from './work-limits.js';

/**
 * One node of the valid_policy_tree, kept as the policy graph of RFC 9618: at each depth there is
 * at most one node per valid_policy, with every parent it would have had in RFC 5280's tree. The
 * graph answers the same as the tree but grows with the number of policies, not with the number
 * of ways to reach them, so a chain built to blow the tree up costs what its size says.
 */
interface PolicyNode {
  readonly validPolicy: string;
  expectedPolicySet: ReadonlySet<string>;
  readonly parents: ReadonlySet<PolicyNode>;
}

/** The nodes of one depth, by valid_policy. */
type Level = Map<string, PolicyNode>;

export interface PolicyViolation {
  readonly certificateIndex: number;
  readonly detail: string;
}

/** RFC 5280 6.1.3 (d)(1)-(2): the nodes of depth i for a certificate's policies below `parents`. */
function nextLevel(parents: Level, policies: readonly string[], isAnyPolicyUsed: boolean, budget: WorkBudget): Level {
  const byExpected = new Map<string, PolicyNode[]>();
  for (const parent of parents.values()) {
    budget.policyWork(parent.expectedPolicySet.size);
    for (const expected of parent.expectedPolicySet) {
      const list = byExpected.get(expected);
      if (list === undefined) byExpected.set(expected, [parent]);
      else list.push(parent);
    }
  }
  const anyParent = parents.get(OID.anyPolicy);
  const level: Level = new Map();
  const add = (policy: string, nodeParents: readonly PolicyNode[]): void => {
    budget.policyWork(1 + nodeParents.length);
    level.set(policy, { validPolicy: policy, expectedPolicySet: new Set([policy]), parents: new Set(nodeParents) });
  };
  for (const policy of policies) {
    if (policy === OID.anyPolicy || level.has(policy)) continue;
    // (d)(1)(i): every node whose expected_policy_set holds the policy; else (ii) the anyPolicy node.
    const matched = byExpected.get(policy);
    if (matched !== undefined) add(policy, matched);
    else if (anyParent !== undefined) add(policy, [anyParent]);
  }
  if (isAnyPolicyUsed) {
    // (d)(2): each expected policy (anyPolicy included) not yet at this depth, below every node expecting it.
    for (const [expected, nodeParents] of byExpected) if (!level.has(expected)) add(expected, nodeParents);
  }
  return level;
}

/** RFC 5280 6.1.3 (d)(3) and 6.1.4 (b)(2): removes the nodes above the last depth that have no children left. */
function prune(levels: Level[]): void {
  for (let depth = levels.length - 2; depth >= 0; depth--) {
    const referenced = new Set<PolicyNode>();
    for (const node of levels[depth + 1]!.values()) for (const parent of node.parents) referenced.add(parent);
    for (const [policy, node] of levels[depth]!) if (!referenced.has(node)) levels[depth]!.delete(policy);
  }
}

/** RFC 5280 6.1.4 (b): applies a certificate's policyMappings to the nodes of its depth. */
function applyMappings(
  level: Level,
  mappings: ReadonlyMap<string, ReadonlySet<string>>,
  isMappingAllowed: boolean,
  budget: WorkBudget,
): void {
  for (const [issuerDomainPolicy, subjectDomainPolicies] of mappings) {
    budget.policyWork(subjectDomainPolicies.size);
    const node = level.get(issuerDomainPolicy);
    if (!isMappingAllowed) {
      // (b)(2): mapping inhibited, so the mapped policy is no longer valid below here.
      level.delete(issuerDomainPolicy);
    } else if (node !== undefined) {
      node.expectedPolicySet = subjectDomainPolicies;
    } else {
      // (b)(1): a policy met only through anyPolicy becomes a node of its own, expecting its mappings.
      const anyNode = level.get(OID.anyPolicy);
      if (anyNode !== undefined)
        level.set(issuerDomainPolicy, {
          validPolicy: issuerDomainPolicy,
          expectedPolicySet: subjectDomainPolicies,
          parents: anyNode.parents,
        });
    }
  }
}

/**
 * RFC 5280 6.1 certificate policy processing (6.1.3 (d)-(f), 6.1.4 (a)-(b), (g)-(j), 6.1.5 (a),
 * (b), (g)) with the valid_policy_tree as RFC 9618's policy graph, under the RFC's default inputs:
 * user-initial-policy-set anyPolicy and initial-explicit-policy, initial-policy-mapping-inhibit
 * and initial-any-policy-inhibit all false. With anyPolicy as the user set, the intersection of
 * 6.1.5 (g) is the tree itself, so the path fails only where an explicit policy is required
 * (requireExplicitPolicy) and the tree is empty, or where a mapping involves anyPolicy. Returns
 * the index of the certificate where it fails. Throws PATH_LIMIT_EXCEEDED when the graph outgrows the
 * budget.
 */
export function policyViolation(path: readonly Certificate[], budget: WorkBudget): PolicyViolation | undefined {
  // The path of RFC 5280 6.1 excludes the trust anchor: certificates 1..n are path[n-1]..path[0].
  const n = path.length - 1;
  let explicitPolicy = n + 1;
  let inhibitAnyPolicy = n + 1;
  let policyMapping = n + 1;
  // valid_policy_tree: undefined is NULL. Depth 0 is the anyPolicy node (6.1.2 (a)).
  let levels: Level[] | undefined = [
    new Map([[OID.anyPolicy, { validPolicy: OID.anyPolicy, expectedPolicySet: new Set([OID.anyPolicy]), parents: new Set<PolicyNode>() }]]),
  ];
  for (let i = 1; i <= n; i++) {
    const index = n - i;
    const certificate = path[index]!;
    const isLast = i === n;
    const selfIssued = isSelfIssued(certificate);
    const policies = certificate.certificatePolicies;
    if (policies === undefined) {
      // 6.1.3 (e): no certificatePolicies, no valid policy tree.
      levels = undefined;
    } else if (levels !== undefined) {
      // 6.1.3 (d): anyPolicy counts when inhibit_anyPolicy is positive, or for a self-issued CA.
      const isAnyAllowed = inhibitAnyPolicy > 0 || (!isLast && selfIssued);
      const ids = policies.map((policy) => policy.policyId);
      const level = nextLevel(levels[levels.length - 1]!, ids, isAnyAllowed && ids.includes(OID.anyPolicy), budget);
      levels.push(level);
      prune(levels);
      if (level.size === 0) levels = undefined;
    }
    const failure = (): PolicyViolation => ({
      certificateIndex: index,
      detail: `an explicit certificate policy is required, and no policy is valid for the path down to certificate ${index}`,
    });
    // 6.1.3 (f), before this certificate's own constraints take effect.
    if (explicitPolicy <= 0 && levels === undefined) return failure();
    if (!isLast) {
      const mappings = certificate.policyMappings;
      if (mappings !== undefined) {
        const grouped = new Map<string, Set<string>>();
        for (const { issuerDomainPolicy, subjectDomainPolicy } of mappings) {
          // 6.1.4 (a): anyPolicy is never mapped, nor mapped to.
          if (issuerDomainPolicy === OID.anyPolicy || subjectDomainPolicy === OID.anyPolicy) {
            return {
              certificateIndex: index,
              detail: `CA certificate ${index} maps a policy to or from anyPolicy, which RFC 5280 forbids`,
            };
          }
          const set = grouped.get(issuerDomainPolicy);
          if (set === undefined) grouped.set(issuerDomainPolicy, new Set([subjectDomainPolicy]));
          else set.add(subjectDomainPolicy);
        }
        if (levels !== undefined) {
          const level = levels[levels.length - 1]!;
          applyMappings(level, grouped, policyMapping > 0, budget);
          prune(levels);
          if (level.size === 0) levels = undefined;
        }
      }
      // 6.1.4 (h)-(j).
      if (!selfIssued) {
        if (explicitPolicy > 0) explicitPolicy--;
        if (policyMapping > 0) policyMapping--;
        if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
      }
      const constraints = certificate.policyConstraints;
      const required = constraints?.requireExplicitPolicy;
      if (required !== undefined && required < explicitPolicy) explicitPolicy = required;
      const inhibitMapping = constraints?.inhibitPolicyMapping;
      if (inhibitMapping !== undefined && inhibitMapping < policyMapping) policyMapping = inhibitMapping;
      const inhibit = certificate.inhibitAnyPolicy;
      if (inhibit !== undefined && inhibit < inhibitAnyPolicy) inhibitAnyPolicy = inhibit;
    } else {
      // 6.1.5 (a)-(b).
      if (explicitPolicy > 0) explicitPolicy--;
      if (certificate.policyConstraints?.requireExplicitPolicy === 0) explicitPolicy = 0;
      // 6.1.5 (g).
      if (explicitPolicy <= 0 && levels === undefined) return failure();
    }
  }
  return undefined;
}
