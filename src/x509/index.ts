export { OID, oidName } from './oids.js';
export type { OidName } from './oids.js';
export { isPem, parsePem, parsePemBlocks, toPem } from '../asn1/index.js';
export type { PemBlock, PemLabel } from '../asn1/index.js';
export { ATTRIBUTE_SHORT_NAMES, attributeTypeOid, decodeName, encodeName, formatName, nameAttribute, parseName } from './name.js';
export type { DistinguishedName, NameAttribute } from './name.js';
export { bytesToIp, decodeGeneralName, encodeGeneralName, formatGeneralName, ipToBytes } from './general-name.js';
export type { GeneralName } from './general-name.js';
export { compileNameGlob, MAX_GLOB_LENGTH } from './name-glob.js';
export type { NameGlob, NameGlobOptions } from './name-glob.js';
export { cryptoOptions, isKeyForAlgorithm, parseSignatureAlgorithm, signatureAlgorithm, verifySignature } from '../signatures/index.js';
export type { HashName, SignatureAlgorithm, SignatureAlgorithmName } from '../signatures/index.js';
export { parsePublicKeyInfo, parsePublicKeyInfoDer } from '../signatures/index.js';
export { ecCurveByName, ecCurveByOid, ecCurveName, ecPointFault, ecPrivateKeyFault } from '../signatures/index.js';
export { rsaPublicKeyFault } from '../signatures/index.js';
export type { EcCurve } from '../signatures/index.js';
export { ed25519PublicKeyFault } from '../signatures/index.js';
export type { PublicKeyAlgorithm, PublicKeyInfo } from '../signatures/index.js';
export { formatSerialNumber, isConformingSerialNumber } from './serial/serial-number.js';
export { encodeSerialNumber, randomSerialNumber } from './serial/serial-number-encoding.js';
export type { SerialNumberInput } from './serial/serial-number-encoding.js';
export { secureRandomSerialNumber } from './serial/secure-serial-number.js';
export { buildCertificate, buildSelfSignedCertificate, encodeTbsCertificate } from './certificate-builder.js';
export type { CertificateTemplate, SelfSignedTemplate } from './certificate-builder.js';
export { MAX_CERTIFICATE_BYTES, parseCertificate, parseCertificates, verifyCertificateSignature } from './certificate.js';
export type { Certificate } from './certificate.js';
export { buildCsr } from './csr/csr-builder.js';
export type { CsrTemplate, RequestedExtensions } from './csr/csr-builder.js';
export { MAX_CSR_BYTES, parseCsr, verifyCsr } from './csr/csr.js';
export { buildCertsOnlyPkcs7, parseCertsOnlyPkcs7 } from './pkcs7-certs-only.js';
export type { Csr, CsrAttribute, CsrParseOptions } from './csr/csr.js';
export { MAX_CRL_BYTES, MAX_REVOKED_SET_CRL_BYTES, parseCrl, parseCrls, readRevokedSerials, verifyCrlSignature } from './crl/crl.js';
export type { ReadRevokedSerialsOptions } from './crl/crl.js';
export { crlEntryKey } from './crl/crl-types.js';
export { CRL_REASONS, revocationReasonCode } from '../revocation-reason.js';
export type { RevocationReason } from '../revocation-reason.js';
export type { CertificateList, CrlEntries, IssuingDistributionPoint, RevokedCertificate, RevokedSerials } from './crl/crl-types.js';
export {
  DECODED_EXTENSIONS,
  EXTENDED_KEY_USAGES,
  KEY_USAGES,
  REASON_FLAGS,
  TYPED_EXTENSION_NAMES,
  decodeAuthorityInfoAccess,
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeCertificatePolicies,
  decodeCrlDistributionPoints,
  decodeExtKeyUsage,
  decodeExtensions,
  decodeFreshestCrl,
  decodeInhibitAnyPolicy,
  decodeIssuerAltName,
  decodeKeyUsage,
  decodeNameConstraints,
  decodeOcspNoCheck,
  decodePolicyConstraints,
  decodePolicyMappings,
  decodeSubjectAltName,
  decodeSubjectInfoAccess,
  decodeSubjectKeyIdentifier,
  encodeExtension,
  encodeExtensions,
  keyIdentifier,
} from './extensions/index.js';
export type {
  AccessDescription,
  AuthorityInfoAccess,
  AuthorityKeyIdentifier,
  BasicConstraints,
  DistributionPoint,
  ExtendedKeyUsage,
  Extension,
  ExtensionFields,
  ExtensionViews,
  KeyUsage,
  NameConstraints,
  ParsedDistributionPoint,
  PolicyConstraints,
  PolicyInformation,
  PolicyMapping,
  TypedExtensionName,
} from './extensions/index.js';
export { buildCrl, encodeTbsCertList } from './crl/crl-builder.js';
export type { CrlTemplate, IssuingDistributionPointTemplate, RevokedEntry } from './crl/crl-builder.js';
export {
  MAX_NONCE_OCTETS,
  MAX_OCSP_REQUEST_BYTES,
  MAX_OCSP_RESPONSE_BYTES,
  MIN_NONCE_OCTETS,
  OCSP_OID,
  OCSP_RESPONSE_STATUSES,
  buildOcspRequest,
  buildOcspResponse,
  certIdFor,
  encodeCertId,
  encodeSingleResponse,
  issuerHashes,
  ocspErrorResponse,
  ocspResponderIdentity,
  parseOcspRequest,
  parseOcspResponse,
  verifyOcspResponseSignature,
} from './ocsp/index.js';
export type {
  BasicOcspResponse,
  CertId,
  CertIdHash,
  CertStatus,
  IssuerHashes,
  OcspErrorStatus,
  OcspRequest,
  OcspRequestTemplate,
  OcspResponderIdentity,
  OcspResponse,
  OcspResponseStatus,
  OcspResponseTemplate,
  ResponderId,
  SingleRequest,
  SingleResponse,
  SingleResponseTemplate,
} from './ocsp/index.js';
