import type { KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from './signature-algorithm.js';

/**
 * What a CA signs with: an algorithm identifier and an asynchronous sign. The builders of
 * `x509/` take it; `keys/` makes one over a private key in memory (`createSigner`), and a
 * PKCS#11 token can be another.
 */
export interface Signer {
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: KeyObject;
  /** The signature over `data`, in the encoding X.509 wants (DER for ECDSA). */
  sign(data: Uint8Array): Promise<Buffer>;
}
