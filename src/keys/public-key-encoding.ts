import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { Tag } from '../asn1/index.js';
import { SymbolonError } from '../errors.js';
import { parsePublicKeyInfo } from '../signatures/index.js';
import { toPem } from '../asn1/index.js';
import { readKeyInput } from './key-input.js';
import { DSA_OID } from './private-key-material.js';
import { assertKeySupported } from './key-policy.js';

/**
 * Reads a public key as `importPublicKey` does, its material checked by `parsePublicKeyInfo`
 * before node:crypto loads it, but not held against the key policy (so `inspect` can describe
 * an RSA 1024 key). A type or curve whose material Symbolon does not check is
 * `KEY_UNSUPPORTED_TYPE`, never loaded. Throws the codes of `importPublicKey`.
 */
export function importPublicKeyForInspection(input: string | Uint8Array): KeyObject {
  const { root } = readKeyInput(input, ['PUBLIC KEY'], 'public key');
  // RFC 5280 4.1: SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }.
  const [algorithm, subjectPublicKey] = root.children;
  if (
    root.tag !== Tag.SEQUENCE ||
    root.children.length !== 2 ||
    algorithm?.tag !== Tag.SEQUENCE ||
    subjectPublicKey?.tag !== Tag.BIT_STRING
  ) {
    throw new SymbolonError('KEY_MALFORMED', 'the data is not a SubjectPublicKeyInfo');
  }
  const info = parsePublicKeyInfo(root, 'KEY_MALFORMED');
  if (info.keyObject !== undefined) return info.keyObject;
  if (info.algorithm === 'ec' && info.bits === undefined)
    throw new SymbolonError('KEY_UNSUPPORTED_TYPE', `EC curve ${info.curve ?? 'unnamed'} is not supported; use P-256 or P-384 (or P-521)`);
  if (info.algorithmOid === DSA_OID) throw new SymbolonError('KEY_UNSUPPORTED_TYPE', 'DSA is not supported; use P-256 or Ed25519');
  if (info.algorithm === 'rsa-pss')
    throw new SymbolonError('KEY_UNSUPPORTED_TYPE', 'an RSASSA-PSS key with these parameters is not supported; use an ordinary RSA key');
  if (info.algorithm === info.algorithmOid)
    throw new SymbolonError('KEY_MALFORMED', `the algorithm ${info.algorithmOid} is not one of a public key Symbolon knows`);
  throw new SymbolonError('KEY_MALFORMED', 'the SubjectPublicKeyInfo is well-formed DER but not a key OpenSSL can read');
}

/**
 * Reads a public key from PEM text (`PUBLIC KEY`) or SubjectPublicKeyInfo DER bytes, its key
 * material checked before node:crypto loads it. Returns a public KeyObject of a supported type.
 * Throws `KEY_MALFORMED`, `KEY_UNSUPPORTED_TYPE`, `INPUT_TOO_LARGE` or a `PEM_*` code.
 */
export function importPublicKey(input: string | Uint8Array): KeyObject {
  const key = importPublicKeyForInspection(input);
  assertKeySupported(key);
  return key;
}

/** The SubjectPublicKeyInfo DER of a key, public or private (RFC 5280 4.1.2.7). Throws `KEY_UNSUPPORTED_TYPE`. */
export function exportPublicKeyDer(key: KeyObject): Buffer {
  assertKeySupported(key);
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ format: 'der', type: 'spki' });
}

/** The public key as `PUBLIC KEY` PEM (RFC 7468 13). Throws `KEY_UNSUPPORTED_TYPE`. */
export function exportPublicKeyPem(key: KeyObject): string {
  return toPem('PUBLIC KEY', exportPublicKeyDer(key));
}
