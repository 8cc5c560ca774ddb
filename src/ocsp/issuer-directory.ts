import { issuerHashes } from '../x509/index.js';
import type { CertId, CertIdHash, Certificate, IssuerHashes, OcspResponderIdentity } from '../x509/index.js';

/** An issuer the responder answers for, and who signs its answers. */
export interface OcspIssuer {
  readonly id: string;
  readonly certificate: Certificate;
  /** The current signing identity (it changes when the delegated certificate rotates). */
  readonly identity: () => OcspResponderIdentity;
}

/** Finds the issuer of a CertID by its name and key hashes, for both hashes RFC 6960 clients use. */
export interface IssuerDirectory {
  find(certId: CertId): OcspIssuer | undefined;
  hashes(issuerId: string, hashAlgorithm: CertIdHash): IssuerHashes | undefined;
}

function keyOf(hashAlgorithm: string, nameHash: Buffer, keyHash: Buffer): string {
  return `${hashAlgorithm}:${nameHash.toString('hex')}:${keyHash.toString('hex')}`;
}

export function createIssuerDirectory(issuers: readonly OcspIssuer[]): IssuerDirectory {
  const byHashes = new Map<string, OcspIssuer>();
  const hashesById = new Map<string, IssuerHashes>();
  for (const issuer of issuers) {
    for (const algorithm of ['sha1', 'sha256'] as const) {
      const hashes = issuerHashes(issuer.certificate, algorithm);
      byHashes.set(keyOf(algorithm, hashes.issuerNameHash, hashes.issuerKeyHash), issuer);
      hashesById.set(`${issuer.id}:${algorithm}`, hashes);
    }
  }
  return {
    find: (certId) => byHashes.get(keyOf(certId.hashAlgorithm, certId.issuerNameHash, certId.issuerKeyHash)),
    hashes: (issuerId, hashAlgorithm) => hashesById.get(`${issuerId}:${hashAlgorithm}`),
  };
}
