import { describeKey } from '../../../keys/index.js';
import type { PublicKeyInfo } from '../../../x509/index.js';

/** 'EC P-256', 'RSA 2048', 'Ed25519', or the algorithm OID of a key OpenSSL cannot load. */
export function publicKeyText(publicKey: PublicKeyInfo): string {
  if (publicKey.keyObject === undefined) return `${publicKey.algorithm} (not a key type OpenSSL reads)`;
  return describeKey(publicKey.keyObject).summary;
}
