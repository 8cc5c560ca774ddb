export { initialConfigText, parseCaConfig } from './data-dir/ca-config.js';
export { DEFAULT_EXPIRY_THRESHOLDS } from './data-dir/ca-config.js';
export type { CaConfig, MonitoringConfig } from './data-dir/ca-config.js';
export { CA_KEY_TYPES, initCertificateAuthority, recoverInterruptedInit } from './data-dir/ca-init.js';
export type { CaInitOptions, CaInitResult } from './data-dir/ca-init.js';
export { verifyStoreAudit } from './audit-checks/audit-check.js';
export { checkAuditAtStart, STORED_CHECKPOINT_FILE } from './audit-checks/audit-at-start.js';
export type { StartAudit } from './audit-checks/audit-at-start.js';
export { readAuditCheckpoint, signAuditCheckpoint } from './audit-checks/audit-checkpoint.js';
export type { AuditCheckpoint } from './audit-checks/audit-checkpoint.js';
export { verifyStoreState } from './audit-checks/audit-state.js';
export type {
  ProvenIssuer,
  ProvenRevocation,
  ProvenState,
  StateDifference,
  StateVerification,
  StateVerifyOptions,
} from './audit-checks/audit-state.js';
export { findUnservedRevocations, withProvenRevocations } from './audit-checks/proven-revocations.js';
export type { UnservedRevocations } from './audit-checks/proven-revocations.js';
export { createCertificateAuthority } from './certificate-authority.js';
export type {
  CertificateAuthority,
  CertificateAuthorityOptions,
  IssuedCertificate,
  IssueOptions,
  KeyRequest,
  RenewOptions,
} from './certificate-authority.js';
export { findCertificate, identifyCertificate } from './certificate-lookup.js';
export {
  DATA_DIR_FORMAT,
  DATA_DIR_VERSION,
  DEFAULT_DATA_DIR,
  assertDataDirFree,
  dataDirPaths,
  readDataDirMarker,
  sweepTemporaryFiles,
} from './data-dir/data-dir.js';
export type { DataDirMarker, DataDirPaths } from './data-dir/data-dir.js';
export { openDataDir, unlockActiveIssuer } from './data-dir/data-dir-open.js';
export { lockDataDir } from './data-dir/data-dir-lock.js';
export type { DataDirLock } from './data-dir/data-dir-lock.js';
export type { DataDir } from './data-dir/data-dir-open.js';
export {
  INTERMEDIATE_LIFETIME_SECONDS,
  ROOT_LIFETIME_SECONDS,
  buildIntermediateCertificate,
  buildRootCertificate,
  intermediateSubject,
  rootSubject,
} from './hierarchy/hierarchy.js';
export type { IntermediateConstraints } from './hierarchy/hierarchy.js';
export { createIntermediate } from './hierarchy/intermediate-rotation.js';
export type { IntermediateOptions } from './hierarchy/intermediate-rotation.js';
export { defaultRootKeyPath, ROOT_ISSUER_ID, unlockRootKey } from './hierarchy/root-key.js';
export { BACKDATE_SECONDS, applyProfile, crlUrl, deltaCrlUrl, findProfile } from './policy/issuance-policy.js';
export type { CertificateRequest, PolicyContext, PolicyDecision } from './policy/issuance-policy.js';
export { createIssuingCa } from './hierarchy/issuing-ca.js';
export type { IssuingCa } from './hierarchy/issuing-ca.js';
export { checkSubjectKey } from './policy/key-rules.js';
export { formatLifetime, isLifetime, parseLifetime } from './policy/lifetime.js';
export {
  isCidr,
  isDnsName,
  isDnsPattern,
  isIpInRange,
  isSpiffePathPattern,
  matchesDnsPattern,
  matchesEmailDomain,
  matchesSpiffePath,
  parseSpiffeId,
} from './policy/name-rules.js';
export type { SpiffeId } from './policy/name-rules.js';
export { BUILT_IN_PROFILES, MIN_LIFETIME_SECONDS, PROFILE_KEY_TYPES } from './policy/profile.js';
export type { NameRules, Profile, ProfileKeyType } from './policy/profile.js';
export { REVOCATION_REASONS, parseRevocationReason } from './revocation-reason.js';
export { revokeCertificate } from './revocation.js';
export { ownRevocationStatus } from './own-revocation-status.js';
export type { OwnRevocationFinding } from './own-revocation-status.js';
export { internalCertificates, readInternalCertificates } from './hierarchy/internal-certificates.js';
export type { InternalCertificates } from './hierarchy/internal-certificates.js';
export { newSerialNumber, normalizeSerialNumber } from './serial.js';
export { buildCertificatesPkcs12, buildPkcs12 } from './pkcs12-bundle.js';
