/**
 * Every error Symbolon raises carries one of these codes. The codes are part of the API: they
 * appear in CLI output, problem+json bodies, metric labels and logs, and tests assert on them.
 * Each entry says what went wrong in words a person can act on.
 */
export const ERROR_CODES = {
  // asn1/ — DER reader and writer
  ASN1_TRUNCATED: 'the DER data ends before the element it announces',
  ASN1_BAD_LENGTH: 'a DER length is malformed, not minimal, or runs past its container',
  ASN1_INDEFINITE_LENGTH: 'indefinite lengths are BER, not DER, and are refused',
  ASN1_TRAILING_DATA: 'bytes follow the end of the DER element',
  ASN1_TOO_DEEP: 'the DER nesting is deeper than any certificate needs',
  ASN1_TOO_LARGE: 'the DER input is larger than the limit for this kind of object',
  ASN1_BAD_TAG: 'a DER element has a tag form that is not allowed here',
  ASN1_UNEXPECTED_TAG: 'a DER element is not of the type the structure requires here',
  ASN1_BAD_VALUE: 'a DER value is not encoded as DER requires for its type',
  ASN1_VALUE_OUT_OF_RANGE: 'a value cannot be encoded in DER as given',

  // x509/ — PEM
  PEM_NOT_FOUND: 'no PEM block with the expected label was found',
  PEM_BAD_BASE64: 'the PEM body is not valid base64',
  PEM_BAD_LABEL: 'the PEM block has a label that does not fit here',
  PEM_UNTERMINATED: 'a PEM block has a BEGIN line without its END line',

  // x509/ — certificates, names, extensions
  CERT_MALFORMED: 'the data is not a well-formed X.509 certificate',
  CERT_UNSUPPORTED_VERSION: 'the certificate version is not v1, v2 or v3',
  CERT_BAD_EXTENSION: 'a certificate extension is malformed',
  CERT_DUPLICATE_EXTENSION: 'a certificate extension appears more than once',
  CERT_BAD_SERIAL: 'a serial number must be positive and at most 20 octets',
  CERT_BAD_VALIDITY: 'the validity period is impossible (notAfter before notBefore)',
  CERT_BAD_NAME: 'a distinguished name or alternative name is malformed',
  CERT_INVALID_INPUT: 'the certificate template has a value that cannot be encoded',

  // x509/ — PKCS#10
  CSR_MALFORMED: 'the data is not a well-formed PKCS#10 certificate request',
  CSR_SIGNATURE_INVALID: 'the CSR is not signed by the key it carries',
  CSR_UNSUPPORTED_VERSION: 'the CSR version is not 0 (v1)',
  CSR_KEY_MISMATCH: 'the public key given for the CSR is not the key of the signer that signs it',

  // keys/ and signatures
  KEY_UNSUPPORTED_TYPE: 'the key type or size is not one Symbolon supports',
  KEY_MALFORMED: 'the data is not a well-formed private or public key',
  KEY_BAD_PASSPHRASE: 'the passphrase does not decrypt this key',
  KEY_PASSPHRASE_REQUIRED: 'the key is encrypted and needs a passphrase',
  KEY_WEAK_PASSPHRASE: 'the passphrase is too short to protect a private key',
  KEY_FILE_EXISTS: 'refusing to overwrite an existing key file',
  KEY_FILE_UNWRITABLE: 'the key file cannot be written (check that its directory exists and is writable)',
  KEY_UNSUPPORTED_ENCRYPTION: 'the private key is encrypted with a scheme Symbolon does not read (use PBES2 with AES-CBC)',
  KEY_SIGN_FAILED: 'the key could not produce a signature',
  KEY_ALGORITHM_MISMATCH: 'the signature algorithm does not fit the key',
  SIG_UNSUPPORTED_ALGORITHM: 'the signature algorithm is not one Symbolon supports',

  // cli/ and input files
  INPUT_UNREADABLE: 'the input file or stream cannot be read',
  INPUT_TOO_LARGE: 'the input is larger than any object of this kind',
  INPUT_UNRECOGNIZED: 'the input is not a certificate, CSR, key or CRL in PEM or DER',
  USAGE: 'the command line is not valid for this command',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error class of Symbolon: a stable `code` and a message a person can act on. */
export class SymbolonError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string, options?: ErrorOptions) {
    super(message ?? ERROR_CODES[code], options);
    this.name = 'SymbolonError';
    this.code = code;
  }
}

/** A DER decoding or encoding failure, with the byte offset where it was found. */
export class Asn1Error extends SymbolonError {
  readonly offset: number;

  constructor(code: ErrorCode, offset: number, message?: string) {
    super(code, `${message ?? ERROR_CODES[code]} (at byte ${offset})`);
    this.name = 'Asn1Error';
    this.offset = offset;
  }
}

export function isSymbolonError(value: unknown): value is SymbolonError {
  return value instanceof SymbolonError;
}
