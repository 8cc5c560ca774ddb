/**
 * The contract every Store adapter is held to. An adapter's test file calls
 * `runStoreContract('sqlite', makeStore)`; the PostgreSQL adapter will call it the same way.
 * Each test gets a fresh, empty store from `makeStore` and disposes of it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { verifyAuditChain } from '../../src/audit/index.js';
import type { AuditAction, AuditDraft } from '../../src/audit/index.js';
import { isSymbolonError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { certificateRecordHash, issuerRecordHash, revocationRecordHash, signingKeyRecordHash } from '../../src/store/index.js';
import type {
  CertificateRecord,
  EnrollmentTokenUse,
  NewCertificate,
  NewEnrollmentToken,
  NewIssuer,
  NewOAuthClient,
  NewPendingEnrollment,
  Store,
} from '../../src/store/index.js';

export interface StoreUnderTest {
  readonly store: Store;
  /** Closes `store` and opens the same database again. */
  readonly reopen: () => Promise<Store>;
  /** Closes whatever is open and removes the database. */
  readonly dispose: () => Promise<void>;
}

const T0 = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

export function draft(action: AuditAction, target: string, payload: Record<string, unknown> = {}, at = new Date(T0)): AuditDraft {
  return { at, actor: 'contract-test', action, target, payload };
}

export function issuer(id: string, parentId: string | null, isActive: boolean): NewIssuer {
  return {
    id,
    parentId,
    subject: `CN=${id}`,
    certificate: Buffer.from(`certificate of ${id}`),
    notBefore: new Date(T0),
    notAfter: new Date(T0 + 3650 * DAY),
    isActive,
    createdAt: new Date(T0),
  };
}

export function certificate(issuerId: string, serial: string, overrides: Partial<NewCertificate> = {}): NewCertificate {
  const der = Buffer.from(`der of ${issuerId}/${serial}`);
  return {
    issuerId,
    serial,
    subject: `CN=leaf-${serial}`,
    subjectAltNames: [`dns:leaf-${serial}.example.com`],
    profile: 'server',
    notBefore: new Date(T0),
    notAfter: new Date(T0 + 30 * DAY),
    fingerprint: createHash('sha256').update(der).digest('hex'),
    der,
    issuedAt: new Date(T0),
    renewalOf: null,
    ...overrides,
  };
}

async function rejectsWith(action: () => Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(isSymbolonError(error), `expected a SymbolonError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** A store with a root and an active intermediate. */
async function withHierarchy(store: Store): Promise<void> {
  await store.addIssuer(issuer('root', null, false), draft('ca.init', 'root'));
  await store.addIssuer(issuer('intermediate-1', 'root', true), draft('issuer.add', 'intermediate-1'));
}

async function issue(store: Store, issuerId: string, serial: string, overrides: Partial<NewCertificate> = {}): Promise<void> {
  await store.recordIssuance(certificate(issuerId, serial, overrides), draft('certificate.issue', `${issuerId}/${serial}`, { serial }));
}

/** One use of token `id` at `at`, with its `token.use` draft. */
export function tokenUse(id: string, at: Date): EnrollmentTokenUse {
  return { id, at, audit: draft('token.use', `token/${id}`, {}, at) };
}

/** Records a certificate of intermediate-1 paid with `use`. */
async function issuePaid(store: Store, serial: string, use: EnrollmentTokenUse): Promise<void> {
  await store.recordIssuance(certificate('intermediate-1', serial), draft('certificate.issue', `intermediate-1/${serial}`), {
    tokenUse: use,
  });
}

/** Records a certificate of intermediate-1 issued for the approved enrollment `id`. */
export function collect(store: Store, serial: string, id: string): Promise<CertificateRecord> {
  return store.recordIssuance(certificate('intermediate-1', serial), draft('certificate.issue', `intermediate-1/${serial}`), {
    approvedEnrollment: id,
  });
}

/** Records the enrollment `id` held for approval, and approves it. */
export async function approvedEnrollment(store: Store, id: string): Promise<string> {
  await store.addPendingEnrollment(pendingEnrollment(id), draft('enrollment.request', `enrollment/${id}`));
  await store.decidePendingEnrollment(
    id,
    { status: 'approved', decidedBy: 'cli:alice', at: new Date(T0 + 1000) },
    draft('enrollment.approve', `enrollment/${id}`),
  );
  return id;
}

export function runStoreContract(name: string, makeStore: () => StoreUnderTest | Promise<StoreUnderTest>): void {
  describe(`store contract: ${name}`, () => {
    async function using(body: (subject: StoreUnderTest) => Promise<void>): Promise<void> {
      const subject = await makeStore();
      try {
        await body(subject);
      } finally {
        await subject.dispose();
      }
    }

    test('a new store is empty, with the genesis audit head and an identifier', () =>
      using(async ({ store }) => {
        assert.deepEqual(await store.listIssuers(), []);
        assert.deepEqual(await store.auditHead(), { sequence: 0, entryHash: '0'.repeat(64) });
        assert.deepEqual(await store.readAuditLog(0, 10), []);
        assert.match(await store.storeId(), /^[0-9a-f-]{16,}$/);
      }));

    test('records issuers, with at most one active', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await store.addIssuer(issuer('intermediate-2', 'root', true), draft('issuer.add', 'intermediate-2'));
        const issuers = await store.listIssuers();
        assert.deepEqual(
          issuers.map((i) => [i.id, i.parentId, i.isActive]),
          [
            ['root', null, false],
            ['intermediate-1', 'root', false],
            ['intermediate-2', 'root', true],
          ],
        );
        assert.deepEqual(issuers[0]!.certificate, Buffer.from('certificate of root'));
        assert.equal(issuers[0]!.notAfter.getTime(), T0 + 3650 * DAY);
        await rejectsWith(() => store.addIssuer(issuer('root', null, false), draft('issuer.add', 'root')), 'STORE_ISSUER_EXISTS');
        await rejectsWith(() => store.addIssuer(issuer('orphan', 'nobody', true), draft('issuer.add', 'orphan')), 'STORE_ISSUER_UNKNOWN');
        assert.equal((await store.auditHead()).sequence, 3);
      }));

    test('an issuance is stored with its audit entry and read back unchanged', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        const expected = certificate('intermediate-1', '4a01', { subjectAltNames: ['dns:a.example.com', 'ip:10.0.0.1'] });
        const recorded = await store.recordIssuance(expected, draft('certificate.issue', 'intermediate-1/4a01', { serial: '4a01' }));
        assert.equal(recorded.auditSequence, 3);
        const read = await store.getCertificate({ issuerId: 'intermediate-1', serial: '4a01' });
        assert.ok(read);
        assert.deepEqual({ ...read, der: Buffer.from(read.der) }, { ...expected, auditSequence: 3, revocation: null });
        const [entry] = await store.readAuditLog(2, 10);
        assert.equal(entry?.action, 'certificate.issue');
        assert.equal(entry?.target, 'intermediate-1/4a01');
        assert.equal(entry?.payload, '{"serial":"4a01"}');
        assert.equal(await store.getCertificate({ issuerId: 'intermediate-1', serial: 'ffff' }), undefined);
      }));

    test('refuses a serial the issuer already has, and writes nothing', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await issue(store, 'intermediate-1', '4a01');
        const head = await store.auditHead();
        await rejectsWith(() => issue(store, 'intermediate-1', '4a01', { subject: 'CN=other' }), 'STORE_SERIAL_TAKEN');
        assert.deepEqual(await store.auditHead(), head);
        assert.equal((await store.readAuditLog(0, 100)).length, head.sequence);
        assert.equal((await store.getCertificate({ issuerId: 'intermediate-1', serial: '4a01' }))?.subject, 'CN=leaf-4a01');
      }));

    test('allows the same serial under two issuers', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await store.addIssuer(issuer('intermediate-2', 'root', true), draft('issuer.add', 'intermediate-2'));
        await issue(store, 'intermediate-1', '77');
        await issue(store, 'intermediate-2', '77');
        const found = await store.findCertificatesBySerial('77');
        assert.deepEqual(found.map((c) => c.issuerId).sort(), ['intermediate-1', 'intermediate-2']);
      }));

    test('refuses an issuance for an unknown issuer and writes no audit entry', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        const head = await store.auditHead();
        await rejectsWith(() => issue(store, 'nobody', '01'), 'STORE_ISSUER_UNKNOWN');
        assert.deepEqual(await store.auditHead(), head);
      }));

    test('records a renewal with a reference to the certificate it renews', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await issue(store, 'intermediate-1', '01');
        const renewalOf = { issuerId: 'intermediate-1', serial: '01' };
        await store.recordIssuance(certificate('intermediate-1', '02', { renewalOf }), draft('certificate.renew', 'intermediate-1/02'));
        assert.deepEqual((await store.getCertificate({ issuerId: 'intermediate-1', serial: '02' }))?.renewalOf, renewalOf);
      }));

    test('gives revocations strictly increasing sequence numbers and a resumable feed', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        for (const serial of ['01', '02', '03', '04']) await issue(store, 'intermediate-1', serial);
        const sequences: number[] = [];
        for (const serial of ['03', '01', '04']) {
          const revocation = await store.recordRevocation(
            { issuerId: 'intermediate-1', serial, reason: 'keyCompromise', revokedAt: new Date(T0 + DAY) },
            draft('certificate.revoke', `intermediate-1/${serial}`),
          );
          sequences.push(revocation.sequence);
        }
        assert.ok(sequences[0]! < sequences[1]! && sequences[1]! < sequences[2]!, `not increasing: ${sequences.join(',')}`);
        const feed = await store.listRevocations(0, 10);
        assert.deepEqual(
          feed.map((r) => r.serial),
          ['03', '01', '04'],
        );
        assert.deepEqual(
          (await store.listRevocations(sequences[0]!, 1)).map((r) => r.serial),
          ['01'],
        );
        const revoked = await store.getCertificate({ issuerId: 'intermediate-1', serial: '01' });
        assert.equal(revoked?.revocation?.reason, 'keyCompromise');
        assert.equal(revoked?.revocation?.revokedAt.getTime(), T0 + DAY);
        assert.equal(revoked?.revocation?.sequence, sequences[1]);
      }));

    test('refuses to revoke twice or to revoke an unknown certificate, writing nothing', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await issue(store, 'intermediate-1', '01');
        const revoke = (serial: string) =>
          store.recordRevocation(
            { issuerId: 'intermediate-1', serial, reason: 'superseded', revokedAt: new Date(T0) },
            draft('certificate.revoke', serial),
          );
        await revoke('01');
        const head = await store.auditHead();
        await rejectsWith(() => revoke('01'), 'STORE_ALREADY_REVOKED');
        await rejectsWith(() => revoke('99'), 'STORE_NOT_FOUND');
        assert.deepEqual(await store.auditHead(), head);
        assert.equal((await store.listRevocations(0, 10)).length, 1);
      }));

    test('lists certificates by status, profile, issuer and expiry', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await issue(store, 'intermediate-1', '01', { profile: 'client', notAfter: new Date(T0 + 10 * DAY) });
        await issue(store, 'intermediate-1', '02', { profile: 'server', notAfter: new Date(T0 + 40 * DAY) });
        await issue(store, 'intermediate-1', '03', { profile: 'server', notAfter: new Date(T0 + 2 * DAY) });
        await issue(store, 'intermediate-1', '04', { profile: 'server', notAfter: new Date(T0 + 90 * DAY) });
        await store.recordRevocation(
          { issuerId: 'intermediate-1', serial: '04', reason: 'unspecified', revokedAt: new Date(T0) },
          draft('certificate.revoke', '04'),
        );
        const now = new Date(T0 + 5 * DAY);
        const serials = async (filter: Omit<Parameters<Store['listCertificates']>[0], 'now'>) =>
          (await store.listCertificates({ now, ...filter })).map((c) => c.serial);
        assert.deepEqual(await serials({}), ['01', '02', '03', '04']);
        assert.deepEqual(await serials({ status: 'valid' }), ['01', '02']);
        assert.deepEqual(await serials({ status: 'expired' }), ['03']);
        assert.deepEqual(await serials({ status: 'revoked' }), ['04']);
        assert.deepEqual(await serials({ profile: 'server' }), ['02', '03', '04']);
        assert.deepEqual(await serials({ status: 'valid', notAfterBefore: new Date(T0 + 30 * DAY) }), ['01']);
        assert.deepEqual(await serials({ issuerId: 'root' }), []);
        assert.deepEqual(await serials({ limit: 2 }), ['01', '02']);
      }));

    test('chains every audit entry, and the chain verifies against the recorded head', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await issue(store, 'intermediate-1', '01');
        await store.recordRevocation(
          { issuerId: 'intermediate-1', serial: '01', reason: 'unspecified', revokedAt: new Date(T0) },
          draft('certificate.revoke', '01'),
        );
        await store.appendAudit(draft('config.change', 'config.yaml', { sha256: 'ab' }));
        const log = await store.readAuditLog(0, 100);
        assert.deepEqual(
          log.map((e) => e.sequence),
          [1, 2, 3, 4, 5],
        );
        assert.deepEqual(
          log.map((e) => e.action),
          ['ca.init', 'issuer.add', 'certificate.issue', 'certificate.revoke', 'config.change'],
        );
        for (let i = 1; i < log.length; i++) assert.equal(log[i]!.previousHash, log[i - 1]!.entryHash);
        const result = verifyAuditChain(log, await store.auditHead());
        assert.ok(result.ok, JSON.stringify(result));
        assert.equal((await store.lastAuditEntry('config.change'))?.sequence, 5);
        assert.equal(await store.lastAuditEntry('certificate.renew'), undefined);
      }));

    test('concurrent issuances form one unbroken chain', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await Promise.all(Array.from({ length: 50 }, (_, i) => issue(store, 'intermediate-1', (i + 1).toString(16).padStart(2, '0'))));
        const log = await store.readAuditLog(0, 1000);
        assert.equal(log.length, 52);
        assert.ok(verifyAuditChain(log, await store.auditHead()).ok);
      }));

    test('refused writes among concurrent ones write nothing and leave the chain unbroken', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await issue(store, 'intermediate-1', '01');
        const outcomes = await Promise.allSettled([
          issue(store, 'intermediate-1', '02'),
          issue(store, 'intermediate-1', '01', { subject: 'CN=duplicate' }),
          issue(store, 'intermediate-1', '03'),
          issue(store, 'nobody', '04'),
          store.recordRevocation(
            { issuerId: 'intermediate-1', serial: 'ffff', reason: 'unspecified', revokedAt: new Date(T0) },
            draft('certificate.revoke', 'ffff'),
          ),
          issue(store, 'intermediate-1', '05'),
        ]);
        assert.deepEqual(
          outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : isSymbolonError(o.reason) ? o.reason.code : String(o.reason))),
          ['ok', 'STORE_SERIAL_TAKEN', 'ok', 'STORE_ISSUER_UNKNOWN', 'STORE_NOT_FOUND', 'ok'],
        );
        const log = await store.readAuditLog(0, 100);
        assert.deepEqual(
          log.map((e) => e.target),
          ['root', 'intermediate-1', 'intermediate-1/01', 'intermediate-1/02', 'intermediate-1/03', 'intermediate-1/05'],
        );
        const result = verifyAuditChain(log, await store.auditHead());
        assert.ok(result.ok, JSON.stringify(result));
        assert.equal((await store.getCertificate({ issuerId: 'intermediate-1', serial: '01' }))?.subject, 'CN=leaf-01');
        assert.equal((await store.getCertificate({ issuerId: 'intermediate-1', serial: '05' }))?.auditSequence, 6);
      }));

    test('each audit entry carries the hash of the row it wrote, and a revocation entry carries the revocation as stored', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await issue(store, 'intermediate-1', '01');
        await issue(store, 'intermediate-1', '02');
        const revoked = await store.recordRevocation(
          { issuerId: 'intermediate-1', serial: '02', reason: 'keyCompromise', revokedAt: new Date(T0 + DAY) },
          draft('certificate.revoke', 'intermediate-1/02'),
        );
        await store.appendAudit(draft('config.change', 'config.yaml', { sha256: 'ab' }));
        const log = await store.readAuditLog(0, 100);
        const [root, intermediate] = await store.listIssuers();
        assert.equal(log[0]!.recordHash, issuerRecordHash({ ...root!, isActive: false }));
        assert.equal(log[1]!.recordHash, issuerRecordHash({ ...intermediate!, isActive: true }));
        assert.equal((JSON.parse(log[1]!.payload) as { isActive: unknown }).isActive, true);
        const stored = await store.getCertificate({ issuerId: 'intermediate-1', serial: '01' });
        assert.equal(log[2]!.recordHash, certificateRecordHash(stored!));
        assert.equal(log[2]!.recordHash, certificateRecordHash(certificate('intermediate-1', '01')));
        assert.notEqual(
          log[2]!.recordHash,
          certificateRecordHash(certificate('intermediate-1', '01', { notAfter: new Date(T0 + 31 * DAY) })),
        );
        assert.equal(log[4]!.recordHash, revocationRecordHash(revoked));
        assert.deepEqual(JSON.parse(log[4]!.payload), {
          serial: '02',
          issuer: 'intermediate-1',
          reason: 'keyCompromise',
          revokedAt: new Date(T0 + DAY).toISOString(),
          feedSequence: revoked.sequence,
        });
        assert.equal(log[5]!.recordHash, log[5]!.payloadHash);
        assert.ok(verifyAuditChain(log, await store.auditHead()).ok);
      }));

    test('scans every certificate in pages, in the order they were stored', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await store.addIssuer(issuer('intermediate-2', 'root', true), draft('issuer.add', 'intermediate-2'));
        for (const serial of ['03', '01', '02']) await issue(store, 'intermediate-2', serial);
        for (const serial of ['0a', '05']) await issue(store, 'intermediate-1', serial);
        const seen: string[] = [];
        for (let cursor = 0; ;) {
          const page = await store.scanCertificates(cursor, 2);
          seen.push(...page.records.map((c) => `${c.issuerId}/${c.serial}`));
          if (page.records.length < 2) break;
          cursor = page.cursor;
        }
        assert.deepEqual(seen, ['intermediate-2/03', 'intermediate-2/01', 'intermediate-2/02', 'intermediate-1/0a', 'intermediate-1/05']);
        assert.deepEqual((await store.scanCertificates(Number.MAX_SAFE_INTEGER, 2)).records, []);
      }));

    test('keeps everything across a reopen', () =>
      using(async (subject) => {
        await withHierarchy(subject.store);
        await issue(subject.store, 'intermediate-1', '01');
        const id = await subject.store.storeId();
        const head = await subject.store.auditHead();
        const reopened = await subject.reopen();
        assert.equal(await reopened.storeId(), id);
        assert.deepEqual(await reopened.auditHead(), head);
        assert.equal((await reopened.getCertificate({ issuerId: 'intermediate-1', serial: '01' }))?.profile, 'server');
        await issue(reopened, 'intermediate-1', '02');
        assert.ok(verifyAuditChain(await reopened.readAuditLog(0, 100), await reopened.auditHead()).ok);
      }));

    test('registers, lists and removes OAuth clients, each change with its audit entry; a refusal writes none', () =>
      using(async ({ store, reopen }) => {
        const added = await store.addOAuthClient(oauthClient('billing'), draft('oauth.client.add', 'oauth-client/billing'));
        assert.deepEqual(added, oauthClient('billing'));
        await store.addOAuthClient(
          oauthClient('device-7', {
            authMethod: 'self_signed_tls_client_auth',
            certificateName: null,
            jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] },
            createdAt: new Date(T0 + 1000),
          }),
          draft('oauth.client.add', 'oauth-client/device-7'),
        );
        await rejectsWith(
          () => store.addOAuthClient(oauthClient('billing'), draft('oauth.client.add', 'oauth-client/billing')),
          'STORE_OAUTH_CLIENT_EXISTS',
        );
        const reopened = await reopen();
        assert.deepEqual(
          (await reopened.listOAuthClients()).map((client) => [client.id, client.authMethod, client.jwks?.keys.length ?? 0]),
          [
            ['billing', 'tls_client_auth', 0],
            ['device-7', 'self_signed_tls_client_auth', 1],
          ],
        );
        assert.deepEqual((await reopened.getOAuthClient('billing'))?.certificateName, { kind: 'subject_dn', value: 'CN=billing,O=Acme' });
        assert.equal((await reopened.removeOAuthClient('billing', draft('oauth.client.remove', 'oauth-client/billing'))).id, 'billing');
        assert.equal(await reopened.getOAuthClient('billing'), undefined);
        await rejectsWith(
          () => reopened.removeOAuthClient('billing', draft('oauth.client.remove', 'oauth-client/billing')),
          'STORE_OAUTH_CLIENT_NOT_FOUND',
        );
        const entries = await reopened.readAuditLog(0, 100);
        assert.deepEqual(
          entries.map((entry) => `${entry.action} ${entry.target}`),
          ['oauth.client.add oauth-client/billing', 'oauth.client.add oauth-client/device-7', 'oauth.client.remove oauth-client/billing'],
        );
        assert.ok(verifyAuditChain(entries, await reopened.auditHead()).ok);
      }));

    test("publishes signing keys' public halves, each with its audit entry and record hash; a kid published already writes nothing", () =>
      using(async ({ store, reopen }) => {
        const key = (kid: string, createdMs: number, expiresMs: number) => ({
          kid,
          jwk: { kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}`, kid, alg: 'ES256', use: 'sig' },
          createdAt: new Date(createdMs),
          expiresAt: new Date(expiresMs),
        });
        const old = key('k-old', T0, T0 + 10_000);
        const current = key('k-new', T0 + 5_000, T0 + 60_000);
        assert.deepEqual(await store.publishSigningKey(old, draft('oauth.key.publish', 'oauth-key/k-old')), old);
        assert.deepEqual(await store.publishSigningKey(current, draft('oauth.key.publish', 'oauth-key/k-new')), current);
        // Again, from another node's view or after a restart: the recorded key, nothing written.
        const again = await store.publishSigningKey(
          { ...current, expiresAt: new Date(T0 + 99_000) },
          draft('oauth.key.publish', 'oauth-key/k-new'),
        );
        assert.deepEqual(again, current);
        const reopened = await reopen();
        assert.deepEqual(
          (await reopened.listSigningKeys()).map((k) => k.kid),
          ['k-new', 'k-old'],
        );
        assert.deepEqual(
          (await reopened.listSigningKeys(new Date(T0 + 10_000))).map((k) => k.kid),
          ['k-new'],
          'an expired key leaves the JWKS',
        );
        assert.deepEqual(await reopened.listSigningKeys(new Date(T0 + 60_000)), []);
        const entries = await reopened.readAuditLog(0, 100);
        assert.deepEqual(
          entries.map((entry) => [entry.action, entry.target, entry.recordHash]),
          [
            ['oauth.key.publish', 'oauth-key/k-old', signingKeyRecordHash(old)],
            ['oauth.key.publish', 'oauth-key/k-new', signingKeyRecordHash(current)],
          ],
        );
        assert.ok(verifyAuditChain(entries, await reopened.auditHead()).ok);
      }));

    test('records enrollment tokens; an issuance paid with a use takes it, with its entry, while one is left; a refusal names why and records nothing', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        const created = await store.addEnrollmentToken(
          enrollmentToken('00000000000000a1', { uses: 2 }),
          draft('token.create', 'token/00000000000000a1'),
        );
        assert.deepEqual(
          { usesLeft: created.usesLeft, revokedAt: created.revokedAt, names: created.names, label: created.label },
          { usesLeft: 2, revokedAt: null, names: ['sensor-*'], label: 'devices' },
        );
        await rejectsWith(
          () => store.addEnrollmentToken(enrollmentToken('00000000000000a1'), draft('token.create', 'token/00000000000000a1')),
          'STORE_TOKEN_EXISTS',
        );
        const at = new Date(T0 + 60_000);
        await issuePaid(store, 'a101', tokenUse('00000000000000a1', at));
        assert.equal((await store.getEnrollmentToken('00000000000000a1'))?.usesLeft, 1);
        await issuePaid(store, 'a102', tokenUse('00000000000000a1', at));
        await rejectsWith(() => issuePaid(store, 'a103', tokenUse('00000000000000a1', at)), 'STORE_TOKEN_USED_UP');
        await rejectsWith(() => issuePaid(store, 'a104', tokenUse('00000000000000ff', at)), 'STORE_TOKEN_NOT_FOUND');
        // Two uses, each with the certificate it paid for; a refusal writes neither.
        const entries = await store.readAuditLog(0, 100);
        assert.deepEqual(
          entries.slice(3).map((entry) => [entry.action, entry.target]),
          [
            ['token.use', 'token/00000000000000a1'],
            ['certificate.issue', 'intermediate-1/a101'],
            ['token.use', 'token/00000000000000a1'],
            ['certificate.issue', 'intermediate-1/a102'],
          ],
        );
        assert.deepEqual(
          entries.filter((entry) => entry.action === 'token.use').map((entry) => JSON.parse(entry.payload) as unknown),
          [
            { token: '00000000000000a1', usesLeft: 1 },
            { token: '00000000000000a1', usesLeft: 0 },
          ],
        );
        assert.equal(await store.certificateCount(), 2);
        assert.ok(verifyAuditChain(entries, await store.auditHead()).ok);

        await store.addEnrollmentToken(enrollmentToken('00000000000000a2'), draft('token.create', 'token/00000000000000a2'));
        await rejectsWith(() => issuePaid(store, 'a201', tokenUse('00000000000000a2', new Date(T0 + DAY))), 'STORE_TOKEN_EXPIRED');
        const revoked = await store.revokeEnrollmentToken('00000000000000a2', at, draft('token.revoke', 'token/00000000000000a2'));
        assert.deepEqual(revoked.revokedAt, at);
        await rejectsWith(() => issuePaid(store, 'a202', tokenUse('00000000000000a2', at)), 'STORE_TOKEN_REVOKED');
        await rejectsWith(
          () => store.revokeEnrollmentToken('00000000000000a2', at, draft('token.revoke', 'token/00000000000000a2')),
          'STORE_TOKEN_ALREADY_REVOKED',
        );
        await rejectsWith(
          () => store.revokeEnrollmentToken('00000000000000ff', at, draft('token.revoke', 'token/00000000000000ff')),
          'STORE_TOKEN_NOT_FOUND',
        );
        assert.deepEqual((await store.listEnrollmentTokens()).map((token) => token.id).sort(), ['00000000000000a1', '00000000000000a2']);
        assert.equal((await store.getEnrollmentToken('00000000000000a1'))?.usesLeft, 0);
        assert.equal((await store.getEnrollmentToken('00000000000000a2'))?.usesLeft, 1);
        assert.equal(await store.getEnrollmentToken('00000000000000ff'), undefined);
        assert.equal(await store.certificateCount(), 2);
      }));

    test('an issuance refused after the token use was taken (a serial the issuer has, an unknown issuer) takes the use back: nothing is written, and the writes beside it are stored', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await issue(store, 'intermediate-1', 'b0');
        await store.addEnrollmentToken(enrollmentToken('00000000000000b0'), draft('token.create', 'token/00000000000000b0'));
        const head = await store.auditHead();
        const at = new Date(T0 + 60_000);
        // Sent together, so a store that commits writes in batches has them in one transaction.
        const outcomes = await Promise.allSettled([
          issuePaid(store, 'b0', tokenUse('00000000000000b0', at)),
          issue(store, 'intermediate-1', 'b1'),
          store.recordIssuance(certificate('intermediate-9', 'b2'), draft('certificate.issue', 'intermediate-9/b2'), {
            tokenUse: tokenUse('00000000000000b0', at),
          }),
          issue(store, 'intermediate-1', 'b3'),
        ]);
        assert.deepEqual(
          outcomes.map((outcome) =>
            outcome.status === 'fulfilled' ? 'ok' : isSymbolonError(outcome.reason) ? outcome.reason.code : String(outcome.reason),
          ),
          ['STORE_SERIAL_TAKEN', 'ok', 'STORE_ISSUER_UNKNOWN', 'ok'],
        );
        assert.equal((await store.getEnrollmentToken('00000000000000b0'))?.usesLeft, 1);
        const entries = await store.readAuditLog(head.sequence, 100);
        assert.deepEqual(
          entries.map((entry) => [entry.action, entry.target]),
          [
            ['certificate.issue', 'intermediate-1/b1'],
            ['certificate.issue', 'intermediate-1/b3'],
          ],
        );
        assert.ok(verifyAuditChain(await store.readAuditLog(0, 100), await store.auditHead()).ok);
        // The use is still there for an issuance that is recorded.
        await issuePaid(store, 'b4', tokenUse('00000000000000b0', at));
        assert.equal((await store.getEnrollmentToken('00000000000000b0'))?.usesLeft, 0);
      }));

    test('of many concurrent issuances paid with a one-use token exactly one is recorded, with the one use', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await store.addEnrollmentToken(enrollmentToken('00000000000000b1'), draft('token.create', 'token/00000000000000b1'));
        const at = new Date(T0 + 60_000);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) => issuePaid(store, (0xc00 + i).toString(16), tokenUse('00000000000000b1', at))),
        );
        assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
        assert.ok(outcomes.every((outcome) => outcome.status === 'fulfilled' || isSymbolonError(outcome.reason, 'STORE_TOKEN_USED_UP')));
        assert.equal(await store.certificateCount(), 1);
        const entries = await store.readAuditLog(0, 200);
        assert.equal(entries.filter((entry) => entry.action === 'token.use').length, 1);
        assert.ok(verifyAuditChain(entries, await store.auditHead()).ok);
      }));

    test('an enrollment held for approval is recorded with its token use or not at all; a retry of it spends none', () =>
      using(async ({ store }) => {
        await store.addEnrollmentToken(enrollmentToken('00000000000000d0'), draft('token.create', 'token/00000000000000d0'));
        const at = new Date(T0 + 60_000);
        const request = (id: string) => draft('enrollment.request', `enrollment/${id}`);
        const waiting = await store.addPendingEnrollment(
          pendingEnrollment('00000000000000d1'),
          request('00000000000000d1'),
          tokenUse('00000000000000d0', at),
        );
        assert.equal(waiting.status, 'pending');
        assert.equal((await store.getEnrollmentToken('00000000000000d0'))?.usesLeft, 0);
        // The client's retry: the record as it is, though the token has no use left.
        const head = await store.auditHead();
        const again = await store.addPendingEnrollment(
          pendingEnrollment('00000000000000d1'),
          request('00000000000000d1'),
          tokenUse('00000000000000d0', at),
        );
        assert.deepEqual(again, waiting);
        assert.deepEqual(await store.auditHead(), head);
        await rejectsWith(
          () =>
            store.addPendingEnrollment(
              pendingEnrollment('00000000000000d2'),
              request('00000000000000d2'),
              tokenUse('00000000000000d0', at),
            ),
          'STORE_TOKEN_USED_UP',
        );
        assert.equal(await store.getPendingEnrollment('00000000000000d2'), undefined);
        assert.deepEqual(await store.auditHead(), head);
        const entries = await store.readAuditLog(0, 100);
        assert.deepEqual(
          entries.map((entry) => [entry.action, entry.target]),
          [
            ['token.create', 'token/00000000000000d0'],
            ['token.use', 'token/00000000000000d0'],
            ['enrollment.request', 'enrollment/00000000000000d1'],
          ],
        );
        assert.ok(verifyAuditChain(entries, head).ok);
      }));

    test('records an enrollment waiting for approval once, and moves it pending -> approved -> issued, or to rejected', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        const waiting = await store.addPendingEnrollment(
          pendingEnrollment('00000000000000c1'),
          draft('enrollment.request', 'enrollment/00000000000000c1'),
        );
        assert.equal(waiting.status, 'pending');
        // The client's retry of the same request: the same record, no second entry.
        const head = await store.auditHead();
        const again = await store.addPendingEnrollment(
          pendingEnrollment('00000000000000c1', { subject: 'CN=other' }),
          draft('enrollment.request', 'enrollment/00000000000000c1'),
        );
        assert.equal(again.subject, 'CN=sensor-1');
        assert.deepEqual(await store.auditHead(), head);
        // Not approved yet: no certificate is recorded for it.
        await rejectsWith(() => collect(store, '01', '00000000000000c1'), 'STORE_ENROLLMENT_DECIDED');
        assert.equal(await store.certificateCount(), 0);
        const at = new Date(T0 + 1000);
        const approved = await store.decidePendingEnrollment(
          '00000000000000c1',
          { status: 'approved', decidedBy: 'cli:alice', at },
          draft('enrollment.approve', 'enrollment/00000000000000c1'),
        );
        assert.deepEqual([approved.status, approved.decidedBy, approved.decidedAt], ['approved', 'cli:alice', at]);
        await rejectsWith(
          () =>
            store.decidePendingEnrollment(
              '00000000000000c1',
              { status: 'rejected', decidedBy: 'cli:bob', at },
              draft('enrollment.reject', 'enrollment/00000000000000c1'),
            ),
          'STORE_ENROLLMENT_DECIDED',
        );
        await collect(store, '01', '00000000000000c1');
        const issued = await store.getPendingEnrollment('00000000000000c1');
        assert.deepEqual([issued?.status, issued?.certificate], ['issued', { issuerId: 'intermediate-1', serial: '01' }]);

        await store.addPendingEnrollment(pendingEnrollment('00000000000000c2'), draft('enrollment.request', 'enrollment/00000000000000c2'));
        const rejected = await store.decidePendingEnrollment(
          '00000000000000c2',
          { status: 'rejected', decidedBy: 'cli:bob', at },
          draft('enrollment.reject', 'enrollment/00000000000000c2'),
        );
        assert.equal(rejected.status, 'rejected');
        await rejectsWith(
          () =>
            store.decidePendingEnrollment(
              '00000000000000ff',
              { status: 'approved', decidedBy: 'x', at },
              draft('enrollment.approve', 'enrollment/00000000000000ff'),
            ),
          'STORE_ENROLLMENT_NOT_FOUND',
        );
        assert.deepEqual(
          (await store.listPendingEnrollments()).map((e) => e.id),
          ['00000000000000c1', '00000000000000c2'],
        );
        assert.deepEqual(
          (await store.listPendingEnrollments('rejected')).map((e) => e.id),
          ['00000000000000c2'],
        );
        assert.deepEqual((await store.getPendingEnrollment('00000000000000c1'))?.csr, Buffer.from('csr of 00000000000000c1'));
        const actions = (await store.readAuditLog(0, 100))
          .map((entry) => entry.action)
          .filter((action) => action.startsWith('enrollment.'));
        assert.deepEqual(actions, ['enrollment.request', 'enrollment.approve', 'enrollment.request', 'enrollment.reject']);
      }));

    test('an approved enrollment moves to issued in its certificate’s transaction: a refused issuance leaves it approved, and it is issued once', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        await issue(store, 'intermediate-1', 'e0');
        await rejectsWith(() => collect(store, 'e1', '00000000000000ef'), 'STORE_ENROLLMENT_NOT_FOUND');
        const id = await approvedEnrollment(store, '00000000000000e1');
        const head = await store.auditHead();
        // Sent together, so a store that commits writes in batches has them in one transaction.
        const outcomes = await Promise.allSettled([
          collect(store, 'e0', id),
          issue(store, 'intermediate-1', 'e2'),
          store.recordIssuance(certificate('intermediate-9', 'e3'), draft('certificate.issue', 'intermediate-9/e3'), {
            approvedEnrollment: id,
          }),
          issue(store, 'intermediate-1', 'e4'),
        ]);
        assert.deepEqual(
          outcomes.map((outcome) =>
            outcome.status === 'fulfilled' ? 'ok' : isSymbolonError(outcome.reason) ? outcome.reason.code : String(outcome.reason),
          ),
          ['STORE_SERIAL_TAKEN', 'ok', 'STORE_ISSUER_UNKNOWN', 'ok'],
        );
        const stillApproved = await store.getPendingEnrollment(id);
        assert.deepEqual([stillApproved?.status, stillApproved?.certificate], ['approved', null]);
        assert.deepEqual(
          (await store.readAuditLog(head.sequence, 100)).map((entry) => entry.target),
          ['intermediate-1/e2', 'intermediate-1/e4'],
        );

        const recorded = await collect(store, 'e5', id);
        assert.equal(recorded.serial, 'e5');
        const issued = await store.getPendingEnrollment(id);
        assert.deepEqual([issued?.status, issued?.certificate], ['issued', { issuerId: 'intermediate-1', serial: 'e5' }]);
        const entry = (await store.readAuditLog(head.sequence, 100)).at(-1)!;
        assert.equal(entry.target, 'intermediate-1/e5');
        assert.equal((JSON.parse(entry.payload) as { enrollment?: unknown }).enrollment, id);
        // A second issuance for it records nothing.
        const before = await store.auditHead();
        await rejectsWith(() => collect(store, 'e6', id), 'STORE_ENROLLMENT_DECIDED');
        assert.equal(await store.getCertificate({ issuerId: 'intermediate-1', serial: 'e6' }), undefined);
        assert.deepEqual(await store.auditHead(), before);
        assert.deepEqual((await store.getPendingEnrollment(id))?.certificate, { issuerId: 'intermediate-1', serial: 'e5' });
        assert.ok(verifyAuditChain(await store.readAuditLog(0, 100), await store.auditHead()).ok);
      }));

    test('of many concurrent issuances for one approved enrollment exactly one is recorded, and the enrollment names it', () =>
      using(async ({ store }) => {
        await withHierarchy(store);
        const id = await approvedEnrollment(store, '00000000000000e2');
        const serials = Array.from({ length: 50 }, (_, i) => (0xe00 + i).toString(16));
        const outcomes = await Promise.allSettled(serials.map((serial) => collect(store, serial, id)));
        const stored = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [serials[i]] : []));
        assert.equal(stored.length, 1);
        assert.ok(
          outcomes.every((outcome) => outcome.status === 'fulfilled' || isSymbolonError(outcome.reason, 'STORE_ENROLLMENT_DECIDED')),
        );
        assert.equal(await store.certificateCount(), 1);
        assert.deepEqual((await store.getPendingEnrollment(id))?.certificate, { issuerId: 'intermediate-1', serial: stored[0] });
        const entries = await store.readAuditLog(0, 200);
        assert.equal(entries.filter((entry) => entry.action === 'certificate.issue').length, 1);
        assert.ok(verifyAuditChain(entries, await store.auditHead()).ok);
      }));
  });
}

export function enrollmentToken(id: string, overrides: Partial<NewEnrollmentToken> = {}): NewEnrollmentToken {
  return {
    id,
    secretHash: createHash('sha256').update(id).digest('hex'),
    profile: 'client',
    names: ['sensor-*'],
    label: 'devices',
    uses: 1,
    expiresAt: new Date(T0 + 15 * 60_000),
    createdAt: new Date(T0),
    ...overrides,
  };
}

export function pendingEnrollment(id: string, overrides: Partial<NewPendingEnrollment> = {}): NewPendingEnrollment {
  return {
    id,
    requester: 'token:00000000000000a1',
    profile: 'client',
    label: null,
    subject: 'CN=sensor-1',
    subjectAltNames: ['dns:sensor-1'],
    csr: Buffer.from(`csr of ${id}`),
    renewalOf: null,
    requestedAt: new Date(T0),
    ...overrides,
  };
}

export function oauthClient(id: string, overrides: Partial<NewOAuthClient> = {}): NewOAuthClient {
  return {
    id,
    authMethod: 'tls_client_auth',
    certificateName: { kind: 'subject_dn', value: 'CN=billing,O=Acme' },
    jwks: null,
    scopes: ['read', 'write'],
    audiences: ['https://api.example'],
    createdAt: new Date(T0),
    ...overrides,
  };
}
