import { readBoolean, readOid, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';
import { faultAt } from '../../asn1/index.js';
import type { Extension } from './types.js';

/**
 * `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension` (RFC 5280 4.1), as CRLs (5.1) and OCSP
 * messages (RFC 6960 4.1.1, 4.2.1) carry it: non-empty, each Extension well-formed, the values
 * kept raw. Structural faults are `malformed`; an OID seen twice is `duplicate` (RFC 5280 4.2,
 * 5.2, 5.3: an extension appears at most once).
 */
export function readRawExtensions(node: DerNode, malformed: ErrorCode, duplicate: ErrorCode = malformed): Extension[] {
  if (node.tag !== Tag.SEQUENCE || node.children.length === 0) throw faultAt(malformed, node, 'Extensions is not a non-empty SEQUENCE');
  const seen = new Set<string>();
  return node.children.map((child) => {
    if (child.tag !== Tag.SEQUENCE || child.children.length < 2 || child.children.length > 3)
      throw faultAt(malformed, child, 'an Extension is not a SEQUENCE of extnID, critical and extnValue');
    const oid = readOid(child.children[0]!);
    const critical = child.children.length === 3 && readBoolean(child.children[1]!);
    const value = child.children[child.children.length - 1]!;
    if (value.tag !== Tag.OCTET_STRING) throw faultAt(malformed, value, 'an extnValue is not an OCTET STRING');
    if (seen.has(oid)) throw new SymbolonError(duplicate, `extension ${oid} appears more than once (at byte ${child.offset})`);
    seen.add(oid);
    return { oid, critical, value: value.content };
  });
}
