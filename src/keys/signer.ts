import { createPublicKey, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SymbolonError } from '../errors.js';
import { assertKeySupported } from './key-policy.js';
import { cryptoOptions, signatureAlgorithm } from '../signatures/index.js';
import type { HashName, SignatureAlgorithm, SignatureAlgorithmName, Signer } from '../signatures/index.js';

export interface SignerOptions {
  /** Digest; by default SHA-256 for P-256 and RSA, SHA-384 for P-384, SHA-512 for P-521. */
  readonly hash?: HashName;
  /** RSA only: PKCS#1 v1.5 (default) or PSS. */
  readonly rsaPadding?: 'pkcs1' | 'pss';
}

const CURVE_HASH: Record<string, HashName> = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' };
const HASHES: readonly string[] = ['sha256', 'sha384', 'sha512'];

/**
 * The signature algorithm a private or public key signs with under these options. Throws
 * `KEY_UNSUPPORTED_TYPE` for a key Symbolon does not sign with (weak RSA, other curves) and
 * `KEY_ALGORITHM_MISMATCH` for options that do not fit the key.
 */
export function algorithmForKey(key: KeyObject, options: SignerOptions = {}): SignatureAlgorithm {
  assertKeySupported(key);
  if (options.hash !== undefined && !HASHES.includes(options.hash)) {
    throw new SymbolonError('SIG_UNSUPPORTED_ALGORITHM', `the hash ${String(options.hash)} is not one of ${HASHES.join(', ')}`);
  }
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') {
    // RFC 8032 5.1: Ed25519 fixes its hash (SHA-512, internal) and has no padding.
    if (options.hash !== undefined || options.rsaPadding !== undefined)
      throw new SymbolonError('KEY_ALGORITHM_MISMATCH', 'Ed25519 takes no hash or padding option');
    return signatureAlgorithm('Ed25519');
  }
  if (type === 'ec') {
    if (options.rsaPadding !== undefined) throw new SymbolonError('KEY_ALGORITHM_MISMATCH', 'an EC key takes no RSA padding option');
    const hash = options.hash ?? CURVE_HASH[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? 'sha256';
    return signatureAlgorithm(`ecdsa-with-${hash.toUpperCase()}` as SignatureAlgorithmName);
  }
  const hash = options.hash ?? 'sha256';
  const isPss = options.rsaPadding === 'pss';
  return signatureAlgorithm(
    isPss ? (`RSASSA-PSS-${hash.toUpperCase()}` as SignatureAlgorithmName) : (`${hash}WithRSAEncryption` as SignatureAlgorithmName),
  );
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
        cryptoSign(hash, data, key, (error, signature) => {
          if (error) reject(new SymbolonError('KEY_SIGN_FAILED', `signing with ${algorithm.name} failed`, { cause: error }));
          else resolve(signature);
        });
      });
    },
  });
}
