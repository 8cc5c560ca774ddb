import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { Tag } from '../asn1/index.js';
import type { DerNode } from '../asn1/index.js';
import { SymbolonError } from '../errors.js';
import { toPem } from '../asn1/index.js';
import { decodeKeyDer, readKeyInput } from './key-input.js';
import { assertKeySupported } from './key-policy.js';
import { checkPrivateKeyMaterial } from './private-key-material.js';
import type { PrivateKeyContainer } from './private-key-material.js';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo, isEncryptedPrivateKeyInfo, isPrivateKeyInfo } from './pkcs8-encryption.js';

export interface PrivateKeyImportOptions {
  /** Needed when the key is an encrypted PKCS#8 key; ignored for a plain one. */
  readonly passphrase?: string;
}

export interface PrivateKeyExportOptions {
  /** When given, the key is written as an encrypted PKCS#8 key (PBES2, AES-256-CBC). */
  readonly passphrase?: string;
}

/** The containers a private key arrives in, and the PEM label of each. */
type Container = 'pkcs8' | 'encrypted-pkcs8' | 'pkcs1' | 'sec1';

const LABEL_OF: Readonly<Record<Container, string>> = {
  pkcs8: 'PRIVATE KEY',
  'encrypted-pkcs8': 'ENCRYPTED PRIVATE KEY',
  pkcs1: 'RSA PRIVATE KEY',
  sec1: 'EC PRIVATE KEY',
};
const PRIVATE_KEY_LABELS: readonly string[] = Object.values(LABEL_OF);

/** RFC 8017 A.1.2: RSAPrivateKey is a version and eight INTEGERs, then otherPrimeInfos for version 1. */
function isRsaPrivateKey(root: DerNode): boolean {
  return root.children.length >= 9 && root.children.slice(0, 9).every((field) => field.tag === Tag.INTEGER);
}

/** RFC 5915 3: ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters, [1] publicKey }. */
function isEcPrivateKey(root: DerNode): boolean {
  const [version, privateKey] = root.children;
  return (
    root.children.length >= 2 &&
    root.children.length <= 4 &&
    version?.tag === Tag.INTEGER &&
    version.content.length === 1 &&
    version.content[0] === 1 &&
    privateKey?.tag === Tag.OCTET_STRING
  );
}

function containerOf(root: DerNode): Container | null {
  if (root.tag !== Tag.SEQUENCE) return null;
  if (isEncryptedPrivateKeyInfo(root)) return 'encrypted-pkcs8';
  if (isPrivateKeyInfo(root)) return 'pkcs8';
  if (isRsaPrivateKey(root)) return 'pkcs1';
  if (isEcPrivateKey(root)) return 'sec1';
  return null;
}

/** Loads a private key once Symbolon's own reading of its material found nothing wrong. */
function keyFromDer(der: Buffer, root: DerNode, type: PrivateKeyContainer): KeyObject {
  const checkedType = checkPrivateKeyMaterial(root, type);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: 'der', type });
  } catch (error) {
    throw new SymbolonError('KEY_MALFORMED', `the ${LABEL_OF[type]} structure is well-formed DER but not a key OpenSSL can read`, {
      cause: error,
    });
  }
  // OpenSSL must have read the bytes as the key that was checked, not as another type.
  if (key.asymmetricKeyType !== checkedType)
    throw new SymbolonError('KEY_MALFORMED', `OpenSSL read the ${checkedType} key as ${key.asymmetricKeyType ?? 'another type'}`);
  return key;
}

/**
 * Reads a private key as `importPrivateKey` does, with its material checked before node:crypto
 * loads it, but does not hold it against the key policy: RSA 1024 loads, so that `inspect` can
 * describe a key it refuses. A type or curve whose material Symbolon does not check (DSA,
 * secp256k1) is still `KEY_UNSUPPORTED_TYPE`, never loaded. Throws the codes of `importPrivateKey`.
 */
export async function importPrivateKeyForInspection(input: string | Uint8Array, options: PrivateKeyImportOptions = {}): Promise<KeyObject> {
  const { label, der, root } = readKeyInput(input, PRIVATE_KEY_LABELS, 'private key');
  const container = containerOf(root);
  if (container === null) throw new SymbolonError('KEY_MALFORMED', 'the data is not a PKCS#8, PKCS#1 or SEC1 private key');
  if (label !== null && label !== LABEL_OF[container]) {
    throw new SymbolonError('KEY_MALFORMED', `the PEM label "${label}" does not match its content, which is a ${LABEL_OF[container]}`);
  }
  if (container !== 'encrypted-pkcs8') return keyFromDer(der, root, container);

  if (options.passphrase === undefined) throw new SymbolonError('KEY_PASSPHRASE_REQUIRED');
  const privateKeyInfo = await decryptPrivateKeyInfo(root, options.passphrase);
  try {
    return keyFromDer(privateKeyInfo, decodeKeyDer(privateKeyInfo, 'decrypted private key'), 'pkcs8');
  } finally {
    privateKeyInfo.fill(0);
  }
}

/**
 * Reads a private key from PEM text or DER bytes: PKCS#8 (`PRIVATE KEY`), encrypted PKCS#8
 * (`ENCRYPTED PRIVATE KEY`), and the legacy `RSA PRIVATE KEY` (PKCS#1) and `EC PRIVATE KEY`
 * (RFC 5915) forms. The key material is checked by Symbolon's own DER reader before node:crypto
 * loads it (`checkPrivateKeyMaterial`). Returns a private KeyObject of a supported type.
 * Throws `KEY_PASSPHRASE_REQUIRED`, `KEY_BAD_PASSPHRASE`, `KEY_UNSUPPORTED_ENCRYPTION`,
 * `KEY_MALFORMED`, `KEY_UNSUPPORTED_TYPE`, `INPUT_TOO_LARGE` or a `PEM_*` code.
 */
export async function importPrivateKey(input: string | Uint8Array, options: PrivateKeyImportOptions = {}): Promise<KeyObject> {
  const key = await importPrivateKeyForInspection(input, options);
  assertKeySupported(key);
  return key;
}

/**
 * The private key as PKCS#8 DER (RFC 5958), encrypted as PBES2 with AES-256-CBC when a
 * passphrase is given. Throws `KEY_WEAK_PASSPHRASE`, `KEY_UNSUPPORTED_TYPE`, or `KEY_MALFORMED`
 * for a key that is not private.
 */
export async function exportPrivateKeyDer(key: KeyObject, options: PrivateKeyExportOptions = {}): Promise<Buffer> {
  if (key.type !== 'private') throw new SymbolonError('KEY_MALFORMED', `a private key is needed, not a ${key.type} key`);
  assertKeySupported(key);
  const privateKeyInfo = key.export({ format: 'der', type: 'pkcs8' });
  if (options.passphrase === undefined) return privateKeyInfo;
  try {
    return await encryptPrivateKeyInfo(privateKeyInfo, options.passphrase);
  } finally {
    privateKeyInfo.fill(0);
  }
}

/** The private key as PEM: `PRIVATE KEY`, or `ENCRYPTED PRIVATE KEY` with a passphrase (RFC 7468 10, 11). */
export async function exportPrivateKeyPem(key: KeyObject, options: PrivateKeyExportOptions = {}): Promise<string> {
  const der = await exportPrivateKeyDer(key, options);
  return toPem(options.passphrase === undefined ? 'PRIVATE KEY' : 'ENCRYPTED PRIVATE KEY', der);
}
