import type { KeyObject } from 'node:crypto';
import { isSymbolonError } from '../../errors.js';
import type { SymbolonError } from '../../errors.js';
import {
  describeKey,
  importPrivateKey,
  importPublicKey,
  importPrivateKeyForInspection,
  importPublicKeyForInspection,
} from '../../keys/index.js';
import type { KeyInfo } from '../../keys/index.js';
import { parseCertificate, parseCsr, toPem, verifyCsr } from '../../x509/index.js';
import { describeEncryptionScheme } from './encryption-scheme.js';
import type { InspectedObject, InspectedPrivateKey, InspectedPublicKey, ObjectKind, ObjectSource } from './inspected-object.js';
import { checkSignature } from './signature-check.js';

interface Described {
  readonly key: KeyInfo;
  readonly unsupportedReason: string | undefined;
}

function hasCode(error: unknown, code: SymbolonError['code']): error is SymbolonError {
  return isSymbolonError(error) && error.code === code;
}

/**
 * A key Symbolon can use, or one the key policy refuses (described, with the reason) when its
 * material was checked and loaded all the same. A type or curve whose material Symbolon does not
 * check is never loaded, so it stays refused.
 */
async function describeLoaded(
  load: () => KeyObject | Promise<KeyObject>,
  loadRefused: () => KeyObject | Promise<KeyObject>,
): Promise<Described> {
  try {
    return { key: describeKey(await load()), unsupportedReason: undefined };
  } catch (error) {
    if (!hasCode(error, 'KEY_UNSUPPORTED_TYPE')) throw error;
    let refused: KeyObject;
    try {
      refused = await loadRefused();
    } catch {
      throw error;
    }
    return { key: describeKey(refused), unsupportedReason: error.message };
  }
}

async function readPrivateKey(der: Buffer, source: ObjectSource, passphrase: string | undefined): Promise<InspectedPrivateKey> {
  // Through PEM when the input was PEM, so that a label that lies about its content is refused.
  const input = source.pemLabel === undefined ? der : toPem(source.pemLabel, der);
  try {
    const { key, unsupportedReason } = await describeLoaded(
      () => importPrivateKey(input),
      () => importPrivateKeyForInspection(input),
    );
    return { kind: 'privateKey', source, isEncrypted: false, key, encryption: undefined, unsupportedReason };
  } catch (error) {
    if (!hasCode(error, 'KEY_PASSPHRASE_REQUIRED')) throw error;
  }
  const encryption = describeEncryptionScheme(der);
  if (passphrase === undefined)
    return { kind: 'privateKey', source, isEncrypted: true, key: undefined, encryption, unsupportedReason: undefined };
  const { key, unsupportedReason } = await describeLoaded(
    () => importPrivateKey(input, { passphrase }),
    () => importPrivateKeyForInspection(input, { passphrase }),
  );
  return { kind: 'privateKey', source, isEncrypted: true, key, encryption, unsupportedReason };
}

async function readPublicKey(der: Buffer, source: ObjectSource): Promise<InspectedPublicKey> {
  const input = source.pemLabel === undefined ? der : toPem(source.pemLabel, der);
  const { key, unsupportedReason } = await describeLoaded(
    () => importPublicKey(input),
    () => importPublicKeyForInspection(input),
  );
  return { kind: 'publicKey', source, key, unsupportedReason };
}

/**
 * Parses one object of a known kind from its DER. A CSR's signature is checked and reported, not
 * enforced; an encrypted private key is decrypted only when a passphrase is given. Throws the
 * typed errors of the x509 and keys parsers.
 */
export async function parseObject(
  kind: ObjectKind,
  der: Buffer,
  source: ObjectSource,
  passphrase: string | undefined,
): Promise<InspectedObject> {
  switch (kind) {
    case 'certificate':
      return { kind, source, certificate: parseCertificate(der), issuerSignature: undefined };
    case 'csr': {
      const csr = parseCsr(der, { checkSignature: false });
      const signatureCheck = checkSignature(() => {
        verifyCsr(csr);
        return true;
      });
      return { kind, source, csr, signatureCheck };
    }
    case 'privateKey':
      return readPrivateKey(der, source, passphrase);
    case 'publicKey':
      return readPublicKey(der, source);
  }
}
