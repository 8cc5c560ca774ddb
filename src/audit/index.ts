export { AUDIT_ACTIONS } from './audit-entry.js';
export type { AuditAction, AuditDraft, AuditEntry, AuditHead } from './audit-entry.js';
export { canonicalJson } from './canonical-json.js';
export { GENESIS_HASH, auditEntryHash, auditPayloadHash, sealAuditEntry } from './audit-seal.js';
export { createAuditChainCursor, verifyAuditChain } from './audit-verify.js';
export type { AuditChainCursor, AuditFault, AuditVerification } from './audit-verify.js';
