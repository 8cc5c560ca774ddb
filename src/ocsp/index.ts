export { createDelegatedSigner } from './delegated-signer.js';
export type { DelegatedSigner, DelegatedSignerOptions } from './delegated-signer.js';
export { createIssuerDirectory } from './issuer-directory.js';
export type { IssuerDirectory, OcspIssuer } from './issuer-directory.js';
export { createOcspFastPath, createOcspHandler } from './ocsp-http.js';
export type { OcspHttpOptions } from './ocsp-http.js';
export { createOcspResponder } from './ocsp-responder.js';
export type { OcspAnswer, OcspResponder, OcspResponderOptions } from './ocsp-responder.js';
