import { decodeDer, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import { isSymbolonError } from '../../errors.js';
import type { ObjectKind } from './inspected-object.js';

/** What the outer shape of some DER says it is meant to be, or why it is not DER at all. */
export type DerShape = { readonly kind: ObjectKind | undefined } | { readonly notDer: string };

const ATTRIBUTES = 0xa0;

function kindOf(root: DerNode): ObjectKind | undefined {
  if (root.tag !== Tag.SEQUENCE) return undefined;
  const [first, second, third] = root.children;
  const count = root.children.length;
  // Certificate and CertificationRequest: SEQUENCE { toBeSigned, signatureAlgorithm, BIT STRING };
  // certificationRequestInfo has four fields, the last the [0] attributes (RFC 2986 4.1).
  if (count === 3 && first?.tag === Tag.SEQUENCE && second?.tag === Tag.SEQUENCE && third?.tag === Tag.BIT_STRING) {
    return first.children.length === 4 && first.children[3]?.tag === ATTRIBUTES ? 'csr' : 'certificate';
  }
  // SubjectPublicKeyInfo (RFC 5280 4.1) and EncryptedPrivateKeyInfo (RFC 5958 3).
  if (count === 2 && first?.tag === Tag.SEQUENCE && second?.tag === Tag.BIT_STRING) return 'publicKey';
  if (count === 2 && first?.tag === Tag.SEQUENCE && second?.tag === Tag.OCTET_STRING) return 'privateKey';
  // PrivateKeyInfo, RSAPrivateKey and ECPrivateKey all open with a version INTEGER.
  if (count >= 2 && first?.tag === Tag.INTEGER) return 'privateKey';
  return undefined;
}

/**
 * Reads only the outer structure of DER input, to tell which parser's complaint is the one to
 * report when none of them accepts it.
 */
export function derShape(der: Buffer): DerShape {
  try {
    return { kind: kindOf(decodeDer(der, { maxBytes: der.length })) };
  } catch (error) {
    if (isSymbolonError(error)) return { notDer: error.message };
    throw error;
  }
}
