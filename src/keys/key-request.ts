import type { KeyObject } from 'node:crypto';
import { decodeDer } from '../asn1/index.js';
import { parsePublicKeyInfo } from '../signatures/index.js';
import type { PublicKeyInfo } from '../signatures/index.js';
import { generateKeyPair } from './key-generation.js';
import type { KeyType } from './key-generation.js';

/** A new key with what a CA needs to certify it: the SubjectPublicKeyInfo DER and its parsed form. */
export interface GeneratedKey {
  readonly privateKey: KeyObject;
  readonly spki: Buffer;
  readonly publicKey: PublicKeyInfo;
}

/** Generates a key of `type` and describes its public half for issuance. */
export async function generateKeyRequest(type: KeyType): Promise<GeneratedKey> {
  const keys = await generateKeyPair(type);
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey: keys.privateKey, spki, publicKey: parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED') };
}
