import { decodeNested, readBitString, readIntegerBytes, readOid, Tag, TagClass } from '../asn1/index.js';
import type { DerNode } from '../asn1/index.js';
import { Asn1Error, SymbolonError, isSymbolonError } from '../errors.js';
import {
  ecCurveByOid,
  ecCurveName,
  ecPointFault,
  ecPrivateKeyFault,
  ed25519PublicKeyFault,
  parseSignatureAlgorithm,
  publicKeyAlgorithmOf,
  rsaPublicKeyFault,
} from '../signatures/index.js';
import type { EcCurve, PublicKeyAlgorithm } from '../signatures/index.js';

/** The containers whose key material is checked here (an encrypted PKCS#8 key once decrypted). */
export type PrivateKeyContainer = 'pkcs8' | 'pkcs1' | 'sec1';

/** Key types as node:crypto names them, of the private keys whose material Symbolon checks. */
export type CheckedKeyType = PublicKeyAlgorithm;

/** RFC 8410 7: the CurvePrivateKey octets of the Edwards and Montgomery curves. */
const RAW_PRIVATE_KEY_BYTES: Readonly<Record<string, number>> = { ed25519: 32, ed448: 57, x25519: 32, x448: 56 };

/** RFC 3279 2.3.2: id-dsa, known and refused. */
export const DSA_OID = '1.2.840.10040.4.1';

function malformed(detail: string): SymbolonError {
  return new SymbolonError('KEY_MALFORMED', `the private key is malformed: ${detail}`);
}

function unsupported(detail: string): SymbolonError {
  return new SymbolonError('KEY_UNSUPPORTED_TYPE', detail);
}

function positive(node: DerNode | undefined, what: string): bigint {
  if (node === undefined || node.tag !== Tag.INTEGER) throw malformed(`the ${what} is missing`);
  const bytes = readIntegerBytes(node);
  if ((bytes[0]! & 0x80) !== 0) throw malformed(`the ${what} is negative`);
  return BigInt('0x' + bytes.toString('hex'));
}

function isVersion(node: DerNode | undefined, values: readonly number[]): node is DerNode {
  return node !== undefined && node.tag === Tag.INTEGER && node.content.length === 1 && values.includes(node.content[0]!);
}

/**
 * RFC 8017 A.1.2: a two-prime RSAPrivateKey whose numbers fit together (n = p·q, the CRT values
 * reduced, the public half as `rsaPublicKeyFault` wants it). Multi-prime keys are refused.
 */
function checkRsaPrivateKey(root: DerNode): void {
  if (root.tag !== Tag.SEQUENCE) throw malformed('an RSAPrivateKey is not a SEQUENCE');
  if (isVersion(root.children[0], [1])) throw unsupported('multi-prime RSA keys are not supported; use an ordinary two-prime RSA key');
  if (!isVersion(root.children[0], [0]) || root.children.length !== 9)
    throw malformed('an RSAPrivateKey is not version 0 with eight INTEGERs');
  const [n, e, d, p, q, dp, dq, qInv] = (
    ['modulus', 'public exponent', 'private exponent', 'prime p', 'prime q', 'exponent dP', 'exponent dQ', 'coefficient'] as const
  ).map((what, i) => positive(root.children[i + 1], `RSA ${what}`)) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  const fault = rsaPublicKeyFault(n, e);
  if (fault !== undefined) throw malformed(fault);
  if (p <= 1n || q <= 1n || p * q !== n) throw malformed('the RSA primes do not multiply to the modulus');
  if (d === 0n || d >= n || dp === 0n || dp >= p || dq === 0n || dq >= q || qInv === 0n || qInv >= p)
    throw malformed('an RSA private exponent or CRT value is out of range');
}

/** The curve an EC key names: a named curve Symbolon lists, refused otherwise before OpenSSL sees it. */
function listedCurve(parameters: DerNode): EcCurve {
  if (parameters.tag !== Tag.OID) {
    // RFC 5480 2.1.1: only namedCurve; implicitCurve and specifiedCurve are not allowed.
    throw unsupported('EC keys with explicit curve parameters are not supported; use P-256 or P-384 (or P-521)');
  }
  const oid = readOid(parameters);
  const curve = ecCurveByOid(oid);
  if (curve === undefined) throw unsupported(`EC curve ${ecCurveName(oid)} is not supported; use P-256 or P-384 (or P-521)`);
  return curve;
}

/**
 * RFC 5915 3: ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters
 * OPTIONAL, [1] publicKey OPTIONAL }. The curve is named here or by the PKCS#8 algorithm (and
 * the two agree); the scalar is 1..n-1 of the curve's length; a public key is a point on it.
 */
function checkEcPrivateKey(root: DerNode, outerCurve: EcCurve | undefined): void {
  const [version, privateKey, ...optional] = root.children;
  if (root.tag !== Tag.SEQUENCE || !isVersion(version, [1]) || privateKey?.tag !== Tag.OCTET_STRING)
    throw malformed('an ECPrivateKey is not version 1 with a private key OCTET STRING');
  let curve = outerCurve;
  let publicKey: DerNode | undefined;
  let lastTag = -1;
  for (const field of optional) {
    if (
      field.tagClass !== TagClass.CONTEXT ||
      !field.isConstructed ||
      field.tagNumber > 1 ||
      field.tagNumber <= lastTag ||
      field.children.length !== 1
    ) {
      throw malformed('an ECPrivateKey has fields other than [0] parameters and [1] publicKey');
    }
    lastTag = field.tagNumber;
    if (field.tagNumber === 0) {
      const named = listedCurve(field.children[0]!);
      if (curve !== undefined && curve !== named) throw malformed(`the key names ${named.name} but its algorithm names ${curve.name}`);
      curve = named;
    } else publicKey = field.children[0]!;
  }
  if (curve === undefined) throw malformed('the EC private key names no curve');
  const scalarFault = ecPrivateKeyFault(curve, privateKey.content);
  if (scalarFault !== undefined) throw malformed(scalarFault);
  if (publicKey !== undefined) {
    const point = readBitString(publicKey);
    const pointFault = point.unusedBits !== 0 ? 'the EC public key BIT STRING has unused bits' : ecPointFault(curve, point.bytes);
    if (pointFault !== undefined) throw malformed(pointFault);
  }
}

/** RFC 8410 7: CurvePrivateKey ::= OCTET STRING, of its curve's fixed length. */
function checkRawPrivateKey(type: CheckedKeyType, wrapped: DerNode): void {
  const inner = decodeNested(wrapped.content, wrapped.contentOffset);
  const expected = RAW_PRIVATE_KEY_BYTES[type]!;
  if (inner.tag !== Tag.OCTET_STRING || inner.content.length !== expected)
    throw malformed(`an ${type} private key is not an OCTET STRING of ${expected} bytes`);
}

/**
 * RFC 5958 2: OneAsymmetricKey ::= SEQUENCE { version, privateKeyAlgorithm, privateKey,
 * [0] attributes OPTIONAL, [1] publicKey OPTIONAL (version 2 only) }.
 */
function checkPrivateKeyInfo(root: DerNode): CheckedKeyType {
  const [version, algorithmId, privateKey, ...optional] = root.children;
  if (!isVersion(version, [0, 1]) || algorithmId?.tag !== Tag.SEQUENCE || privateKey?.tag !== Tag.OCTET_STRING)
    throw malformed('a PrivateKeyInfo is not a version, an algorithm and a private key');
  let lastTag = -1;
  let publicKey: DerNode | undefined;
  for (const field of optional) {
    const isAttributes = field.tag === (TagClass.CONTEXT | 0x20 | 0);
    const isPublicKey = field.tag === (TagClass.CONTEXT | 1) && version.content[0] === 1;
    if ((!isAttributes && !isPublicKey) || field.tagNumber <= lastTag)
      throw malformed('a PrivateKeyInfo has fields other than [0] attributes and a version 2 [1] publicKey');
    lastTag = field.tagNumber;
    if (isPublicKey) publicKey = field;
  }
  if (algorithmId.children.length < 1 || algorithmId.children.length > 2)
    throw malformed('the private key AlgorithmIdentifier is malformed');
  const oid = readOid(algorithmId.children[0]!);
  const params = algorithmId.children[1];
  const type = publicKeyAlgorithmOf(oid);
  // A key whose material Symbolon cannot check never reaches OpenSSL.
  if (oid === DSA_OID) throw unsupported('DSA is not supported; use P-256 or Ed25519');
  if (type === undefined) throw malformed(`the algorithm ${oid} is not one of a private key Symbolon knows`);
  switch (type) {
    case 'ec':
      if (params === undefined) throw malformed('EC private key parameters must name the curve');
      checkEcPrivateKey(decodeNested(privateKey.content, privateKey.contentOffset), listedCurve(params));
      break;
    case 'rsa':
      // RFC 8017 A.1: rsaEncryption parameters are NULL (absent is read too, as OpenSSL does).
      if (params !== undefined && (params.tag !== Tag.NULL || params.content.length !== 0))
        throw malformed('rsaEncryption parameters must be NULL');
      checkRsaPrivateKey(decodeNested(privateKey.content, privateKey.contentOffset));
      break;
    case 'rsa-pss':
      if (params !== undefined) {
        try {
          parseSignatureAlgorithm(algorithmId);
        } catch (error) {
          if (isSymbolonError(error) && error.code === 'SIG_UNSUPPORTED_ALGORITHM')
            throw unsupported(`an RSASSA-PSS key with these parameters is not supported: ${error.message}`);
          throw error;
        }
      }
      checkRsaPrivateKey(decodeNested(privateKey.content, privateKey.contentOffset));
      break;
    default:
      // RFC 8410 3: parameters absent.
      if (params !== undefined) throw malformed(`${type} private keys take no parameters`);
      checkRawPrivateKey(type, privateKey);
      if (type === 'ed25519' && publicKey !== undefined) {
        const fault =
          publicKey.content.length === 0 || publicKey.content[0] !== 0
            ? 'the Ed25519 public key BIT STRING has unused bits'
            : ed25519PublicKeyFault(publicKey.content.subarray(1));
        if (fault !== undefined) throw malformed(fault);
      }
  }
  return type;
}

/**
 * Checks a private key's material with Symbolon's own DER reader before node:crypto loads it,
 * since OpenSSL loads some invalid keys (a scalar longer than its curve, a point at infinity) on
 * which node:crypto then aborts the process. EC keys must be on a listed curve, with a scalar of
 * 1..n-1 of the curve's length and any public key a point on the curve; RSA keys must be
 * two-prime keys whose numbers fit together; raw keys of their fixed length. Returns the key
 * type. Throws `KEY_MALFORMED`, or `KEY_UNSUPPORTED_TYPE` for an algorithm or curve whose
 * material Symbolon does not check (DSA, secp256k1, ...): those are never loaded.
 */
export function checkPrivateKeyMaterial(root: DerNode, container: PrivateKeyContainer): CheckedKeyType {
  try {
    switch (container) {
      case 'pkcs8':
        return checkPrivateKeyInfo(root);
      case 'pkcs1':
        checkRsaPrivateKey(root);
        return 'rsa';
      case 'sec1':
        checkEcPrivateKey(root, undefined);
        return 'ec';
    }
  } catch (error) {
    if (error instanceof Asn1Error) throw malformed(error.message);
    throw error;
  }
}
