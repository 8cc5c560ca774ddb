import { describeKey } from '../../../keys/index.js';
import type { PublicKeyInfo } from '../../../x509/index.js';

/**
 * 'EC P-256', 'RSA 2048', 'Ed25519'; for a key Symbolon never loads (a curve or algorithm it
 * does not list), what its own reading found: 'EC secp256k1 (not used by Symbolon)'.
 */
export function publicKeyText(publicKey: PublicKeyInfo): string {
  if (publicKey.keyObject !== undefined) return describeKey(publicKey.keyObject).summary;
  const what = publicKey.algorithm === 'ec' ? `EC ${publicKey.curve ?? 'unnamed curve'}` : publicKey.algorithm;
  return `${what} (not used by Symbolon)`;
}
