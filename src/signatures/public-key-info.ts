import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeDer, decodeNested, readBitString, readIntegerBytes, readOid, Tag } from '../asn1/index.js';
import type { DerNode } from '../asn1/index.js';
import { BoundedCache } from '../bounded-cache.js';
import { isSymbolonError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { ecCurveByOid, ecCurveName, ecPointFault } from './ec-point.js';
import { ed25519PublicKeyFault } from './ed25519-point.js';
import { bytesToBigInt } from './modular-arithmetic.js';
import { ALGORITHM_OID as OID } from './algorithm-oids.js';
import { faultAt, withCode } from '../asn1/index.js';
import { rsaPublicKeyFault } from './rsa-key.js';
import { parseSignatureAlgorithm } from './signature-algorithm.js';

/** Key types as node:crypto names them. */
export type PublicKeyAlgorithm = 'ec' | 'rsa' | 'rsa-pss' | 'ed25519' | 'ed448' | 'x25519' | 'x448';

/** What a SubjectPublicKeyInfo holds, read strictly. */
export interface PublicKeyInfo {
  /** The key type, or the dotted OID of an algorithm Symbolon does not know. */
  readonly algorithm: PublicKeyAlgorithm | (string & {});
  readonly algorithmOid: string;
  /** EC keys: `P-256`, `P-384`, `P-521`, else the curve as OpenSSL names it or its OID. */
  readonly curve: string | undefined;
  /** RSA modulus or EC field size in bits, as `openssl x509 -text` prints "Public-Key: (N bit)". */
  readonly bits: number | undefined;
  /**
   * The key, loaded by node:crypto on first use (and cached by SPKI), once its material passed
   * Symbolon's own checks. Undefined, and never shown to OpenSSL, for an algorithm or curve
   * Symbolon does not list (whose material it cannot check) and for key material OpenSSL refuses.
   */
  readonly keyObject: KeyObject | undefined;
}

/** An RSA 16384 SPKI is about 2 KiB; nothing bigger is a public key. */
const MAX_SPKI_BYTES = 16 * 1024;

const ALGORITHMS: ReadonlyMap<string, PublicKeyAlgorithm> = new Map([
  [OID.ecPublicKey, 'ec'],
  [OID.rsaEncryption, 'rsa'],
  [OID.rsassaPss, 'rsa-pss'],
  [OID.ed25519, 'ed25519'],
  [OID.ed448, 'ed448'],
  [OID.x25519, 'x25519'],
  [OID.x448, 'x448'],
]);

/** The key type (as node:crypto names it) of a public key algorithm OID in SPKI or PKCS#8, or undefined. */
export function publicKeyAlgorithmOf(oid: string): PublicKeyAlgorithm | undefined {
  return ALGORITHMS.get(oid);
}

/**
 * Loads an SPKI whose material `parsePublicKeyInfo` checked; never call it with other bytes.
 * Undefined when OpenSSL refuses it or reads it as another type than the one checked.
 */
function loadKey(spki: Buffer, algorithm: string): KeyObject | undefined {
  try {
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    return key.asymmetricKeyType === algorithm ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * KeyObjects by SPKI bytes. The same CA keys arrive in every chain a gateway sees, and OpenSSL 3
 * takes ~100 µs to decode one, so loaded keys are kept (in the one bounded cache policy).
 */
const loadedKeys = new BoundedCache<string, KeyObject | undefined>(4096);

function loadKeyCached(spki: Buffer, algorithm: string): KeyObject | undefined {
  const id = spki.toString('latin1');
  if (loadedKeys.has(id)) return loadedKeys.get(id);
  const key = loadKey(spki, algorithm);
  loadedKeys.set(id, key);
  return key;
}

/**
 * A PublicKeyInfo whose `keyObject` is loaded on first use (a leaf's key is never needed to
 * validate its chain). The key material was already checked as far as the parser can.
 */
function withLazyKey(info: Omit<PublicKeyInfo, 'keyObject'>, spki: Buffer): PublicKeyInfo {
  let key: KeyObject | undefined;
  let isLoaded = false;
  return Object.defineProperty({ ...info }, 'keyObject', {
    enumerable: true,
    get(): KeyObject | undefined {
      if (!isLoaded) {
        key = loadKeyCached(spki, info.algorithm);
        isLoaded = true;
      }
      return key;
    },
  }) as PublicKeyInfo;
}

/**
 * Bit length of the modulus of an RSAPublicKey (RFC 8017 A.1.1), read strictly: two positive
 * INTEGERs that `rsaPublicKeyFault` accepts as a modulus and exponent.
 */
function rsaModulusBits(subjectPublicKey: Buffer, node: DerNode, malformed: ErrorCode): number {
  const rsaKey = decodeNested(subjectPublicKey, node.contentOffset);
  if (rsaKey.tag !== Tag.SEQUENCE || rsaKey.children.length !== 2)
    throw faultAt(malformed, node, 'an RSA public key is not a SEQUENCE of modulus and exponent');
  const modulus = readIntegerBytes(rsaKey.children[0]!);
  const exponent = readIntegerBytes(rsaKey.children[1]!);
  if ((modulus[0]! & 0x80) !== 0 || (exponent[0]! & 0x80) !== 0) throw faultAt(malformed, node, 'an RSA modulus or exponent is negative');
  const n = bytesToBigInt(modulus);
  const fault = rsaPublicKeyFault(n, bytesToBigInt(exponent));
  if (fault !== undefined) throw faultAt(malformed, node, fault);
  return n.toString(2).length;
}

/**
 * RFC 4055 3.1: an id-RSASSA-PSS key's parameters, when present, restrict it to one PSS setting,
 * read by the one reader of RSASSA-PSS-params. Parameters that reader does not support (SHA-1,
 * say) leave the key unloaded, as a key Symbolon cannot use; malformed ones are `malformed`.
 */
function isPssKeyLoadable(algorithmId: DerNode, params: DerNode | undefined): boolean {
  if (params === undefined) return true;
  try {
    parseSignatureAlgorithm(algorithmId);
    return true;
  } catch (error) {
    if (isSymbolonError(error) && error.code === 'SIG_UNSUPPORTED_ALGORITHM') return false;
    throw error;
  }
}

/** RFC 8410 3: raw key lengths of the Edwards and Montgomery curves. */
const RAW_KEY_BYTES: Readonly<Record<string, number>> = { ed25519: 32, ed448: 57, x25519: 32, x448: 56 };

function checkParameters(algorithm: PublicKeyAlgorithm, params: DerNode | undefined, node: DerNode, malformed: ErrorCode): void {
  const fault = (detail: string): never => {
    throw faultAt(malformed, params ?? node, detail);
  };
  switch (algorithm) {
    // RFC 3279 2.3.1: rsaEncryption parameters are NULL.
    case 'rsa':
      if (params === undefined || params.tag !== Tag.NULL || params.content.length !== 0) fault('rsaEncryption parameters must be NULL');
      break;
    // RFC 5480 2.1.1: only namedCurve; implicitCurve and specifiedCurve are not allowed.
    case 'ec':
      if (params === undefined || params.tag !== Tag.OID) fault('EC public key parameters must name the curve');
      break;
    // RFC 4055 3.1: absent, or RSASSA-PSS-params.
    case 'rsa-pss':
      if (params !== undefined && params.tag !== Tag.SEQUENCE) fault('RSASSA-PSS key parameters must be absent or a SEQUENCE');
      break;
    // RFC 8410 3: parameters absent.
    default:
      if (params !== undefined) fault(`${algorithm} public keys take no parameters`);
  }
}

/**
 * Reads a SubjectPublicKeyInfo (RFC 5280 4.1.2.7): the algorithm and its parameters strictly,
 * and the key material itself before node:crypto ever sees it: an EC point on its listed curve
 * (never the point at infinity), an RSA modulus and exponent that can be an RSA key, an Ed25519
 * point that decodes, raw keys of their fixed length. Keys of algorithms and curves Symbolon
 * does not list are described but never loaded. Faults are `malformed`.
 */
export function parsePublicKeyInfo(node: DerNode, malformed: ErrorCode): PublicKeyInfo {
  return withCode(malformed, () => {
    if (node.tag !== Tag.SEQUENCE || node.children.length !== 2)
      throw faultAt(malformed, node, 'a SubjectPublicKeyInfo is not a SEQUENCE of algorithm and subjectPublicKey');
    const [algorithmId, subjectPublicKey] = node.children as [DerNode, DerNode];
    if (algorithmId.tag !== Tag.SEQUENCE || algorithmId.children.length < 1 || algorithmId.children.length > 2) {
      throw faultAt(malformed, algorithmId, 'a public key AlgorithmIdentifier is malformed');
    }
    const algorithmOid = readOid(algorithmId.children[0]!);
    const params = algorithmId.children[1];
    const bits = readBitString(subjectPublicKey);
    const algorithm = ALGORITHMS.get(algorithmOid);
    // An algorithm Symbolon does not know is kept as its OID and never handed to OpenSSL: its key
    // material cannot be checked here, and node:crypto aborts on some of what it loads.
    if (algorithm === undefined) return { algorithm: algorithmOid, algorithmOid, curve: undefined, bits: undefined, keyObject: undefined };
    checkParameters(algorithm, params, algorithmId, malformed);
    if (bits.unusedBits !== 0) throw faultAt(malformed, subjectPublicKey, 'a public key BIT STRING has unused bits');
    if (algorithm === 'ec') {
      const curveOid = readOid(params!);
      const curve = ecCurveByOid(curveOid);
      const fault = ecPointFault(curve, bits.bytes);
      if (fault !== undefined) throw faultAt(malformed, subjectPublicKey, fault);
      // RFC 5480 2.1.1.1: a curve Symbolon does not list is named, and its key never loaded.
      if (curve === undefined) return { algorithm, algorithmOid, curve: ecCurveName(curveOid), bits: undefined, keyObject: undefined };
      return withLazyKey({ algorithm, algorithmOid, curve: curve.name, bits: curve.bits }, node.bytes);
    }
    if (algorithm === 'rsa' || algorithm === 'rsa-pss') {
      const info = { algorithm, algorithmOid, curve: undefined, bits: rsaModulusBits(bits.bytes, subjectPublicKey, malformed) };
      if (algorithm === 'rsa-pss' && !isPssKeyLoadable(algorithmId, params)) return { ...info, keyObject: undefined };
      return withLazyKey(info, node.bytes);
    }
    if (bits.bytes.length !== RAW_KEY_BYTES[algorithm])
      throw faultAt(
        malformed,
        subjectPublicKey,
        `an ${algorithm} public key is ${bits.bytes.length} bytes, not ${RAW_KEY_BYTES[algorithm]}`,
      );
    if (algorithm === 'ed25519') {
      const fault = ed25519PublicKeyFault(bits.bytes);
      if (fault !== undefined) throw faultAt(malformed, subjectPublicKey, fault);
    }
    return withLazyKey({ algorithm, algorithmOid, curve: undefined, bits: undefined }, node.bytes);
  });
}

/**
 * A SubjectPublicKeyInfo given as DER bytes, decoded strictly and read by `parsePublicKeyInfo`.
 * Every fault is `malformed`.
 */
export function parsePublicKeyInfoDer(spki: Uint8Array, malformed: ErrorCode): PublicKeyInfo {
  return withCode(malformed, () => parsePublicKeyInfo(decodeDer(spki, { maxBytes: MAX_SPKI_BYTES }), malformed));
}
