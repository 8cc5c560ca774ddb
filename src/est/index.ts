export { createEnrollmentToken, MAX_TOKEN_TTL_SECONDS, MAX_TOKEN_USES, revokeEnrollmentToken, tokenState } from './enrollment-tokens.js';
export type { TokenContext, TokenRequest } from './enrollment-tokens.js';
export { checkTokenNamePattern, matchesTokenName } from './token-name-pattern.js';
export { isTokenId, isTokenSecret, newTokenCredentials, TOKEN_HASH_KEY_BYTES, TOKEN_SECRET_BYTES, tokenSecretHash } from './token-secret.js';
