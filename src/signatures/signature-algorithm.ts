import { verify as cryptoVerify, constants } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { der, readOid, readSmallInteger, Tag } from '../asn1/index.js';
import type { DerNode } from '../asn1/index.js';
import { SymbolonError } from '../errors.js';
import { parsePublicKeyInfoDer } from './public-key-info.js';

export type HashName = 'sha256' | 'sha384' | 'sha512';

export type SignatureAlgorithmName =
  | 'ecdsa-with-SHA256'
  | 'ecdsa-with-SHA384'
  | 'ecdsa-with-SHA512'
  | 'Ed25519'
  | 'sha256WithRSAEncryption'
  | 'sha384WithRSAEncryption'
  | 'sha512WithRSAEncryption'
  | 'RSASSA-PSS-SHA256'
  | 'RSASSA-PSS-SHA384'
  | 'RSASSA-PSS-SHA512';

/** A signature algorithm: its name, its DER AlgorithmIdentifier, and how node:crypto runs it. */
export interface SignatureAlgorithm {
  readonly name: SignatureAlgorithmName;
  /** The DER AlgorithmIdentifier, as it goes into certificates, CSRs, CRLs and OCSP. */
  readonly identifier: Buffer;
  /** The key type the algorithm needs, as node:crypto names it. */
  readonly keyType: 'ec' | 'ed25519' | 'rsa' | 'rsa-pss';
  /** The digest, or null for Ed25519 (which hashes internally). */
  readonly hash: HashName | null;
  /** RSASSA-PSS salt length in bytes. */
  readonly saltLength?: number;
}

const HASH_OID: Record<HashName, string> = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};
const HASH_BY_OID = new Map<string, HashName>(Object.entries(HASH_OID).map(([h, o]) => [o, h as HashName]));
const HASH_BYTES: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };
const MGF1 = '1.2.840.113549.1.1.8';
const RSASSA_PSS = '1.2.840.113549.1.1.10';

function pssIdentifier(hash: HashName): Buffer {
  // RFC 4055 3.1: hash and MGF1 hash the same, salt as long as the hash, trailer default.
  const hashId = der.sequence(der.oid(HASH_OID[hash]), der.nullValue());
  return der.sequence(
    der.oid(RSASSA_PSS),
    der.sequence(
      der.explicit(0, hashId),
      der.explicit(1, der.sequence(der.oid(MGF1), hashId)),
      der.explicit(2, der.integer(HASH_BYTES[hash])),
    ),
  );
}

function make(name: SignatureAlgorithmName): SignatureAlgorithm {
  switch (name) {
    // RFC 5758 3.2: ECDSA identifiers carry no parameters.
    case 'ecdsa-with-SHA256':
      return { name, identifier: der.sequence(der.oid('1.2.840.10045.4.3.2')), keyType: 'ec', hash: 'sha256' };
    case 'ecdsa-with-SHA384':
      return { name, identifier: der.sequence(der.oid('1.2.840.10045.4.3.3')), keyType: 'ec', hash: 'sha384' };
    case 'ecdsa-with-SHA512':
      return { name, identifier: der.sequence(der.oid('1.2.840.10045.4.3.4')), keyType: 'ec', hash: 'sha512' };
    // RFC 8410 3: parameters absent.
    case 'Ed25519':
      return { name, identifier: der.sequence(der.oid('1.3.101.112')), keyType: 'ed25519', hash: null };
    // RFC 4055 5: PKCS#1 v1.5 identifiers carry NULL parameters.
    case 'sha256WithRSAEncryption':
      return { name, identifier: der.sequence(der.oid('1.2.840.113549.1.1.11'), der.nullValue()), keyType: 'rsa', hash: 'sha256' };
    case 'sha384WithRSAEncryption':
      return { name, identifier: der.sequence(der.oid('1.2.840.113549.1.1.12'), der.nullValue()), keyType: 'rsa', hash: 'sha384' };
    case 'sha512WithRSAEncryption':
      return { name, identifier: der.sequence(der.oid('1.2.840.113549.1.1.13'), der.nullValue()), keyType: 'rsa', hash: 'sha512' };
    case 'RSASSA-PSS-SHA256':
      return { name, identifier: pssIdentifier('sha256'), keyType: 'rsa', hash: 'sha256', saltLength: 32 };
    case 'RSASSA-PSS-SHA384':
      return { name, identifier: pssIdentifier('sha384'), keyType: 'rsa', hash: 'sha384', saltLength: 48 };
    case 'RSASSA-PSS-SHA512':
      return { name, identifier: pssIdentifier('sha512'), keyType: 'rsa', hash: 'sha512', saltLength: 64 };
    default:
      throw new SymbolonError('SIG_UNSUPPORTED_ALGORITHM', `${String(name)} is not a signature algorithm Symbolon knows`);
  }
}

const BY_NAME = new Map<SignatureAlgorithmName, SignatureAlgorithm>();

/** The algorithm with this name (identifiers are encoded once and shared). */
export function signatureAlgorithm(name: SignatureAlgorithmName): SignatureAlgorithm {
  let algorithm = BY_NAME.get(name);
  if (algorithm === undefined) {
    algorithm = Object.freeze(make(name));
    BY_NAME.set(name, algorithm);
  }
  return algorithm;
}

const NAME_BY_OID: Record<string, SignatureAlgorithmName> = {
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
};

function unsupported(node: DerNode, detail: string): SymbolonError {
  return new SymbolonError('SIG_UNSUPPORTED_ALGORITHM', `${detail} (at byte ${node.offset})`);
}

function readHashIdentifier(node: DerNode | undefined, parent: DerNode): HashName {
  if (node === undefined || node.tag !== Tag.SEQUENCE || node.children.length < 1 || node.children.length > 2)
    throw unsupported(parent, 'an RSASSA-PSS hash identifier is malformed');
  const hash = HASH_BY_OID.get(readOid(node.children[0]!));
  const params = node.children[1];
  // RFC 4055 2.1: the parameters are NULL or absent.
  if (hash === undefined || (params !== undefined && (params.tag !== Tag.NULL || params.content.length !== 0)))
    throw unsupported(parent, 'an RSASSA-PSS hash is not SHA-256, SHA-384 or SHA-512');
  return hash;
}

function parsePssParameters(params: DerNode | undefined, node: DerNode): SignatureAlgorithm {
  if (params === undefined || params.tag !== Tag.SEQUENCE) throw unsupported(node, 'RSASSA-PSS without parameters is not accepted');
  let hash: HashName = 'sha1' as HashName;
  let mgfHash: HashName = 'sha1' as HashName;
  let saltLength = 20;
  let trailer = 1;
  let lastTag = -1;
  for (const field of params.children) {
    if (
      field.tagClass !== 0x80 ||
      !field.isConstructed ||
      field.children.length !== 1 ||
      field.tagNumber <= lastTag ||
      field.tagNumber > 3
    ) {
      throw unsupported(node, 'RSASSA-PSS parameters are malformed');
    }
    lastTag = field.tagNumber;
    const inner = field.children[0]!;
    if (field.tagNumber === 0) hash = readHashIdentifier(inner, node);
    else if (field.tagNumber === 1) {
      if (inner.tag !== Tag.SEQUENCE || inner.children.length !== 2 || readOid(inner.children[0]!) !== MGF1)
        throw unsupported(node, 'RSASSA-PSS mask generation is not MGF1');
      mgfHash = readHashIdentifier(inner.children[1], node);
    } else if (field.tagNumber === 2) saltLength = readSmallInteger(inner);
    else trailer = readSmallInteger(inner);
  }
  if (!(hash in HASH_OID) || hash !== mgfHash || trailer !== 1 || saltLength < 0 || saltLength > 512) {
    throw unsupported(node, 'RSASSA-PSS parameters must use SHA-2 with the same MGF1 hash and trailer field 1');
  }
  const name = `RSASSA-PSS-${hash.toUpperCase()}` as SignatureAlgorithmName;
  const canonical = signatureAlgorithm(name);
  if (canonical.identifier.equals(node.bytes)) return canonical;
  // Other salt lengths and encodings are valid (RFC 4055 3.1): verify as given, and keep a copy, not a view into the input.
  return Object.freeze({ name, identifier: Buffer.from(node.bytes), keyType: 'rsa', hash, saltLength });
}

/**
 * Reads an AlgorithmIdentifier of a signature strictly: ECDSA and Ed25519 without parameters,
 * PKCS#1 v1.5 with NULL, RSASSA-PSS with SHA-2 parameters. Throws `SIG_UNSUPPORTED_ALGORITHM`.
 */
export function parseSignatureAlgorithm(node: DerNode): SignatureAlgorithm {
  if (node.tag !== Tag.SEQUENCE || node.children.length < 1 || node.children.length > 2)
    throw unsupported(node, 'an AlgorithmIdentifier is malformed');
  const oid = readOid(node.children[0]!);
  const params = node.children[1];
  if (oid === RSASSA_PSS) return parsePssParameters(params, node);
  const name = NAME_BY_OID[oid];
  if (name === undefined) throw unsupported(node, `signature algorithm ${oid} is not supported`);
  const algorithm = signatureAlgorithm(name);
  const isRsa = algorithm.keyType === 'rsa';
  const hasNullParams = params !== undefined && params.tag === Tag.NULL && params.content.length === 0;
  if (isRsa ? params !== undefined && !hasNullParams : params !== undefined) {
    throw unsupported(node, `${name} has ${isRsa ? 'parameters other than NULL' : 'parameters, which must be absent'}`);
  }
  // RFC 4055 5: PKCS#1 v1.5 parameters MUST be NULL when written, and MUST be accepted when absent.
  if (isRsa && params === undefined) return Object.freeze({ ...algorithm, identifier: Buffer.from(node.bytes) });
  return algorithm;
}

/** Arguments for node:crypto's sign and verify for this algorithm. */
export function cryptoOptions(
  algorithm: SignatureAlgorithm,
  key: KeyObject,
): { hash: HashName | null; key: KeyObject | { key: KeyObject; padding: number; saltLength: number } } {
  if (algorithm.saltLength !== undefined) {
    return { hash: algorithm.hash, key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength } };
  }
  return { hash: algorithm.hash, key };
}

/** Does the key's type fit the algorithm? (An Ed25519 key under ecdsa-with-SHA256 does not.) */
export function isKeyForAlgorithm(algorithm: SignatureAlgorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  // RFC 4055 1.2: an id-RSASSA-PSS key signs with PSS only, never PKCS#1 v1.5.
  if (algorithm.keyType === 'rsa') return type === 'rsa' || (type === 'rsa-pss' && algorithm.saltLength !== undefined);
  // ECDSA with the NIST curves only (RFC 5480 2.1.1.1); secp256k1 and friends do not verify.
  if (type === 'ec') return algorithm.keyType === 'ec' && ECDSA_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '');
  return type === algorithm.keyType;
}

const ECDSA_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/**
 * Checks `signature` over `data` with a public key (a KeyObject or SPKI DER, whose key material
 * `parsePublicKeyInfo` checks before OpenSSL loads it). Returns false for a signature that does
 * not verify, including one whose key does not fit the algorithm or cannot be used; never throws
 * for a bad signature.
 */
export function verifySignature(
  algorithm: SignatureAlgorithm,
  publicKey: KeyObject | Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  let key: KeyObject | undefined;
  try {
    key = publicKey instanceof Uint8Array ? parsePublicKeyInfoDer(publicKey, 'KEY_MALFORMED').keyObject : publicKey;
  } catch {
    return false;
  }
  if (key === undefined || !isKeyForAlgorithm(algorithm, key)) return false;
  const { hash, key: keyArg } = cryptoOptions(algorithm, key);
  try {
    return cryptoVerify(hash, data, keyArg, signature);
  } catch {
    // OpenSSL refuses malformed signature encodings outright; that is a failed verification.
    return false;
  }
}
