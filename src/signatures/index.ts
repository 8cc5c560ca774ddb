// signatures/: the pieces x509/ and keys/ share, below both: signature algorithms (their DER
// AlgorithmIdentifiers, how node:crypto runs them), the public keys that verify them
// (SubjectPublicKeyInfo, EC/RSA/Ed25519 key checks), and the Signer interface that makes them.
export { ALGORITHM_OID } from './algorithm-oids.js';
export { ecCurveByName, ecCurveByOid, ecCurveName, ecPointFault, ecPrivateKeyFault } from './ec-point.js';
export type { EcCurve } from './ec-point.js';
export { ed25519PublicKeyFault } from './ed25519-point.js';
export { parsePublicKeyInfo, parsePublicKeyInfoDer, publicKeyAlgorithmOf } from './public-key-info.js';
export type { PublicKeyAlgorithm, PublicKeyInfo } from './public-key-info.js';
export { rsaPublicKeyFault } from './rsa-key.js';
export { readSignatureAlgorithmField } from './signature-algorithm-field.js';
export type { SignatureAlgorithmField } from './signature-algorithm-field.js';
export { cryptoOptions, isKeyForAlgorithm, parseSignatureAlgorithm, signatureAlgorithm, verifySignature } from './signature-algorithm.js';
export type { HashName, SignatureAlgorithm, SignatureAlgorithmName } from './signature-algorithm.js';
export type { Signer } from './signer.js';
