import type { DerNode } from '../../asn1/index.js';
import type { ErrorCode } from '../../errors.js';
import { faultAt } from '../../asn1/index.js';

/** The single element inside an `[n] EXPLICIT` wrapper; throws `code` when there is not exactly one. */
export function explicitInner(node: DerNode, code: ErrorCode, what: string): DerNode {
  if (!node.isConstructed || node.children.length !== 1) throw faultAt(code, node, `${what} is not one element in its explicit tag`);
  return node.children[0]!;
}
