export { certIdFor, encodeCertId, issuerHashes } from './cert-id.js';
export type { IssuerHashes } from './cert-id.js';
export { MAX_NONCE_OCTETS, MIN_NONCE_OCTETS, encodeNonceExtension, readNonce } from './nonce.js';
export { OCSP_OID } from './ocsp-oids.js';
export { MAX_OCSP_REQUEST_BYTES, parseOcspRequest } from './ocsp-request.js';
export { buildOcspRequest } from './ocsp-request-builder.js';
export type { OcspRequestTemplate } from './ocsp-request-builder.js';
export { ocspErrorResponse } from './ocsp-error-response.js';
export type { OcspErrorStatus } from './ocsp-error-response.js';
export { buildOcspResponse, encodeSingleResponse, ocspResponderIdentity } from './ocsp-response-builder.js';
export type { OcspResponderIdentity, OcspResponseTemplate, SingleResponseTemplate } from './ocsp-response-builder.js';
export { MAX_OCSP_RESPONSE_BYTES, parseOcspResponse, verifyOcspResponseSignature } from './ocsp-response.js';
export { OCSP_RESPONSE_STATUSES } from './ocsp-types.js';
export type {
  BasicOcspResponse,
  CertId,
  CertIdHash,
  CertStatus,
  OcspRequest,
  OcspResponse,
  OcspResponseStatus,
  ResponderId,
  SingleRequest,
  SingleResponse,
} from './ocsp-types.js';
