import { DerNode, readOid, Tag } from '../../asn1/index.js';
import type { AccessDescription, DistributionPoint } from './types.js';
import { badExtension, decodeExtensionValue, nonEmptySequence, optionalFields, readGeneralNames, readNamedBitList } from './decoding.js';
import { decodeGeneralName } from '../general-name.js';
import { decodeName } from '../name.js';
import type { NameAttribute } from '../name.js';

/** RFC 5280 4.2.1.13 ReasonFlags, in bit order. */
export const REASON_FLAGS = [
  'unused',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

/**
 * A distribution point as read: RFC 5280 also lets the point be named relative to the CRL
 * issuer (one RDN to append to the issuer's name), a form Symbolon never writes.
 */
export interface ParsedDistributionPoint extends DistributionPoint {
  readonly nameRelativeToCrlIssuer?: readonly NameAttribute[];
}

// DistributionPoint fields (RFC 5280 Appendix A.2). The [0] around DistributionPointName is
// explicit because that type is a CHOICE (X.680 31.2.7); its alternatives are implicit.
const DISTRIBUTION_POINT = 0xa0;
const REASONS = 0x81;
const CRL_ISSUER = 0xa2;
const FULL_NAME = 0xa0;
const NAME_RELATIVE_TO_CRL_ISSUER = 0xa1;

function readDistributionPointName(name: string, node: DerNode): Pick<ParsedDistributionPoint, 'fullName' | 'nameRelativeToCrlIssuer'> {
  if (node.children.length !== 1) throw badExtension(name, node, 'a DistributionPointName must hold exactly one choice');
  const choice = node.children[0]!;
  if (choice.tag === FULL_NAME) return { fullName: readGeneralNames(name, choice, FULL_NAME) };
  if (choice.tag === NAME_RELATIVE_TO_CRL_ISSUER) {
    if (choice.children.length === 0) throw badExtension(name, choice, 'nameRelativeToCRLIssuer is an empty RDN');
    // Read the SET's attributes as the single RDN of a Name: the same syntax, minus the wrapping.
    const rdn = choice.retag(Tag.SET);
    const [attributes] = decodeName(choice.retag(Tag.SEQUENCE, [rdn]));
    if (attributes === undefined) throw badExtension(name, choice, 'nameRelativeToCRLIssuer is an empty RDN');
    return { nameRelativeToCrlIssuer: attributes };
  }
  throw badExtension(name, choice, `DistributionPointName has no choice with tag 0x${choice.tag.toString(16)}`);
}

function readReasons(name: string, node: DerNode): string[] {
  return readNamedBitList(name, node, REASONS).map((bit) => {
    const reason = REASON_FLAGS[bit];
    if (reason === undefined) throw badExtension(name, node, `bit ${bit} is not a defined revocation reason`);
    return reason;
  });
}

function readDistributionPoints(name: string, node: DerNode): ParsedDistributionPoint[] {
  return nonEmptySequence(name, node).map((point) => {
    const [dpName, reasons, crlIssuer] = optionalFields(name, point, [DISTRIBUTION_POINT, REASONS, CRL_ISSUER]);
    // RFC 5280 4.2.1.13: a point has a name or a CRL issuer, or both.
    if (dpName === undefined && crlIssuer === undefined)
      throw badExtension(name, point, 'a distribution point has neither a name nor a CRL issuer');
    return {
      ...(dpName !== undefined && readDistributionPointName(name, dpName)),
      ...(reasons !== undefined && { reasons: readReasons(name, reasons) }),
      ...(crlIssuer !== undefined && { crlIssuer: readGeneralNames(name, crlIssuer, CRL_ISSUER) }),
    };
  });
}

/** RFC 5280 4.2.1.13 cRLDistributionPoints. */
export function decodeCrlDistributionPoints(value: Uint8Array, offset = 0): ParsedDistributionPoint[] {
  return decodeExtensionValue('crlDistributionPoints', value, offset, (node) => readDistributionPoints('crlDistributionPoints', node));
}

/** RFC 5280 4.2.1.15 freshestCRL: the same syntax, pointing at delta CRLs. */
export function decodeFreshestCrl(value: Uint8Array, offset = 0): ParsedDistributionPoint[] {
  return decodeExtensionValue('freshestCrl', value, offset, (node) => readDistributionPoints('freshestCrl', node));
}

function readAccessDescriptions(name: string, node: DerNode): AccessDescription[] {
  return nonEmptySequence(name, node).map((description) => {
    if (description.tag !== Tag.SEQUENCE || description.children.length !== 2) {
      throw badExtension(name, description, 'an AccessDescription is not a SEQUENCE of accessMethod and accessLocation');
    }
    return { method: readOid(description.children[0]!), location: decodeGeneralName(description.children[1]!) };
  });
}

/** RFC 5280 4.2.2.1 authorityInfoAccess. */
export function decodeAuthorityInfoAccess(value: Uint8Array, offset = 0): AccessDescription[] {
  return decodeExtensionValue('authorityInfoAccess', value, offset, (node) => readAccessDescriptions('authorityInfoAccess', node));
}

/** RFC 5280 4.2.2.2 subjectInfoAccess: the same syntax as authorityInfoAccess. */
export function decodeSubjectInfoAccess(value: Uint8Array, offset = 0): AccessDescription[] {
  return decodeExtensionValue('subjectInfoAccess', value, offset, (node) => readAccessDescriptions('subjectInfoAccess', node));
}
