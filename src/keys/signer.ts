import { createPublicKey, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SymbolonError } from '../errors.js';
import { cryptoOptions, signatureAlgorithm } from './signature-algorithm.js';
import type { HashName, SignatureAlgorithm, SignatureAlgorithmName } from './signature-algorithm.js';

/**
 * What the CA signs with: an algorithm identifier and an asynchronous sign. A private key in
 * memory is one implementation; a PKCS#11 token can be another.
 */
export interface Signer {
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: KeyObject;
  /** The signature over `data`, in the encoding X.509 wants (DER for ECDSA). */
  sign(data: Uint8Array): Promise<Buffer>;
}

export interface SignerOptions {
  /** Digest; by default SHA-256 for P-256 and RSA, SHA-384 for P-384, SHA-512 for P-521. */
  readonly hash?: HashName;
  /** RSA only: PKCS#1 v1.5 (default) or PSS. */
  readonly rsaPadding?: 'pkcs1' | 'pss';
}

const CURVE_HASH: Record<string, HashName> = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' };

/** The signature algorithm a private key signs with under these options. */
export function algorithmForKey(key: KeyObject, options: SignerOptions = {}): SignatureAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') {
    if (options.hash !== undefined || options.rsaPadding !== undefined) throw new SymbolonError('KEY_ALGORITHM_MISMATCH', 'Ed25519 takes no hash or padding option');
    return signatureAlgorithm('Ed25519');
  }
  if (type === 'ec') {
    if (options.rsaPadding !== undefined) throw new SymbolonError('KEY_ALGORITHM_MISMATCH', 'an EC key takes no RSA padding option');
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const hash = options.hash ?? CURVE_HASH[curve];
    if (hash === undefined) throw new SymbolonError('KEY_UNSUPPORTED_TYPE', `EC curve ${curve} is not supported (use P-256, P-384 or P-521)`);
    return signatureAlgorithm(`ecdsa-with-${hash.toUpperCase()}` as SignatureAlgorithmName);
  }
  if (type === 'rsa' || type === 'rsa-pss') {
    const hash = options.hash ?? 'sha256';
    const isPss = options.rsaPadding === 'pss' || type === 'rsa-pss';
    return signatureAlgorithm(isPss ? (`RSASSA-PSS-${hash.toUpperCase()}` as SignatureAlgorithmName) : (`${hash}WithRSAEncryption` as SignatureAlgorithmName));
  }
  throw new SymbolonError('KEY_UNSUPPORTED_TYPE', `a ${type ?? 'secret'} key cannot sign certificates (use EC, Ed25519 or RSA)`);
}

/**
 * A Signer over a private key held in memory. Signing runs on libuv's thread pool (node:crypto's
 * callback form), so concurrent issuance uses every core.
 */
export function createSigner(privateKey: KeyObject, options: SignerOptions = {}): Signer {
  if (privateKey.type !== 'private') throw new SymbolonError('KEY_MALFORMED', 'a signer needs a private key');
  const algorithm = algorithmForKey(privateKey, options);
  const { hash, key } = cryptoOptions(algorithm, privateKey);
  const publicKey = createPublicKey(privateKey);
  return Object.freeze({
    algorithm,
    publicKey,
    sign(data: Uint8Array): Promise<Buffer> {
      return new Promise<Buffer>((resolve, reject) => {
        cryptoSign(hash, data, key, (error, signature) => (error ? reject(error) : resolve(signature)));
      });
    },
  });
}
