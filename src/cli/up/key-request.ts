import { decodeDer } from '../../asn1/index.js';
import { generateKeyPair } from '../../keys/index.js';
import { parsePublicKeyInfo } from '../../x509/index.js';
import type { PublicKeyInfo } from '../../x509/index.js';

/** A new P-256 key for a certificate `up` issues to itself: the key as PEM, and what the CA needs. */
export interface KeyRequest {
  readonly privateKeyPem: string;
  readonly spki: Buffer;
  readonly publicKey: PublicKeyInfo;
}

export async function newKeyRequest(): Promise<KeyRequest> {
  const keys = await generateKeyPair('p256');
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  return { privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), spki, publicKey: parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED') };
}
