import { readInteger, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import type { NameConstraints } from './types.js';
import { badExtension, decodeExtensionValue, nonEmptySequence, optionalFields, readGeneralNames } from './decoding.js';
import { decodeGeneralName } from '../general-name.js';
import type { GeneralName } from '../general-name.js';

/** RFC 5280 4.2.1.6 subjectAltName: at least one GeneralName. */
export function decodeSubjectAltName(value: Uint8Array, offset = 0): GeneralName[] {
  return decodeExtensionValue('subjectAltName', value, offset, (node) => readGeneralNames('subjectAltName', node));
}

/** RFC 5280 4.2.1.7 issuerAltName: the same syntax as subjectAltName. */
export function decodeIssuerAltName(value: Uint8Array, offset = 0): GeneralName[] {
  return decodeExtensionValue('issuerAltName', value, offset, (node) => readGeneralNames('issuerAltName', node));
}

// NameConstraints and GeneralSubtree fields, IMPLICIT (RFC 5280 Appendix A.2).
const PERMITTED = 0xa0;
const EXCLUDED = 0xa1;
const MINIMUM = 0x80;
const MAXIMUM = 0x81;

function readSubtrees(name: string, node: DerNode): GeneralName[] {
  return nonEmptySequence(name, node, node.tag).map((subtree) => {
    if (subtree.tag !== Tag.SEQUENCE || subtree.children.length === 0)
      throw badExtension(name, subtree, 'a GeneralSubtree is not a SEQUENCE starting with its base');
    const [minimum, maximum] = optionalFields(name, subtree, [MINIMUM, MAXIMUM], 1);
    // RFC 5280 4.2.1.10: within this profile the minimum is zero and the maximum absent.
    if (minimum !== undefined && readInteger(minimum, MINIMUM) !== 0n)
      throw badExtension(name, minimum, 'a subtree minimum other than 0 is not allowed');
    if (maximum !== undefined) throw badExtension(name, maximum, 'a subtree maximum is not allowed');
    return decodeGeneralName(subtree.children[0]!, true);
  });
}

/** RFC 5280 4.2.1.10 nameConstraints; IP constraints come out as CIDR blocks. */
export function decodeNameConstraints(value: Uint8Array, offset = 0): NameConstraints {
  const name = 'nameConstraints';
  return decodeExtensionValue(name, value, offset, (node) => {
    const [permitted, excluded] = optionalFields(name, node, [PERMITTED, EXCLUDED]);
    // RFC 5280 4.2.1.10: an empty sequence is not allowed.
    if (permitted === undefined && excluded === undefined)
      throw badExtension(name, node, 'neither permitted nor excluded subtrees are present');
    return {
      permitted: permitted === undefined ? [] : readSubtrees(name, permitted),
      excluded: excluded === undefined ? [] : readSubtrees(name, excluded),
    };
  });
}
