export { KEY_USAGES } from './types.js';
export type {
  AccessDescription,
  AuthorityKeyIdentifier,
  BasicConstraints,
  DistributionPoint,
  Extension,
  KeyUsage,
  NameConstraints,
  PolicyInformation,
} from './types.js';
export { TYPED_EXTENSION_NAMES, encodeExtension, encodeExtensions } from './encoding.js';
export type { ExtensionFields, TypedExtensionName } from './encoding.js';
export { EXTENDED_KEY_USAGES } from './encoding-usage.js';
export type { ExtendedKeyUsage } from './encoding-usage.js';
export type { AuthorityInfoAccess } from './encoding-locations.js';
export { keyIdentifier } from './encoding-key-ids.js';
export { DECODED_EXTENSIONS, decodeExtensions } from './extension-set.js';
export type { ExtensionViews } from './extension-set.js';
export {
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeOcspNoCheck,
  decodeSubjectKeyIdentifier,
} from './decoding.js';
export {
  REASON_FLAGS,
  decodeAuthorityInfoAccess,
  decodeCrlDistributionPoints,
  decodeFreshestCrl,
  decodeSubjectInfoAccess,
} from './decoding-locations.js';
export type { ParsedDistributionPoint } from './decoding-locations.js';
export { decodeIssuerAltName, decodeNameConstraints, decodeSubjectAltName } from './decoding-names.js';
export { decodeCertificatePolicies, decodeInhibitAnyPolicy, decodePolicyConstraints, decodePolicyMappings } from './decoding-policies.js';
export type { PolicyConstraints, PolicyMapping } from './decoding-policies.js';
