export {
  createEnrollmentToken,
  MAX_TOKEN_TTL_SECONDS,
  MAX_TOKEN_USES,
  revokeEnrollmentToken,
  tokenState,
  tokenView,
} from './enrollment-tokens.js';
export type { EnrollmentTokenView } from './enrollment-tokens.js';
export type { TokenContext, TokenRequest } from './enrollment-tokens.js';
export { checkTokenNamePattern, matchesTokenName } from './token-name-pattern.js';
export {
  isTokenId,
  isTokenSecret,
  newTokenCredentials,
  TOKEN_HASH_KEY_BYTES,
  TOKEN_SECRET_BYTES,
  tokenSecretHash,
} from './token-secret.js';
export { decideEnrollment } from './enrollment-approval.js';
export { createEstRoute, EST_PATH } from './est-route.js';
export type { EstRouteOptions } from './est-route.js';
export { MAX_EST_BODY_BYTES } from './est-request.js';
export { base64Lines, PKCS7_CERTS_ONLY } from './est-response.js';
export { enrollmentTokenKey, enrollmentTokenKeyPath } from './enrollment-token-key.js';
