export type {
  CertificateFilter,
  CertificateRecord,
  CertificateRef,
  CertificateStatus,
  EnrollmentTokenRecord,
  EnrollmentTokenUse,
  IssuerRecord,
  NewCertificate,
  NewEnrollmentToken,
  NewIssuer,
  NewPendingEnrollment,
  NewOAuthClient,
  NewRevocation,
  NewSigningKey,
  OAuthCertificateName,
  OAuthClientAuthMethod,
  OAuthClientRecord,
  PendingEnrollmentRecord,
  PendingEnrollmentStatus,
  RevocationRecord,
  SigningKeyRecord,
  SpentOnIssuance,
  Store,
} from './store.js';
export type { CertificatePage, CertificateSearch, CertificateStatistics, ExpiryAlertKey, SearchPosition } from './certificate-search.js';
export {
  certificateRecordHash,
  enrollmentTokenRecordHash,
  issuerRecordHash,
  oauthClientRecordHash,
  revocationRecordHash,
  signingKeyRecordHash,
} from './record-hash.js';
export { openSqliteStore } from './sqlite-store.js';
export { certificateSearchTerms } from './search-terms.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export type { RevocationReason } from '../revocation-reason.js';
export { migratePostgresStore, openPostgresStore, REVOCATION_CHANNEL } from './postgres-store.js';
export type { MigrationOutcome, PostgresStoreOptions } from './postgres-store.js';
export { isPostgresUrl, parsePostgresUrl, passwordlessUrl, redactedUrl } from './postgres-url.js';
