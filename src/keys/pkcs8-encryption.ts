import { createCipheriv, createDecipheriv, pbkdf2, randomBytes, scrypt } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';
import { promisify } from 'node:util';
import { der, readInteger, readOctetString, readOid, Tag } from '../asn1/index.js';
import type { DerNode } from '../asn1/index.js';
import { SymbolonError } from '../errors.js';
import { decodeKeyDer } from './key-input.js';

/** Shortest passphrase accepted when encrypting a private key, in characters. */
export const MIN_PASSPHRASE_LENGTH = 8;
/** PBKDF2-HMAC-SHA256 iterations for keys we encrypt (OWASP's 2023 figure for this PRF). */
export const PBKDF2_ITERATIONS = 600_000;
/** Work bounds for keys we decrypt: a hostile file must not stall the process. */
const MAX_PBKDF2_ITERATIONS = 10_000_000;
const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024;
const MAX_SCRYPT_PARALLELISM = 16;
const MAX_SALT_BYTES = 1024;

const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
// RFC 7914 7: scrypt as a PBES2 key derivation function.
const OID_SCRYPT = '1.3.6.1.4.1.11591.4.11';

type PrfHash = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
// RFC 8018 B.1.1 and B.1.2.
const PRF_BY_OID: Readonly<Record<string, PrfHash>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const OID_HMAC_WITH_SHA256 = '1.2.840.113549.2.9';

interface Cipher {
  readonly name: 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc';
  readonly keyBytes: number;
}
// RFC 8018 B.2.5: AES-CBC-Pad, whose parameter is the 16-octet IV.
const CIPHER_BY_OID: Readonly<Record<string, Cipher>> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyBytes: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyBytes: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyBytes: 32 },
};
const OID_AES_256_CBC = '2.16.840.1.101.3.4.1.42';
const AES_BLOCK_BYTES = 16;

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify<string | Buffer, Buffer, number, ScryptOptions, Buffer>(scrypt);

type KeyDerivation =
  | { readonly kdf: 'pbkdf2'; readonly salt: Buffer; readonly iterations: number; readonly prf: PrfHash }
  | { readonly kdf: 'scrypt'; readonly salt: Buffer; readonly cost: number; readonly blockSize: number; readonly parallelization: number };

interface EncryptionScheme {
  readonly derivation: KeyDerivation;
  readonly cipher: Cipher;
  readonly iv: Buffer;
}

function unsupported(detail: string): SymbolonError {
  return new SymbolonError('KEY_UNSUPPORTED_ENCRYPTION', `${detail}; re-encrypt the key with \`openssl pkcs8 -topk8 -v2 aes-256-cbc\``);
}

function malformed(detail: string): SymbolonError {
  return new SymbolonError('KEY_MALFORMED', `the encrypted private key is malformed: ${detail}`);
}

function isSequence(node: DerNode | undefined): node is DerNode {
  return node !== undefined && node.tag === Tag.SEQUENCE;
}

/** An INTEGER field that must be a positive count no larger than `max`. */
function readCount(node: DerNode | undefined, what: string, max: number): number {
  if (node === undefined || node.tag !== Tag.INTEGER) throw malformed(`the ${what} is missing`);
  const value = readInteger(node);
  if (value < 1n) throw malformed(`the ${what} is not positive`);
  if (value > BigInt(max)) throw unsupported(`the ${what} of ${value} is beyond the limit of ${max}`);
  return Number(value);
}

function readSalt(node: DerNode | undefined): Buffer {
  // RFC 8018 A.2: the salt may also be an AlgorithmIdentifier (otherSource), which no tool writes.
  if (node === undefined || node.tag !== Tag.OCTET_STRING) throw unsupported('only a specified (OCTET STRING) salt is read');
  const salt = readOctetString(node);
  if (salt.length === 0 || salt.length > MAX_SALT_BYTES) throw malformed(`a salt of ${salt.length} bytes`);
  return salt;
}

/** RFC 8018 A.2: PBKDF2-params ::= SEQUENCE { salt, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }. */
function readPbkdf2(params: DerNode | undefined, cipher: Cipher): KeyDerivation {
  if (!isSequence(params) || params.children.length < 2 || params.children.length > 4) throw malformed('the PBKDF2 parameters');
  const [saltNode, iterationsNode, ...rest] = params.children;
  const salt = readSalt(saltNode);
  const iterations = readCount(iterationsNode, 'PBKDF2 iteration count', MAX_PBKDF2_ITERATIONS);
  let prf: PrfHash = 'sha1';
  for (const [index, field] of rest.entries()) {
    if (field.tag === Tag.INTEGER && index === 0) {
      if (readInteger(field) !== BigInt(cipher.keyBytes)) throw malformed('the PBKDF2 key length does not fit the cipher');
    } else if (isSequence(field) && index === rest.length - 1) {
      const [prfOid, prfParams] = field.children;
      if (prfOid === undefined) throw malformed('the PBKDF2 pseudo-random function has no identifier');
      const hash = PRF_BY_OID[readOid(prfOid)];
      if (hash === undefined) throw unsupported('the PBKDF2 pseudo-random function is not HMAC with SHA-1 or SHA-2');
      if (field.children.length > 2 || (prfParams !== undefined && (prfParams.tag !== Tag.NULL || prfParams.content.length !== 0))) {
        throw malformed('the PBKDF2 pseudo-random function has parameters other than NULL');
      }
      prf = hash;
    } else {
      throw malformed('the PBKDF2 parameters');
    }
  }
  return { kdf: 'pbkdf2', salt, iterations, prf };
}

/** RFC 7914 7.1: scrypt-params ::= SEQUENCE { salt, costParameter, blockSize, parallelizationParameter, keyLength OPTIONAL }. */
function readScrypt(params: DerNode | undefined, cipher: Cipher): KeyDerivation {
  if (!isSequence(params) || params.children.length < 4 || params.children.length > 5) throw malformed('the scrypt parameters');
  const [saltNode, costNode, blockSizeNode, parallelizationNode, keyLengthNode] = params.children;
  const salt = readSalt(saltNode);
  const cost = readCount(costNode, 'scrypt cost parameter', MAX_SCRYPT_MEMORY_BYTES / 128);
  const blockSize = readCount(blockSizeNode, 'scrypt block size', MAX_SCRYPT_MEMORY_BYTES / 128);
  const parallelization = readCount(parallelizationNode, 'scrypt parallelization', MAX_SCRYPT_PARALLELISM);
  // RFC 7914 2: N is a power of two greater than 1.
  if (cost < 2 || (cost & (cost - 1)) !== 0) throw malformed('the scrypt cost parameter is not a power of two');
  if (128 * cost * blockSize > MAX_SCRYPT_MEMORY_BYTES)
    throw unsupported(`scrypt parameters that need more than ${MAX_SCRYPT_MEMORY_BYTES >> 20} MiB`);
  if (keyLengthNode !== undefined && readCount(keyLengthNode, 'scrypt key length', 64) !== cipher.keyBytes)
    throw malformed('the scrypt key length does not fit the cipher');
  return { kdf: 'scrypt', salt, cost, blockSize, parallelization };
}

/** RFC 8018 A.4: PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme }. */
function readScheme(algorithm: DerNode): EncryptionScheme {
  if (!isSequence(algorithm) || algorithm.children.length < 1 || algorithm.children.length > 2)
    throw malformed('the encryption AlgorithmIdentifier');
  const oid = readOid(algorithm.children[0]!);
  if (oid !== OID_PBES2) throw unsupported(`the key is encrypted with ${oid}, not PBES2 (PKCS#5 v1.5 and PKCS#12 schemes are not read)`);
  const params = algorithm.children[1];
  if (!isSequence(params) || params.children.length !== 2) throw malformed('the PBES2 parameters');
  const [kdfId, schemeId] = params.children as [DerNode, DerNode];
  if (!isSequence(schemeId) || schemeId.children.length !== 2) throw malformed('the PBES2 encryption scheme');
  const cipherOid = readOid(schemeId.children[0]!);
  const cipher = CIPHER_BY_OID[cipherOid];
  if (cipher === undefined) throw unsupported(`the cipher ${cipherOid} is not AES-CBC`);
  const ivNode = schemeId.children[1]!;
  if (ivNode.tag !== Tag.OCTET_STRING || ivNode.content.length !== AES_BLOCK_BYTES) throw malformed('the AES-CBC IV is not 16 octets');
  if (!isSequence(kdfId) || kdfId.children.length !== 2) throw malformed('the PBES2 key derivation function');
  const kdfOid = readOid(kdfId.children[0]!);
  const kdfParams = kdfId.children[1];
  if (kdfOid === OID_PBKDF2) return { derivation: readPbkdf2(kdfParams, cipher), cipher, iv: ivNode.content };
  if (kdfOid === OID_SCRYPT) return { derivation: readScrypt(kdfParams, cipher), cipher, iv: ivNode.content };
  throw unsupported(`the key derivation function ${kdfOid} is neither PBKDF2 nor scrypt`);
}

async function deriveKey(passphrase: string, derivation: KeyDerivation, keyBytes: number): Promise<Buffer> {
  // RFC 8018 3: the password is an octet string; OpenSSL takes the UTF-8 bytes of the text as given.
  const password = Buffer.from(passphrase, 'utf8');
  try {
    if (derivation.kdf === 'pbkdf2') return await pbkdf2Async(password, derivation.salt, derivation.iterations, keyBytes, derivation.prf);
    return await scryptAsync(password, derivation.salt, keyBytes, {
      N: derivation.cost,
      r: derivation.blockSize,
      p: derivation.parallelization,
      maxmem: MAX_SCRYPT_MEMORY_BYTES + 1024 * 1024,
    });
  } finally {
    password.fill(0);
  }
}

/** Is this DER element an EncryptedPrivateKeyInfo (RFC 5958 3) rather than a plain key? */
export function isEncryptedPrivateKeyInfo(root: DerNode): boolean {
  return (
    root.tag === Tag.SEQUENCE &&
    root.children.length === 2 &&
    root.children[0]!.tag === Tag.SEQUENCE &&
    root.children[1]!.tag === Tag.OCTET_STRING
  );
}

/** Is this DER element shaped as a PrivateKeyInfo / OneAsymmetricKey (RFC 5958 2)? */
export function isPrivateKeyInfo(root: DerNode): boolean {
  const [version, algorithm, privateKey] = root.children;
  return (
    root.tag === Tag.SEQUENCE &&
    root.children.length >= 3 &&
    version !== undefined &&
    version.tag === Tag.INTEGER &&
    version.content.length === 1 &&
    (version.content[0] === 0 || version.content[0] === 1) &&
    algorithm?.tag === Tag.SEQUENCE &&
    privateKey?.tag === Tag.OCTET_STRING &&
    root.children.slice(3).every((field) => field.tagClass === 0x80)
  );
}

/**
 * Throws `KEY_WEAK_PASSPHRASE` for a passphrase shorter than `MIN_PASSPHRASE_LENGTH` characters:
 * the one rule every encryption applies, callable before work that must not be done for nothing.
 */
export function assertPassphraseStrength(passphrase: string): void {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new SymbolonError('KEY_WEAK_PASSPHRASE', `a passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
}

/**
 * Encrypts a PrivateKeyInfo as PBES2 (RFC 8018 6.2): PBKDF2 with HMAC-SHA256, a 16-byte random
 * salt and `PBKDF2_ITERATIONS` iterations, then AES-256-CBC. Returns the EncryptedPrivateKeyInfo
 * DER (RFC 5958 3), which `openssl pkey` reads. Throws `KEY_WEAK_PASSPHRASE` for a passphrase
 * shorter than `MIN_PASSPHRASE_LENGTH` characters.
 */
export async function encryptPrivateKeyInfo(privateKeyInfo: Uint8Array, passphrase: string): Promise<Buffer> {
  assertPassphraseStrength(passphrase);
  // RFC 8018 4.1: a salt of at least eight octets, chosen at random.
  const salt = randomBytes(16);
  const iv = randomBytes(AES_BLOCK_BYTES);
  const key = await deriveKey(passphrase, { kdf: 'pbkdf2', salt, iterations: PBKDF2_ITERATIONS, prf: 'sha256' }, 32);
  let encrypted: Buffer;
  try {
    const cipher = createCipheriv('aes-256-cbc', key, iv);
    encrypted = Buffer.concat([cipher.update(privateKeyInfo), cipher.final()]);
  } finally {
    key.fill(0);
  }
  const algorithm = der.sequence(
    der.oid(OID_PBES2),
    der.sequence(
      der.sequence(
        der.oid(OID_PBKDF2),
        der.sequence(der.octetString(salt), der.integer(PBKDF2_ITERATIONS), der.sequence(der.oid(OID_HMAC_WITH_SHA256), der.nullValue())),
      ),
      der.sequence(der.oid(OID_AES_256_CBC), der.octetString(iv)),
    ),
  );
  return der.sequence(algorithm, der.octetString(encrypted));
}

/**
 * Decrypts an EncryptedPrivateKeyInfo (PBES2 with PBKDF2 or scrypt and AES-CBC) to the DER of
 * its PrivateKeyInfo; the caller should zero it once used. Throws `KEY_BAD_PASSPHRASE` when the
 * passphrase does not decrypt to a PrivateKeyInfo (AES-CBC has no integrity check, so damaged
 * ciphertext reads the same), `KEY_UNSUPPORTED_ENCRYPTION` for other schemes or excessive work
 * parameters, and `KEY_MALFORMED` for broken structure.
 */
export async function decryptPrivateKeyInfo(encryptedPrivateKeyInfo: DerNode, passphrase: string): Promise<Buffer> {
  if (!isEncryptedPrivateKeyInfo(encryptedPrivateKeyInfo)) throw malformed('it is not an EncryptedPrivateKeyInfo');
  const [algorithm, encryptedData] = encryptedPrivateKeyInfo.children as [DerNode, DerNode];
  let scheme: EncryptionScheme;
  try {
    scheme = readScheme(algorithm);
  } catch (error) {
    if (error instanceof SymbolonError && (error.code === 'KEY_MALFORMED' || error.code === 'KEY_UNSUPPORTED_ENCRYPTION')) throw error;
    throw new SymbolonError('KEY_MALFORMED', 'the encryption parameters of the private key are malformed', { cause: error });
  }
  const ciphertext = encryptedData.content;
  if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK_BYTES !== 0)
    throw malformed('the encrypted data is not a whole number of AES blocks');

  const key = await deriveKey(passphrase, scheme.derivation, scheme.cipher.keyBytes);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv(scheme.cipher.name, key, scheme.iv);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (error) {
    throw new SymbolonError('KEY_BAD_PASSPHRASE', undefined, { cause: error });
  } finally {
    key.fill(0);
  }
  let isKeyInfo = false;
  try {
    isKeyInfo = isPrivateKeyInfo(decodeKeyDer(plaintext, 'decrypted private key'));
  } catch {
    // Valid padding under a wrong key happens about once in 256 tries; the DER then fails.
  }
  if (!isKeyInfo) {
    plaintext.fill(0);
    throw new SymbolonError('KEY_BAD_PASSPHRASE');
  }
  return plaintext;
}
