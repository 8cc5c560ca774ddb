// The OAuth authorization server of `symbolon up` (RFC 6749 client credentials, RFC 8705 mutual-TLS
// client authentication and certificate-bound access tokens, RFC 7662 introspection, RFC 8414
// metadata), its signing keys and its client registrations.
export {
  createAuthorizationServer,
  INTROSPECTION_PATH,
  JWKS_PATH,
  METADATA_PATH,
  OAUTH_PREFIX,
  TOKEN_PATH,
} from './authorization-server.js';
export type { AuthorizationServer, AuthorizationServerOptions } from './authorization-server.js';
export { checkClientRegistration, isClientId } from './client-registration.js';
export { clientCredential, registerClient, removeClient, requireClient } from './client-registry.js';
export type { CertificateNameField, ClientCredentialFields, RegistryChange } from './client-registry.js';
export type { ClientRegistration } from './client-registration.js';
export { checkIssuerIdentifier } from './issuer-identifier.js';
export { publishedJwks, publishSigningKeys } from './published-keys.js';
export { rotateSigningKeys } from './signing-keys.js';
export type { RotationPolicy, SigningKey, SigningKeys } from './signing-keys.js';
