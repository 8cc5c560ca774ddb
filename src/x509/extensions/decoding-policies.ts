import { readInteger, readOid, readString, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import type { PolicyInformation } from './types.js';
import { OID } from '../oids.js';
import { badExtension, decodeExtensionValue, nonEmptySequence, optionalFields, readCount } from './decoding.js';

/** RFC 5280 4.2.1.5: one policy of the issuer's domain taken as equivalent to one of the subject's. */
export interface PolicyMapping {
  readonly issuerDomainPolicy: string;
  readonly subjectDomainPolicy: string;
}

/** RFC 5280 4.2.1.11: skip counts, in certificates below this one. */
export interface PolicyConstraints {
  readonly requireExplicitPolicy?: number;
  readonly inhibitPolicyMapping?: number;
}

// RFC 5280 4.2.1.4 DisplayText: the four string types allowed for explicitText.
const DISPLAY_TEXT_TAGS: readonly number[] = [Tag.IA5_STRING, Tag.VISIBLE_STRING, Tag.BMP_STRING, Tag.UTF8_STRING];

function readDisplayText(name: string, node: DerNode): string {
  if (!DISPLAY_TEXT_TAGS.includes(node.tag))
    throw badExtension(name, node, 'DisplayText is not an IA5String, VisibleString, BMPString or UTF8String');
  return readString(node);
}

/** UserNotice ::= SEQUENCE { noticeRef OPTIONAL, explicitText OPTIONAL }: the explicit text, if any. */
function readUserNotice(name: string, node: DerNode): string | undefined {
  if (node.tag !== Tag.SEQUENCE || node.children.length > 2)
    throw badExtension(name, node, 'a UserNotice is not a SEQUENCE of noticeRef and explicitText');
  let explicitText: string | undefined;
  node.children.forEach((child, index) => {
    if (child.tag === Tag.SEQUENCE && index === 0) {
      // NoticeReference ::= SEQUENCE { organization DisplayText, noticeNumbers SEQUENCE OF INTEGER }
      const [organization, numbers] = child.children;
      if (child.children.length !== 2 || organization === undefined || numbers === undefined || numbers.tag !== Tag.SEQUENCE) {
        throw badExtension(name, child, 'a NoticeReference is not a SEQUENCE of organization and noticeNumbers');
      }
      readDisplayText(name, organization);
      for (const number of numbers.children) readInteger(number);
    } else {
      if (index !== node.children.length - 1) throw badExtension(name, child, 'explicitText must come last');
      explicitText = readDisplayText(name, child);
    }
  });
  return explicitText;
}

function readPolicyInformation(name: string, node: DerNode): PolicyInformation {
  if (node.tag !== Tag.SEQUENCE || node.children.length < 1 || node.children.length > 2) {
    throw badExtension(name, node, 'a PolicyInformation is not a SEQUENCE of policyIdentifier and policyQualifiers');
  }
  const policyId = readOid(node.children[0]!);
  const qualifiers = node.children[1];
  if (qualifiers === undefined) return { policyId };
  const cpsUris: string[] = [];
  let userNotice: string | undefined;
  for (const qualifier of nonEmptySequence(name, qualifiers)) {
    if (qualifier.tag !== Tag.SEQUENCE || qualifier.children.length !== 2) {
      throw badExtension(name, qualifier, 'a PolicyQualifierInfo is not a SEQUENCE of policyQualifierId and qualifier');
    }
    const qualifierId = readOid(qualifier.children[0]!);
    const value = qualifier.children[1]!;
    if (qualifierId === OID.qualifierCps) {
      if (value.tag !== Tag.IA5_STRING) throw badExtension(name, value, 'a CPS pointer is not an IA5String');
      cpsUris.push(readString(value));
    } else if (qualifierId === OID.qualifierUserNotice) {
      userNotice ??= readUserNotice(name, value);
    }
    // RFC 5280 4.2.1.4: other qualifiers are not defined by the profile and are passed over.
  }
  return { policyId, ...(cpsUris.length > 0 && { cpsUris }), ...(userNotice !== undefined && { userNotice }) };
}

/** RFC 5280 4.2.1.4 certificatePolicies: each policy OID at most once. */
export function decodeCertificatePolicies(value: Uint8Array, offset = 0): PolicyInformation[] {
  const name = 'certificatePolicies';
  return decodeExtensionValue(name, value, offset, (node) => {
    const policies = nonEmptySequence(name, node).map((child) => readPolicyInformation(name, child));
    const seen = new Set<string>();
    policies.forEach((policy, index) => {
      if (seen.has(policy.policyId)) throw badExtension(name, node.children[index]!, `policy ${policy.policyId} appears more than once`);
      seen.add(policy.policyId);
    });
    return policies;
  });
}

/** RFC 5280 4.2.1.5 policyMappings. */
export function decodePolicyMappings(value: Uint8Array, offset = 0): PolicyMapping[] {
  const name = 'policyMappings';
  return decodeExtensionValue(name, value, offset, (node) =>
    nonEmptySequence(name, node).map((mapping) => {
      if (mapping.tag !== Tag.SEQUENCE || mapping.children.length !== 2)
        throw badExtension(name, mapping, 'a mapping is not a SEQUENCE of two policy OIDs');
      return { issuerDomainPolicy: readOid(mapping.children[0]!), subjectDomainPolicy: readOid(mapping.children[1]!) };
    }),
  );
}

// PolicyConstraints fields, IMPLICIT (RFC 5280 Appendix A.2).
const REQUIRE_EXPLICIT_POLICY = 0x80;
const INHIBIT_POLICY_MAPPING = 0x81;

/** RFC 5280 4.2.1.11 policyConstraints: at least one of its two fields. */
export function decodePolicyConstraints(value: Uint8Array, offset = 0): PolicyConstraints {
  const name = 'policyConstraints';
  return decodeExtensionValue(name, value, offset, (node) => {
    const [require, inhibit] = optionalFields(name, node, [REQUIRE_EXPLICIT_POLICY, INHIBIT_POLICY_MAPPING]);
    if (require === undefined && inhibit === undefined) throw badExtension(name, node, 'the sequence is empty');
    return {
      ...(require !== undefined && { requireExplicitPolicy: readCount(name, require, REQUIRE_EXPLICIT_POLICY) }),
      ...(inhibit !== undefined && { inhibitPolicyMapping: readCount(name, inhibit, INHIBIT_POLICY_MAPPING) }),
    };
  });
}

/** RFC 5280 4.2.1.14 inhibitAnyPolicy: a skip count. */
export function decodeInhibitAnyPolicy(value: Uint8Array, offset = 0): number {
  return decodeExtensionValue('inhibitAnyPolicy', value, offset, (node) => readCount('inhibitAnyPolicy', node));
}
