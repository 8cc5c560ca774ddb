import { decodeDer, readInteger, readOid, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import { isSymbolonError } from '../../errors.js';

/** How an encrypted PKCS#8 key is protected: what a person needs to know before decrypting it. */
export interface EncryptionScheme {
  /** 'PBES2', a PBES1 or PKCS#12 scheme name, or the dotted OID of an unknown one. */
  readonly scheme: string;
  /** PBES2 only: 'PBKDF2-HMAC-SHA256', 'scrypt', or an OID. */
  readonly keyDerivation: string | undefined;
  /** PBKDF2 only. */
  readonly iterations: number | undefined;
  /** PBES2 only: 'AES-256-CBC', or an OID. */
  readonly cipher: string | undefined;
}

// RFC 8018 A.3, A.4, B.1, B.2 and RFC 7292 Appendix C: the identifiers OpenSSL writes.
const SCHEMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.5.13': 'PBES2',
  '1.2.840.113549.1.5.3': 'PBES1 (MD5, DES-CBC)',
  '1.2.840.113549.1.5.10': 'PBES1 (SHA-1, DES-CBC)',
  '1.2.840.113549.1.12.1.3': 'PKCS#12 (SHA-1, 3-key triple DES)',
  '1.2.840.113549.1.12.1.6': 'PKCS#12 (SHA-1, RC2-40)',
};
const KEY_DERIVATIONS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.5.12': 'PBKDF2',
  '1.3.6.1.4.1.11591.4.11': 'scrypt',
};
const PRFS: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.7': 'HMAC-SHA1',
  '1.2.840.113549.2.8': 'HMAC-SHA224',
  '1.2.840.113549.2.9': 'HMAC-SHA256',
  '1.2.840.113549.2.10': 'HMAC-SHA384',
  '1.2.840.113549.2.11': 'HMAC-SHA512',
};
const CIPHERS: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.1.2': 'AES-128-CBC',
  '2.16.840.1.101.3.4.1.22': 'AES-192-CBC',
  '2.16.840.1.101.3.4.1.42': 'AES-256-CBC',
  '1.2.840.113549.3.7': 'DES-EDE3-CBC',
};

function algorithmOid(node: DerNode | undefined): string | undefined {
  const oid = node?.tag === Tag.SEQUENCE ? node.children[0] : undefined;
  return oid?.tag === Tag.OID ? readOid(oid) : undefined;
}

/** RFC 8018 A.2: PBKDF2-params ::= SEQUENCE { salt, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }. */
function describePbkdf2(params: DerNode | undefined): { keyDerivation: string; iterations: number | undefined } {
  const fields = params?.tag === Tag.SEQUENCE ? params.children : [];
  const count = fields[1]?.tag === Tag.INTEGER ? readInteger(fields[1]) : undefined;
  const last = fields[fields.length - 1];
  const prfOid = fields.length > 2 ? algorithmOid(last) : undefined;
  const prf = prfOid === undefined ? 'HMAC-SHA1' : (PRFS[prfOid] ?? prfOid);
  return {
    keyDerivation: `PBKDF2-${prf}`,
    iterations: count === undefined || count > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(count),
  };
}

function describe(der: Buffer): EncryptionScheme | undefined {
  // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING } (RFC 5958 3)
  const algorithm = decodeDer(der).children[0];
  const schemeOid = algorithmOid(algorithm);
  if (algorithm === undefined || schemeOid === undefined) return undefined;
  const scheme = SCHEMES[schemeOid] ?? schemeOid;
  if (scheme !== 'PBES2') return { scheme, keyDerivation: undefined, iterations: undefined, cipher: undefined };
  // RFC 8018 A.4: PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }
  const [kdf, cipher] = algorithm.children[1]?.children ?? [];
  const kdfOid = algorithmOid(kdf);
  const cipherOid = algorithmOid(cipher);
  const kdfName = kdfOid === undefined ? undefined : (KEY_DERIVATIONS[kdfOid] ?? kdfOid);
  const pbkdf2 = kdfName === 'PBKDF2' ? describePbkdf2(kdf?.children[1]) : undefined;
  return {
    scheme,
    keyDerivation: pbkdf2?.keyDerivation ?? kdfName,
    iterations: pbkdf2?.iterations,
    cipher: cipherOid === undefined ? undefined : (CIPHERS[cipherOid] ?? cipherOid),
  };
}

/**
 * What the encryption of an EncryptedPrivateKeyInfo (DER) is, read without the passphrase.
 * Undefined when the structure cannot be read far enough to say; never throws for bad input.
 */
export function describeEncryptionScheme(der: Buffer): EncryptionScheme | undefined {
  try {
    return describe(der);
  } catch (error) {
    // A description is optional; the key was already recognised as encrypted PKCS#8.
    if (isSymbolonError(error)) return undefined;
    throw error;
  }
}
