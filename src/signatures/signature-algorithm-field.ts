import { readOid, Tag } from '../asn1/index.js';
import type { DerNode } from '../asn1/index.js';
import { SymbolonError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { parseSignatureAlgorithm } from './signature-algorithm.js';
import type { SignatureAlgorithm } from './signature-algorithm.js';
import { faultAt } from '../asn1/index.js';

/** The signatureAlgorithm of a signed object: its OID always, the algorithm when Symbolon runs it. */
export interface SignatureAlgorithmField {
  readonly algorithm: SignatureAlgorithm | undefined;
  readonly oid: string;
}

/**
 * Reads the AlgorithmIdentifier frame strictly (`malformed` when it is not one). An algorithm
 * Symbolon does not run (SHA-1 RSA on an old root, Ed448) is not a malformed certificate: it
 * comes back undefined, and verifying with it is SIG_UNSUPPORTED_ALGORITHM.
 */
export function readSignatureAlgorithmField(node: DerNode, malformed: ErrorCode): SignatureAlgorithmField {
  if (node.tag !== Tag.SEQUENCE || node.children.length < 1 || node.children.length > 2)
    throw faultAt(malformed, node, 'a signature AlgorithmIdentifier is malformed');
  const oid = readOid(node.children[0]!);
  try {
    return { algorithm: parseSignatureAlgorithm(node), oid };
  } catch (error) {
    if (error instanceof SymbolonError && error.code === 'SIG_UNSUPPORTED_ALGORITHM') return { algorithm: undefined, oid };
    throw error;
  }
}
