import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

const PRIVATE_KEY_FORMATS = ['pkcs8', 'pkcs1', 'sec1'] as const;

/**
 * A private key Symbolon refuses to use (RSA 1024, secp256k1, DSA, ...), loaded by node:crypto
 * only so that `inspect` can say what it is. Undefined when OpenSSL cannot read it either.
 */
export function loadRefusedPrivateKey(der: Buffer, passphrase: string | undefined): KeyObject | undefined {
  for (const type of PRIVATE_KEY_FORMATS) {
    try {
      return createPrivateKey({ key: der, format: 'der', type, ...(type === 'pkcs8' && passphrase !== undefined ? { passphrase } : {}) });
    } catch {
      // Not this container; the next one may fit.
    }
  }
  return undefined;
}

/** The SubjectPublicKeyInfo of a refused public key, loaded only to describe it. */
export function loadRefusedPublicKey(der: Buffer): KeyObject | undefined {
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}
