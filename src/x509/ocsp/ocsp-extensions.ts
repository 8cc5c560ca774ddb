import { readBoolean, readOid, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import type { ErrorCode } from '../../errors.js';
import { SymbolonError } from '../../errors.js';
import type { Extension } from '../extensions/types.js';
import { faultAt } from '../parse-errors.js';

/**
 * An Extensions SEQUENCE of a request or response (RFC 6960 4.1.1, 4.2.1; the syntax of RFC
 * 5280 4.1): non-empty, each Extension well-formed, each OID at most once. Values stay raw.
 * Throws `code`.
 */
export function readOcspExtensions(node: DerNode, code: ErrorCode): Extension[] {
  if (node.tag !== Tag.SEQUENCE || node.children.length === 0) throw faultAt(code, node, 'Extensions is not a non-empty SEQUENCE');
  const seen = new Set<string>();
  return node.children.map((child) => {
    if (child.tag !== Tag.SEQUENCE || child.children.length < 2 || child.children.length > 3) throw faultAt(code, child, 'an Extension is not a SEQUENCE of extnID, critical and extnValue');
    const oid = readOid(child.children[0]!);
    const critical = child.children.length === 3 && readBoolean(child.children[1]!);
    const value = child.children[child.children.length - 1]!;
    if (value.tag !== Tag.OCTET_STRING) throw faultAt(code, value, 'an extnValue is not an OCTET STRING');
    if (seen.has(oid)) throw new SymbolonError(code, `extension ${oid} appears more than once (at byte ${child.offset})`);
    seen.add(oid);
    return { oid, critical, value: value.content };
  });
}

/** The single element inside an `[n] EXPLICIT` wrapper; throws `code` when there is not exactly one. */
export function explicitInner(node: DerNode, code: ErrorCode, what: string): DerNode {
  if (!node.isConstructed || node.children.length !== 1) throw faultAt(code, node, `${what} is not one element in its explicit tag`);
  return node.children[0]!;
}
