import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeNested, readBitString, readIntegerBytes, readOid, Tag } from '../asn1/index.js';
import { isUncompressedPointOnCurve } from './ec-point.js';
import type { DerNode } from '../asn1/index.js';
import type { ErrorCode } from '../errors.js';
import { OID } from './oids.js';
import { faultAt, withCode } from './parse-errors.js';

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
   * The key, loaded by node:crypto on first use (and cached by SPKI); undefined for an algorithm
   * OpenSSL does not know or key material it refuses.
   */
  readonly keyObject: KeyObject | undefined;
}

const X25519 = '1.3.101.110';
const X448 = '1.3.101.111';

const ALGORITHMS: Readonly<Record<string, PublicKeyAlgorithm>> = {
  [OID.ecPublicKey]: 'ec',
  [OID.rsaEncryption]: 'rsa',
  [OID.rsassaPss]: 'rsa-pss',
  [OID.ed25519]: 'ed25519',
  [OID.ed448]: 'ed448',
  [X25519]: 'x25519',
  [X448]: 'x448',
};

const CURVES: Readonly<Record<string, { readonly name: string; readonly bits: number }>> = {
  [OID.secp256r1]: { name: 'P-256', bits: 256 },
  [OID.secp384r1]: { name: 'P-384', bits: 384 },
  [OID.secp521r1]: { name: 'P-521', bits: 521 },
};

function loadKey(spki: Buffer): KeyObject | undefined {
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/**
 * KeyObjects by SPKI bytes. The same CA keys arrive in every chain a gateway sees, and OpenSSL 3
 * takes ~100 µs to decode one, so loaded keys are kept (bounded; cleared when full).
 */
const loadedKeys = new Map<string, KeyObject | undefined>();
const MAX_LOADED_KEYS = 4096;

function loadKeyCached(spki: Buffer): KeyObject | undefined {
  const id = spki.toString('latin1');
  if (loadedKeys.has(id)) return loadedKeys.get(id);
  const key = loadKey(spki);
  if (loadedKeys.size >= MAX_LOADED_KEYS) loadedKeys.clear();
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
        key = loadKeyCached(spki);
        isLoaded = true;
      }
      return key;
    },
  }) as PublicKeyInfo;
}

/** Bit length of the modulus of an RSAPublicKey (RFC 8017 A.1.1), read strictly. */
function rsaModulusBits(subjectPublicKey: Buffer, node: DerNode, malformed: ErrorCode): number {
  const rsaKey = decodeNested(subjectPublicKey, node.contentOffset);
  if (rsaKey.tag !== Tag.SEQUENCE || rsaKey.children.length !== 2) throw faultAt(malformed, node, 'an RSA public key is not a SEQUENCE of modulus and exponent');
  const modulus = readIntegerBytes(rsaKey.children[0]!);
  const exponent = readIntegerBytes(rsaKey.children[1]!);
  if ((modulus[0]! & 0x80) !== 0 || (exponent[0]! & 0x80) !== 0) throw faultAt(malformed, node, 'an RSA modulus or exponent is negative');
  const magnitude = modulus[0] === 0 ? modulus.subarray(1) : modulus;
  if (magnitude.length === 0) throw faultAt(malformed, node, 'an RSA modulus is zero');
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]!));
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
 * and a key of a known type must load in node:crypto (which checks, for one, that an EC point
 * is on its curve). Faults are `malformed`.
 */
export function parsePublicKeyInfo(node: DerNode, malformed: ErrorCode): PublicKeyInfo {
  return withCode(malformed, () => {
    if (node.tag !== Tag.SEQUENCE || node.children.length !== 2) throw faultAt(malformed, node, 'a SubjectPublicKeyInfo is not a SEQUENCE of algorithm and subjectPublicKey');
    const [algorithmId, subjectPublicKey] = node.children as [DerNode, DerNode];
    if (algorithmId.tag !== Tag.SEQUENCE || algorithmId.children.length < 1 || algorithmId.children.length > 2) {
      throw faultAt(malformed, algorithmId, 'a public key AlgorithmIdentifier is malformed');
    }
    const algorithmOid = readOid(algorithmId.children[0]!);
    const params = algorithmId.children[1];
    const bits = readBitString(subjectPublicKey);
    const algorithm = ALGORITHMS[algorithmOid];
    if (algorithm === undefined) {
      return { algorithm: algorithmOid, algorithmOid, curve: undefined, bits: undefined, keyObject: loadKey(node.bytes) };
    }
    checkParameters(algorithm, params, algorithmId, malformed);
    if (bits.unusedBits !== 0) throw faultAt(malformed, subjectPublicKey, 'a public key BIT STRING has unused bits');
    if (algorithm === 'ec') {
      const curveOid = readOid(params!);
      const known = CURVES[curveOid];
      // An uncompressed point on a NIST curve is checked here and loaded when used; anything
      // else (compressed points, other curves) is loaded now so node:crypto can check it.
      if (known !== undefined && bits.bytes[0] === 0x04) {
        if (!isUncompressedPointOnCurve(known.name, bits.bytes)) throw faultAt(malformed, subjectPublicKey, `the ${known.name} public key is not a point on its curve`);
        return withLazyKey({ algorithm, algorithmOid, curve: known.name, bits: known.bits }, node.bytes);
      }
      const keyObject = loadKeyCached(node.bytes);
      if (keyObject === undefined || keyObject.asymmetricKeyType !== 'ec') throw faultAt(malformed, node, 'the ec public key cannot be loaded');
      return { algorithm, algorithmOid, curve: known?.name ?? keyObject.asymmetricKeyDetails?.namedCurve ?? curveOid, bits: known?.bits, keyObject };
    }
    if (algorithm === 'rsa' || algorithm === 'rsa-pss') {
      return withLazyKey({ algorithm, algorithmOid, curve: undefined, bits: rsaModulusBits(bits.bytes, subjectPublicKey, malformed) }, node.bytes);
    }
    if (bits.bytes.length !== RAW_KEY_BYTES[algorithm]) throw faultAt(malformed, subjectPublicKey, `an ${algorithm} public key is ${bits.bytes.length} bytes, not ${RAW_KEY_BYTES[algorithm]}`);
    return withLazyKey({ algorithm, algorithmOid, curve: undefined, bits: undefined }, node.bytes);
  });
}
