import type { Store } from '../store/index.js';
import { revocationEventOf } from './revocation-event.js';
import type { RevocationFeed } from './revocation-feed.js';

/**
 * The store, with every revocation recorded through it published on `feed` as soon as its
 * transaction commits, before the caller's `await` resumes: CA code revokes through this store
 * and the CRL, the OCSP responder and the gateways hear of it at once.
 */
export function publishingStore(store: Store, feed: Pick<RevocationFeed, 'publish'>): Store {
  return Object.freeze({
    addIssuer: (issuer, audit) => store.addIssuer(issuer, audit),
    listIssuers: () => store.listIssuers(),
    recordIssuance: (certificate, audit, spent) => store.recordIssuance(certificate, audit, spent),
    recordRevocation: async (revocation, audit) => {
      const record = await store.recordRevocation(revocation, audit);
      feed.publish(revocationEventOf(record));
      return record;
    },
    appendAudit: (audit) => store.appendAudit(audit),
    getCertificate: (ref) => store.getCertificate(ref),
    findCertificatesBySerial: (serial) => store.findCertificatesBySerial(serial),
    certificateCount: () => store.certificateCount(),
    scanCertificates: (cursor, limit) => store.scanCertificates(cursor, limit),
    listCertificates: (filter) => store.listCertificates(filter),
    searchCertificates: (search) => store.searchCertificates(search),
    certificateStatistics: (now, timelineUntil) => store.certificateStatistics(now, timelineUntil),
    dueExpiryAlerts: (profile, thresholdSeconds, now, limit) => store.dueExpiryAlerts(profile, thresholdSeconds, now, limit),
    recordExpiryAlerts: (keys, sentAt) => store.recordExpiryAlerts(keys, sentAt),
    listRevocations: (afterSequence, limit) => store.listRevocations(afterSequence, limit),
    readAuditLog: (afterSequence, limit) => store.readAuditLog(afterSequence, limit),
    auditHead: () => store.auditHead(),
    lastAuditEntry: (action) => store.lastAuditEntry(action),
    addEnrollmentToken: (token, audit) => store.addEnrollmentToken(token, audit),
    getEnrollmentToken: (id) => store.getEnrollmentToken(id),
    listEnrollmentTokens: () => store.listEnrollmentTokens(),
    revokeEnrollmentToken: (id, at, audit) => store.revokeEnrollmentToken(id, at, audit),
    addPendingEnrollment: (enrollment, audit, tokenUse) => store.addPendingEnrollment(enrollment, audit, tokenUse),
    getPendingEnrollment: (id) => store.getPendingEnrollment(id),
    listPendingEnrollments: (status) => store.listPendingEnrollments(status),
    decidePendingEnrollment: (id, decision, audit) => store.decidePendingEnrollment(id, decision, audit),
    addOAuthClient: (client, audit) => store.addOAuthClient(client, audit),
    getOAuthClient: (id) => store.getOAuthClient(id),
    listOAuthClients: () => store.listOAuthClients(),
    removeOAuthClient: (id, audit) => store.removeOAuthClient(id, audit),
    publishSigningKey: (key, audit) => store.publishSigningKey(key, audit),
    listSigningKeys: (at) => store.listSigningKeys(at),
    watchRevocations: (listener) => store.watchRevocations(listener),
    storeId: () => store.storeId(),
    close: () => store.close(),
  } satisfies Store);
}
