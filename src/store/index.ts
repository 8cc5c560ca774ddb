export type {
  CertificateFilter,
  CertificateRecord,
  CertificateRef,
  CertificateStatus,
  IssuerRecord,
  NewCertificate,
  NewIssuer,
  NewRevocation,
  RevocationRecord,
  Store,
} from './store.js';
export { certificateRecordHash, issuerRecordHash, revocationRecordHash } from './record-hash.js';
export { openSqliteStore } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export type { RevocationReason } from '../revocation-reason.js';
