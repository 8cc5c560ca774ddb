import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/index.js';
import type { IssuerRecord, NewCertificate, NewEnrollmentToken, NewOAuthClient, NewRevocation, NewSigningKey } from './store.js';

/**
 * The hashes an audit entry carries of the row it wrote (its `recordHash`), so that the tables
 * can be proved against the log: SHA-256 of the canonical JSON of every column that says what
 * the row means, times in milliseconds, DER by its SHA-256. A new column gets a new form
 * version (the first element), never a silent change.
 */

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hash of a certificate row: everything but its row id and audit sequence (the entry's own). */
export function certificateRecordHash(certificate: NewCertificate): string {
  return sha256(
    canonicalJson([
      'certificate',
      1,
      certificate.issuerId,
      certificate.serial,
      certificate.subject,
      certificate.subjectAltNames,
      certificate.profile,
      certificate.notBefore.getTime(),
      certificate.notAfter.getTime(),
      certificate.fingerprint,
      sha256(certificate.der),
      certificate.issuedAt.getTime(),
      certificate.renewalOf === null ? null : [certificate.renewalOf.issuerId, certificate.renewalOf.serial],
    ]),
  );
}

/** Hash of a revocation row, with its place in the revocation feed. */
export function revocationRecordHash(revocation: NewRevocation & { readonly sequence: number }): string {
  return sha256(
    canonicalJson([
      'revocation',
      1,
      revocation.issuerId,
      revocation.serial,
      revocation.reason,
      revocation.revokedAt.getTime(),
      revocation.sequence,
    ]),
  );
}

/** Hash of an issuer row as it was added (`isActive` as given then: later rotations clear it). */
export function issuerRecordHash(issuer: Omit<IssuerRecord, 'isActive'> & { readonly isActive: boolean }): string {
  return sha256(
    canonicalJson([
      'issuer',
      1,
      issuer.id,
      issuer.parentId,
      issuer.subject,
      sha256(issuer.certificate),
      issuer.notBefore.getTime(),
      issuer.notAfter.getTime(),
      issuer.isActive,
      issuer.createdAt.getTime(),
    ]),
  );
}

/** Hash of an OAuth client row as it was registered. */
export function oauthClientRecordHash(client: NewOAuthClient): string {
  return sha256(
    canonicalJson([
      'oauth-client',
      1,
      client.id,
      client.authMethod,
      client.certificateName,
      client.jwks,
      client.scopes,
      client.audiences,
      client.createdAt.getTime(),
    ]),
  );
}

/** Hash of a published token signing key row (its public JWK whole: a key swapped in the table is a forged issuer). */
export function signingKeyRecordHash(key: NewSigningKey): string {
  return sha256(canonicalJson(['oauth-signing-key', 1, key.kid, key.jwk, key.createdAt.getTime(), key.expiresAt.getTime()]));
}

/** Hash of an enrollment token row as it was made (its uses left and revocation change later; the log records each change). */
export function enrollmentTokenRecordHash(token: NewEnrollmentToken): string {
  return sha256(
    canonicalJson([
      'enrollment-token',
      1,
      token.id,
      token.secretHash,
      token.profile,
      token.names,
      token.label,
      token.uses,
      token.expiresAt.getTime(),
      token.createdAt.getTime(),
    ]),
  );
}
