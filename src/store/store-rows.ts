import { GENESIS_HASH } from '../audit/index.js';
import type { AuditEntry, AuditHead } from '../audit/index.js';
import { SymbolonError } from '../errors.js';
import type { RevocationReason } from '../revocation-reason.js';
import type {
  CertificateRecord,
  EnrollmentTokenRecord,
  IssuerRecord,
  OAuthClientRecord,
  PendingEnrollmentRecord,
  PendingEnrollmentStatus,
  RevocationRecord,
  SigningKeyRecord,
} from './store.js';

/**
 * The rows both SQL stores read, as their drivers return them (numbers for times and sequences,
 * 0/1 for flags), and the records made from them: one mapping for SQLite and PostgreSQL.
 */

export const AUDIT_HEAD_KEY = 'audit_head';
export const STORE_ID_KEY = 'store_id';
export const FORMAT_KEY = 'format';
export const FORMAT = 'symbolon-store';

export const CERTIFICATE_COLUMNS = `
  c.id, c.issuer_id, c.serial, c.subject, c.subject_alt_names, c.profile, c.not_before, c.not_after,
  c.fingerprint, c.der, c.issued_at, c.renewal_of_issuer, c.renewal_of_serial, c.audit_sequence,
  r.sequence AS r_sequence, r.reason AS r_reason, r.revoked_at AS r_revoked_at, r.audit_sequence AS r_audit_sequence
  FROM certificates c LEFT JOIN revocations r ON r.certificate_id = c.id`;

export interface IssuerRow {
  id: string;
  parent_id: string | null;
  subject: string;
  certificate: Buffer;
  not_before: number;
  not_after: number;
  is_active: number;
  created_at: number;
}

export interface CertificateRow {
  id: number;
  issuer_id: string;
  serial: string;
  subject: string;
  subject_alt_names: string;
  profile: string;
  not_before: number;
  not_after: number;
  fingerprint: string;
  der: Buffer;
  issued_at: number;
  renewal_of_issuer: string | null;
  renewal_of_serial: string | null;
  audit_sequence: number;
  r_sequence: number | null;
  r_reason: string | null;
  r_revoked_at: number | null;
  r_audit_sequence: number | null;
}

export interface RevocationRow {
  sequence: number;
  issuer_id: string;
  serial: string;
  reason: string;
  revoked_at: number;
  audit_sequence: number;
}

export interface AuditRow {
  sequence: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  payload: string;
  payload_hash: string;
  previous_hash: string;
  entry_hash: string;
  record_hash: string | null;
}

export function toIssuer(row: IssuerRow): IssuerRecord {
  return Object.freeze({
    id: row.id,
    parentId: row.parent_id,
    subject: row.subject,
    certificate: row.certificate,
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    isActive: row.is_active === 1,
    createdAt: new Date(row.created_at),
  });
}

export function toRevocation(row: RevocationRow): RevocationRecord {
  return Object.freeze({
    sequence: row.sequence,
    issuerId: row.issuer_id,
    serial: row.serial,
    reason: row.reason as RevocationReason,
    revokedAt: new Date(row.revoked_at),
    auditSequence: row.audit_sequence,
  });
}

export function toCertificate(row: CertificateRow): CertificateRecord {
  const revocation =
    row.r_sequence === null
      ? null
      : toRevocation({
          sequence: row.r_sequence,
          issuer_id: row.issuer_id,
          serial: row.serial,
          reason: row.r_reason ?? 'unspecified',
          revoked_at: row.r_revoked_at ?? 0,
          audit_sequence: row.r_audit_sequence ?? 0,
        });
  return Object.freeze({
    issuerId: row.issuer_id,
    serial: row.serial,
    subject: row.subject,
    subjectAltNames: Object.freeze(JSON.parse(row.subject_alt_names) as string[]),
    profile: row.profile,
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    fingerprint: row.fingerprint,
    der: row.der,
    issuedAt: new Date(row.issued_at),
    renewalOf:
      row.renewal_of_issuer === null || row.renewal_of_serial === null
        ? null
        : Object.freeze({ issuerId: row.renewal_of_issuer, serial: row.renewal_of_serial }),
    auditSequence: row.audit_sequence,
    revocation,
  });
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return Object.freeze({
    sequence: row.sequence,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    payload: row.payload,
    payloadHash: row.payload_hash,
    recordHash: row.record_hash,
    previousHash: row.previous_hash,
    entryHash: row.entry_hash,
  });
}

export function parseHead(text: string | undefined): AuditHead {
  if (text === undefined) return { sequence: 0, entryHash: GENESIS_HASH };
  const [sequence, entryHash] = text.split(':');
  if (!/^\d+$/.test(sequence ?? '') || !/^[0-9a-f]{64}$/.test(entryHash ?? '')) {
    throw new SymbolonError('STORE_CORRUPT', 'the recorded audit head is malformed; the database was edited');
  }
  return { sequence: Number(sequence), entryHash: entryHash! };
}

export interface TokenRow {
  id: string;
  secret_hash: string;
  profile: string;
  names: string;
  label: string | null;
  uses: number;
  uses_left: number;
  expires_at: number;
  created_at: number;
  revoked_at: number | null;
}

export interface PendingRow {
  id: string;
  requester: string;
  profile: string;
  label: string | null;
  subject: string;
  subject_alt_names: string;
  csr: Buffer;
  renewal_of_issuer: string | null;
  renewal_of_serial: string | null;
  requested_at: number;
  status: string;
  decided_at: number | null;
  decided_by: string | null;
  cert_issuer: string | null;
  cert_serial: string | null;
}

export function toToken(row: TokenRow): EnrollmentTokenRecord {
  return Object.freeze({
    id: row.id,
    secretHash: row.secret_hash,
    profile: row.profile,
    names: Object.freeze(JSON.parse(row.names) as string[]),
    label: row.label,
    uses: row.uses,
    usesLeft: row.uses_left,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
  });
}

export function toPending(row: PendingRow): PendingEnrollmentRecord {
  return Object.freeze({
    id: row.id,
    requester: row.requester,
    profile: row.profile,
    label: row.label,
    subject: row.subject,
    subjectAltNames: Object.freeze(JSON.parse(row.subject_alt_names) as string[]),
    csr: row.csr,
    renewalOf:
      row.renewal_of_issuer === null || row.renewal_of_serial === null
        ? null
        : Object.freeze({ issuerId: row.renewal_of_issuer, serial: row.renewal_of_serial }),
    requestedAt: new Date(row.requested_at),
    status: row.status as PendingEnrollmentStatus,
    decidedAt: row.decided_at === null ? null : new Date(row.decided_at),
    decidedBy: row.decided_by,
    certificate:
      row.cert_issuer === null || row.cert_serial === null ? null : Object.freeze({ issuerId: row.cert_issuer, serial: row.cert_serial }),
  });
}

export interface OAuthClientRow {
  id: string;
  auth_method: string;
  certificate_name: string | null;
  jwks: string | null;
  scopes: string;
  audiences: string;
  created_at: number;
}

export const OAUTH_CLIENT_COLUMNS = 'id, auth_method, certificate_name, jwks, scopes, audiences, created_at';

/** The columns of a client, in OAUTH_CLIENT_COLUMNS' order. */
export function oauthClientValues(client: OAuthClientRecord): unknown[] {
  return [
    client.id,
    client.authMethod,
    client.certificateName === null ? null : JSON.stringify(client.certificateName),
    client.jwks === null ? null : JSON.stringify(client.jwks),
    JSON.stringify(client.scopes),
    JSON.stringify(client.audiences),
    client.createdAt.getTime(),
  ];
}

export function toOAuthClient(row: OAuthClientRow): OAuthClientRecord {
  if (row.auth_method !== 'tls_client_auth' && row.auth_method !== 'self_signed_tls_client_auth')
    throw new SymbolonError('STORE_CORRUPT', `OAuth client "${row.id}" has an unknown authentication method; the database was edited`);
  return Object.freeze({
    id: row.id,
    authMethod: row.auth_method,
    certificateName: row.certificate_name === null ? null : (JSON.parse(row.certificate_name) as OAuthClientRecord['certificateName']),
    jwks: row.jwks === null ? null : (JSON.parse(row.jwks) as OAuthClientRecord['jwks']),
    scopes: Object.freeze(JSON.parse(row.scopes) as string[]),
    audiences: Object.freeze(JSON.parse(row.audiences) as string[]),
    createdAt: new Date(Number(row.created_at)),
  });
}

export interface SigningKeyRow {
  kid: string;
  jwk: string;
  created_at: number;
  expires_at: number;
}

export const SIGNING_KEY_COLUMNS = 'kid, jwk, created_at, expires_at';

export function toSigningKey(row: SigningKeyRow): SigningKeyRecord {
  let jwk: unknown;
  try {
    jwk = JSON.parse(row.jwk);
  } catch {
    jwk = undefined;
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw new SymbolonError('STORE_CORRUPT', `signing key "${row.kid}" has no JWK object; the database was edited`);
  return Object.freeze({
    kid: row.kid,
    jwk: Object.freeze(jwk as Record<string, unknown>),
    createdAt: new Date(Number(row.created_at)),
    expiresAt: new Date(Number(row.expires_at)),
  });
}
