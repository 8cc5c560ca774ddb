// The JWT access token of Symbolon's authorization server (RFC 9068) and its certificate binding
// (RFC 8705 3): the claims, the x5t#S256 thumbprint, and the one verification, pure (keys and the
// time come in). The token endpoint (`oauth/`) binds with it; the gateway and introspection check with it.
export { ACCESS_TOKEN_TYPE, scopesOf } from './access-token-claims.js';
export type { AccessTokenClaims, AccessTokenRefusal } from './access-token-claims.js';
export { asAccessTokenClaims, checkAccessTokenClaims } from './access-token-checks.js';
export type { AccessTokenExpectations, AccessTokenVerdict } from './access-token-checks.js';
export { certificateThumbprint } from './certificate-thumbprint.js';
export { ACCESS_TOKEN_ALGORITHMS, importVerificationKeys } from './verification-keys.js';
export type { AccessTokenAlgorithm, VerificationKey, VerificationKeySet } from './verification-keys.js';
export { MAX_ACCESS_TOKEN_LENGTH, verifyAccessTokenSignature } from './verify-signature.js';
export type { SignatureVerdict } from './verify-signature.js';
