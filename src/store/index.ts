export type {
  CertificateFilter,
  CertificateRecord,
  CertificateRef,
  CertificateStatus,
  EnrollmentTokenRecord,
  EnrollmentTokenRefusal,
  EnrollmentTokenUse,
  IssuerRecord,
  NewCertificate,
  NewEnrollmentToken,
  NewIssuer,
  NewPendingEnrollment,
  NewRevocation,
  PendingEnrollmentRecord,
  PendingEnrollmentStatus,
  RevocationReason,
  RevocationRecord,
  Store,
} from './store.js';
export { certificateRecordHash, issuerRecordHash, revocationRecordHash } from './record-hash.js';
export { openSqliteStore } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
