import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { Tag } from '../asn1/index.js';
import { SymbolonError } from '../errors.js';
import { toPem } from '../x509/pem.js';
import { readKeyInput } from './key-input.js';
import { assertKeySupported } from './key-policy.js';

/**
 * Reads a public key from PEM text (`PUBLIC KEY`) or SubjectPublicKeyInfo DER bytes. Returns a
 * public KeyObject of a supported type. Throws `KEY_MALFORMED`, `KEY_UNSUPPORTED_TYPE`,
 * `INPUT_TOO_LARGE` or a `PEM_*` code.
 */
export function importPublicKey(input: string | Uint8Array): KeyObject {
  const { der, root } = readKeyInput(input, ['PUBLIC KEY'], 'public key');
  // RFC 5280 4.1: SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }.
  const [algorithm, subjectPublicKey] = root.children;
  if (root.tag !== Tag.SEQUENCE || root.children.length !== 2 || algorithm?.tag !== Tag.SEQUENCE || subjectPublicKey?.tag !== Tag.BIT_STRING) {
    throw new SymbolonError('KEY_MALFORMED', 'the data is not a SubjectPublicKeyInfo');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (error) {
    throw new SymbolonError('KEY_MALFORMED', 'the SubjectPublicKeyInfo is well-formed DER but not a key OpenSSL can read', { cause: error });
  }
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
