/** Symbolon's library entry point: the X.509 core, keys and signers, and the error type. */
export { ERROR_CODES, SymbolonError, Asn1Error, isSymbolonError } from './errors.js';
export type { ErrorCode } from './errors.js';
export {
  der,
  decodeDer,
  readBitString,
  readBoolean,
  readInteger,
  readOid,
  readOctetString,
  readString,
  readTime,
  Tag,
} from './asn1/index.js';
export type { DerNode } from './asn1/index.js';
export {
  KEY_TYPES,
  createSigner,
  describeKey,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  readKeyFile,
  writePrivateKeyFile,
} from './keys/index.js';
export type { KeyInfo, KeyPair, KeyType, Signer, SignerOptions } from './keys/index.js';
export {
  OID,
  buildCertificate,
  buildCsr,
  buildSelfSignedCertificate,
  formatName,
  parseCertificate,
  parseCertificates,
  parseCsr,
  parseName,
  parsePem,
  parsePemBlocks,
  secureRandomSerialNumber,
  signatureAlgorithm,
  toPem,
  verifyCertificateSignature,
  verifyCsr,
  verifySignature,
} from './x509/index.js';
export type {
  Certificate,
  CertificateTemplate,
  Csr,
  CsrTemplate,
  DistinguishedName,
  GeneralName,
  SignatureAlgorithm,
  SignatureAlgorithmName,
} from './x509/index.js';
export {
  createCertificateAuthority,
  initCertificateAuthority,
  openDataDir,
  unlockActiveIssuer,
  verifyStoreAudit,
  parseCaConfig,
  BUILT_IN_PROFILES,
} from './ca/index.js';
