import { createHash } from 'node:crypto';
import { createAuditChainCursor, verifyAuditChain } from '../../audit/index.js';
import type { AuditEntry, AuditHead, AuditVerification } from '../../audit/index.js';
import {
  certificateRecordHash,
  enrollmentTokenRecordHash,
  issuerRecordHash,
  oauthClientRecordHash,
  revocationRecordHash,
  signingKeyRecordHash,
} from '../../store/index.js';
import type {
  CertificateRecord,
  EnrollmentTokenRecord,
  OAuthClientRecord,
  RevocationReason,
  RevocationRecord,
  Store,
} from '../../store/index.js';

const PAGE = 10_000;

/** One place where the tables say something the audit log does not. */
export interface StateDifference {
  /** What kind of row: a certificate, a revocation, an issuer, an OAuth client, a token signing key, an enrollment token, the configuration, or the log itself. */
  readonly kind: 'certificate' | 'revocation' | 'issuer' | 'oauth-client' | 'signing-key' | 'enrollment-token' | 'configuration' | 'log';
  /** `<issuer>/<serial>`, an issuer id, `oauth-client/<id>`, `oauth-key/<kid>`, `token/<id>`, `config.yaml`, `entry <n>`. */
  readonly target: string;
  /** The audit entry that records what the row should be, when there is one. */
  readonly sequence: number | undefined;
  readonly detail: string;
}

/** A revocation as the audit log proves it, whatever the revocations table says. */
export interface ProvenRevocation {
  readonly issuerId: string;
  readonly serial: string;
  readonly reason: RevocationReason;
  readonly revokedAt: Date;
  /** Its place in the revocation feed; undefined for an entry sealed before the store recorded it. */
  readonly feedSequence: number | undefined;
  readonly auditSequence: number;
  readonly recordHash: string | null;
}

/** What the log proves beyond its head: enough to check the tables again without replaying it. */
export interface ProvenState {
  readonly head: AuditHead;
  /** Certificate issuances the log records. */
  readonly certificates: number;
  /** Entries sealed before record hashes (format 1). */
  readonly entriesWithoutRecordHash: number;
  /** Every revocation the log records, by `<issuer>/<serial>`. */
  readonly revocations: ReadonlyMap<string, ProvenRevocation>;
  /** Every issuer the log records, by id, and the one it made active last. */
  readonly issuers: ReadonlyMap<string, ProvenIssuer>;
  readonly activeIssuer: string | undefined;
  /**
   * OAuth clients, published signing keys and enrollment tokens, by their entries' target
   * (`oauth-client/<id>`, `oauth-key/<kid>`, `token/<id>`); undefined in a state proved before
   * they were, which a check cannot start from.
   */
  readonly records: ReadonlyMap<string, ProvenRecord> | undefined;
}

/**
 * A row the log records by its target, added and perhaps removed or changed (an OAuth client, a
 * published token signing key, an enrollment token): the entry that added it (or removed it),
 * the row's hash that entry carried, and what later entries changed, as text (`stateOf`).
 */
export interface ProvenRecord {
  readonly sequence: number;
  readonly recordHash: string | null;
  readonly isRemoved: boolean;
  /** An enrollment token's uses left and revocation time (ISO) as its later entries left them; null for other rows. */
  readonly token: { readonly usesLeft: number | null; readonly revokedAt: string | null } | null;
}

/** What may change of an enrollment token after it is made, as text for a message. */
function tokenState(token: ProvenRecord['token']): string {
  if (token === null) return 'nothing of it';
  return `${token.usesLeft ?? 'unrecorded'} use(s) left, ${token.revokedAt === null ? 'not revoked' : `revoked at ${token.revokedAt}`}`;
}

export interface StateVerification {
  /** The chain; when it is broken nothing else was compared. */
  readonly chain: AuditVerification;
  readonly differences: readonly StateDifference[];
  /** What the log proves; undefined when the chain is broken. */
  readonly proven: ProvenState | undefined;
  /** Audit entries read: the whole log, or those after the checkpoint. */
  readonly entriesRead: number;
  /** Certificate rows compared with the log. */
  readonly certificatesCompared: number;
  /** Certificate rows only counted (older than the checkpoint): a full verify compares them. */
  readonly certificatesCounted: number;
}

export interface StateVerifyOptions {
  /** The configuration file's text now: the last `config.change` entry must have its hash. */
  readonly configText?: string | undefined;
  /**
   * Start from a state verified before (a checkpoint whose signature was checked): only the
   * entries after it are read, every revocation row and issuer is still compared, and the
   * certificate rows written before it are counted, not read.
   */
  readonly from?: ProvenState | undefined;
}

/** A certificate issuance as the log records it. */
interface ExpectedCertificate {
  readonly sequence: number;
  readonly recordHash: string | null;
}

/** An issuer as the log records it: its entry, its record hash, whether it became active. */
export interface ProvenIssuer {
  readonly sequence: number;
  readonly recordHash: string | null;
  readonly isActive: boolean;
  readonly sha256: string | undefined;
}

type Payload = Record<string, unknown>;

function parsePayload(entry: AuditEntry): Payload {
  try {
    const value: unknown = JSON.parse(entry.payload);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Payload) : {};
  } catch {
    return {};
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A recorded payload value as a message shows it: a string as it is, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function time(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function keyOf(ref: { readonly issuerId: string; readonly serial: string }): string {
  return `${ref.issuerId}/${ref.serial}`;
}

/** Reads the log page by page from `after`, giving each entry to `visit`. */
async function readLog(store: Store, after: number, visit: (entry: AuditEntry) => boolean): Promise<void> {
  for (let cursor = after; ;) {
    const page = await store.readAuditLog(cursor, PAGE);
    for (const entry of page) if (!visit(entry)) return;
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) return;
    cursor = last.sequence;
  }
}

async function readEntry(store: Store, sequence: number): Promise<AuditEntry | undefined> {
  const [entry] = await store.readAuditLog(sequence - 1, 1);
  return entry?.sequence === sequence ? entry : undefined;
}

/** The fields of a certificate row that differ from what its issuance entry recorded, named. */
function certificateFieldDifferences(row: CertificateRecord, entry: AuditEntry): string[] {
  const payload = parsePayload(entry);
  const found: string[] = [];
  const recorded = (column: string, now: string, then: unknown): void => {
    if (then !== undefined && now !== then) found.push(`${column} is ${now}, entry ${entry.sequence} recorded ${shown(then)}`);
  };
  recorded('not_after', row.notAfter.toISOString(), payload['notAfter']);
  recorded('not_before', row.notBefore.toISOString(), payload['notBefore']);
  recorded('subject', row.subject, payload['subject']);
  recorded('profile', row.profile, payload['profile']);
  if (Array.isArray(payload['subjectAltNames']) && JSON.stringify(row.subjectAltNames) !== JSON.stringify(payload['subjectAltNames'])) {
    found.push(`subject_alt_names differ from entry ${entry.sequence}`);
  }
  const derHash = sha256(row.der);
  if (payload['sha256'] !== undefined && derHash !== payload['sha256']) {
    found.push(
      `its DER (SHA-256 ${derHash.slice(0, 16)}...) is not the certificate entry ${entry.sequence} recorded (${shown(payload['sha256']).slice(0, 16)}...)`,
    );
  }
  if (row.fingerprint !== derHash) found.push(`its fingerprint column ${row.fingerprint.slice(0, 16)}... does not match its DER`);
  if (row.issuedAt.toISOString() !== entry.at)
    found.push(`issued_at is ${row.issuedAt.toISOString()}, entry ${entry.sequence} recorded ${entry.at}`);
  const renewal = row.renewalOf === null ? undefined : keyOf(row.renewalOf);
  if (renewal !== text(payload['renewalOf']))
    found.push(`it says it renews ${renewal ?? 'nothing'}, entry ${entry.sequence} recorded ${text(payload['renewalOf']) ?? 'nothing'}`);
  return found;
}

function revocationFieldDifferences(row: RevocationRecord, proven: ProvenRevocation): string[] {
  const found: string[] = [];
  if (row.reason !== proven.reason) found.push(`reason is ${row.reason}, entry ${proven.auditSequence} recorded ${proven.reason}`);
  if (row.revokedAt.getTime() !== proven.revokedAt.getTime())
    found.push(`revoked_at is ${row.revokedAt.toISOString()}, entry ${proven.auditSequence} recorded ${proven.revokedAt.toISOString()}`);
  if (proven.feedSequence !== undefined && row.sequence !== proven.feedSequence)
    found.push(`its feed sequence is ${row.sequence}, entry ${proven.auditSequence} recorded ${proven.feedSequence}`);
  if (row.auditSequence !== proven.auditSequence) found.push(`it points at audit entry ${row.auditSequence}, not ${proven.auditSequence}`);
  return found;
}

/** What an OAuth client row says that its entry's payload recorded too (for entries sealed before record hashes). */
function oauthClientFields(row: OAuthClientRecord): Payload {
  return { authMethod: row.authMethod, certificateName: row.certificateName, scopes: row.scopes, audiences: row.audiences };
}

/** What an enrollment token row says that its `token.create` entry's payload recorded too. */
function enrollmentTokenFields(token: EnrollmentTokenRecord): Payload {
  return { profile: token.profile, names: token.names, label: token.label, uses: token.uses, expiresAt: token.expiresAt.toISOString() };
}

/**
 * Compares the OAuth clients, published signing keys and enrollment tokens with what the log records of each: a row
 * no entry records, a row an entry removed, a row that differs from its entry's record hash, a
 * recorded row that is missing. A signing key row the log does not prove is a forged issuer key.
 */
async function compareRecords(
  store: Store,
  records: ReadonlyMap<string, ProvenRecord>,
  differ: (kind: StateDifference['kind'], target: string, sequence: number | undefined, detail: string) => void,
): Promise<void> {
  const rows: {
    kind: 'oauth-client' | 'signing-key' | 'enrollment-token';
    target: string;
    name: string;
    hash: string;
    fields?: Payload;
    state?: string;
  }[] = [
    ...(await store.listOAuthClients()).map((client) => ({
      kind: 'oauth-client' as const,
      target: `oauth-client/${client.id}`,
      name: `OAuth client ${client.id}`,
      hash: oauthClientRecordHash(client),
      fields: oauthClientFields(client),
    })),
    ...(await store.listSigningKeys()).map((key) => ({
      kind: 'signing-key' as const,
      target: `oauth-key/${key.kid}`,
      name: `token signing key ${key.kid}`,
      hash: signingKeyRecordHash(key),
    })),
    ...(await store.listEnrollmentTokens()).map((token) => ({
      kind: 'enrollment-token' as const,
      target: `token/${token.id}`,
      name: `enrollment token ${token.id}`,
      hash: enrollmentTokenRecordHash(token),
      fields: enrollmentTokenFields(token),
      state: tokenState({ usesLeft: token.usesLeft, revokedAt: token.revokedAt?.toISOString() ?? null }),
    })),
  ];
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.target);
    const proven = records.get(row.target);
    if (proven === undefined) {
      differ(row.kind, row.target, undefined, `${row.name} is in the table but no audit entry records it`);
    } else if (proven.isRemoved) {
      differ(row.kind, row.target, proven.sequence, `${row.name} is in the table but entry ${proven.sequence} removed it`);
    } else if (proven.recordHash !== null ? row.hash !== proven.recordHash : !(await isAsRecorded(store, proven.sequence, row.fields))) {
      differ(row.kind, row.target, proven.sequence, `${row.name} differs from what entry ${proven.sequence} recorded`);
    } else if (row.state !== undefined && row.state !== tokenState(proven.token)) {
      differ(row.kind, row.target, proven.sequence, `${row.name} has ${row.state}; the log says ${tokenState(proven.token)}`);
    }
  }
  for (const [target, proven] of records) {
    if (proven.isRemoved || seen.has(target)) continue;
    const kind = target.startsWith('oauth-key/') ? 'signing-key' : target.startsWith('token/') ? 'enrollment-token' : 'oauth-client';
    differ(kind, target, proven.sequence, `${target} (entry ${proven.sequence}) is missing from its table`);
  }
}

/** For an entry sealed before record hashes: the row's fields are those its payload recorded. */
async function isAsRecorded(store: Store, sequence: number, fields: Payload | undefined): Promise<boolean> {
  const entry = await readEntry(store, sequence);
  if (entry === undefined || fields === undefined) return false;
  const payload = parsePayload(entry);
  return Object.entries(fields).every(([name, value]) => JSON.stringify(payload[name]) === JSON.stringify(value));
}

/**
 * Proves the CA's tables against its audit log: verifies the chain (against the head recorded
 * beside it), replays it into the state it records (certificates, revocations, issuers and the
 * active one, the configuration) and compares every row with it, naming each difference.
 * Rows whose entries predate record hashes are compared field by field with what their entry
 * recorded. Never throws for a bad log or table; throws the store's errors.
 */
export async function verifyStoreState(store: Store, options: StateVerifyOptions = {}): Promise<StateVerification> {
  // A state that does not know OAuth clients and signing keys cannot vouch for them: the whole log is read.
  const from = options.from?.records === undefined ? undefined : options.from;
  const differences: StateDifference[] = [];
  const differ = (kind: StateDifference['kind'], target: string, sequence: number | undefined, detail: string): void => {
    differences.push({ kind, target, sequence, detail });
  };
  const broken = (chain: Extract<AuditVerification, { ok: false }>, entriesRead: number): StateVerification => ({
    chain,
    differences: [],
    proven: undefined,
    entriesRead,
    certificatesCompared: 0,
    certificatesCounted: 0,
  });

  // 1. The chain, from the genesis or from the checkpoint's head, which must still be in the log.
  if (from !== undefined && from.head.sequence > 0) {
    const anchor = await readEntry(store, from.head.sequence);
    if (anchor?.entryHash !== from.head.entryHash) {
      return broken(
        {
          ok: false,
          reason: anchor === undefined ? 'truncated' : 'edited',
          sequence: from.head.sequence,
          detail: `entry ${from.head.sequence} is not the one the checkpoint verified`,
        },
        0,
      );
    }
  }
  const cursor = createAuditChainCursor(from?.head);
  const certificates = new Map<string, ExpectedCertificate>();
  const revocations = new Map<string, ProvenRevocation>(from?.revocations);
  const issuers = new Map<string, ProvenIssuer>(from?.issuers);
  let activeIssuer = from?.activeIssuer;
  const records = new Map<string, ProvenRecord>(from?.records);
  let configSha256: string | undefined;
  let configSequence: number | undefined;
  let entriesRead = 0;
  let issuances = 0;
  let entriesWithoutRecordHash = from?.entriesWithoutRecordHash ?? 0;
  let hashingBegan = from !== undefined && from.head.sequence > from.entriesWithoutRecordHash;
  let fault: Extract<AuditVerification, { ok: false }> | undefined;

  // From below any sequence: an entry renumbered to 0 or less must still be read, and fail.
  await readLog(store, from?.head.sequence ?? -Number.MAX_SAFE_INTEGER, (entry) => {
    entriesRead++;
    fault = cursor.add(entry);
    if (fault !== undefined) return false;
    if (entry.recordHash === null) {
      entriesWithoutRecordHash++;
      if (hashingBegan)
        differ(
          'log',
          `entry ${entry.sequence}`,
          entry.sequence,
          `entry ${entry.sequence} has no record hash though entries before it do: the log was rewritten from there`,
        );
    } else hashingBegan = true;
    switch (entry.action) {
      case 'certificate.issue':
      case 'certificate.renew': {
        issuances++;
        if (certificates.has(entry.target))
          differ('log', entry.target, entry.sequence, `entry ${entry.sequence} records ${entry.target} a second time`);
        certificates.set(entry.target, { sequence: entry.sequence, recordHash: entry.recordHash });
        break;
      }
      case 'certificate.revoke': {
        const payload = parsePayload(entry);
        const issuerId = text(payload['issuer']);
        const serial = text(payload['serial']);
        if (issuerId === undefined || serial === undefined) {
          differ('log', `entry ${entry.sequence}`, entry.sequence, `revocation entry ${entry.sequence} does not name its certificate`);
          break;
        }
        const feedSequence = payload['feedSequence'];
        revocations.set(`${issuerId}/${serial}`, {
          issuerId,
          serial,
          reason: (text(payload['reason']) ?? 'unspecified') as RevocationReason,
          revokedAt: time(payload['revokedAt']) ?? new Date(entry.at),
          feedSequence: typeof feedSequence === 'number' ? feedSequence : undefined,
          auditSequence: entry.sequence,
          recordHash: entry.recordHash,
        });
        break;
      }
      case 'ca.init':
      case 'issuer.add': {
        const payload = parsePayload(entry);
        const isActive = typeof payload['isActive'] === 'boolean' ? payload['isActive'] : entry.action === 'issuer.add';
        issuers.set(entry.target, { sequence: entry.sequence, recordHash: entry.recordHash, isActive, sha256: text(payload['sha256']) });
        if (isActive) activeIssuer = entry.target;
        break;
      }
      case 'oauth.client.add':
      case 'oauth.key.publish':
        records.set(entry.target, { sequence: entry.sequence, recordHash: entry.recordHash, isRemoved: false, token: null });
        break;
      case 'oauth.client.remove':
        records.set(entry.target, { sequence: entry.sequence, recordHash: null, isRemoved: true, token: null });
        break;
      case 'token.create': {
        const uses = parsePayload(entry)['uses'];
        records.set(entry.target, {
          sequence: entry.sequence,
          recordHash: entry.recordHash,
          isRemoved: false,
          token: { usesLeft: isCount(uses) ? uses : null, revokedAt: null },
        });
        break;
      }
      case 'token.use':
      case 'token.revoke': {
        const created = records.get(entry.target);
        // A use or revocation of a token no entry made: the table's row, if any, is named as unrecorded.
        if (created?.token === undefined || created.token === null) break;
        const payload = parsePayload(entry);
        const usesLeft = payload['usesLeft'];
        const token =
          entry.action === 'token.use'
            ? { ...created.token, usesLeft: isCount(usesLeft) ? usesLeft : null }
            : { ...created.token, revokedAt: (time(payload['revokedAt']) ?? new Date(entry.at)).toISOString() };
        records.set(entry.target, { ...created, token });
        break;
      }
      case 'config.change':
        configSha256 = text(parsePayload(entry)['sha256']);
        configSequence = entry.sequence;
        break;
      default:
        break;
    }
    return true;
  });
  const chain = fault ?? cursor.end(await store.auditHead());
  if (!chain.ok) {
    if (from !== undefined) return broken(chain, entriesRead);
    // Read the whole log once more to tell a reordering from a removal.
    const all: AuditEntry[] = [];
    await readLog(store, -Number.MAX_SAFE_INTEGER, (entry) => all.push(entry) > 0);
    const full = verifyAuditChain(all, await store.auditHead());
    return broken(full.ok ? chain : full, entriesRead);
  }

  // 2. Revocations: every row, whatever the checkpoint.
  const revokedInTable = new Set<string>();
  for (let after = -Number.MAX_SAFE_INTEGER; ;) {
    const page = await store.listRevocations(after, PAGE);
    for (const row of page) {
      const key = keyOf(row);
      revokedInTable.add(key);
      const proven = revocations.get(key);
      if (proven === undefined) {
        differ('revocation', key, undefined, `the revocations table revokes ${key} (${row.reason}) but no audit entry records it`);
        continue;
      }
      const fields = revocationFieldDifferences(row, proven);
      if (
        fields.length === 0 &&
        proven.recordHash !== null &&
        proven.feedSequence !== undefined &&
        revocationRecordHash(row) !== proven.recordHash
      ) {
        fields.push(`the row differs from what entry ${proven.auditSequence} recorded`);
      }
      for (const field of fields) differ('revocation', key, proven.auditSequence, `revocation of ${key}: ${field}`);
    }
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) break;
    after = last.sequence;
  }
  for (const [key, proven] of revocations) {
    if (!revokedInTable.has(key)) {
      differ(
        'revocation',
        key,
        proven.auditSequence,
        `revocation of ${key} (${proven.reason}, entry ${proven.auditSequence}) is missing from the revocations table`,
      );
    }
  }

  // 3. Certificates: every row on a full check; after a checkpoint, the new ones and the count.
  let certificatesCompared = 0;
  let certificatesCounted = 0;
  const compareCertificate = async (row: CertificateRecord, expected: ExpectedCertificate | undefined): Promise<void> => {
    certificatesCompared++;
    const key = keyOf(row);
    if (expected === undefined) {
      differ(
        'certificate',
        key,
        undefined,
        `certificate ${key} (${row.subject}) is in the certificates table but no audit entry records its issuance`,
      );
      return;
    }
    // The record hash covers the fingerprint and the DER's hash, and the CA recorded one as the other.
    const isSame = expected.recordHash !== null && certificateRecordHash(row) === expected.recordHash;
    if (!isSame) {
      const entry = await readEntry(store, expected.sequence);
      const fields = entry === undefined ? [] : certificateFieldDifferences(row, entry);
      if (fields.length === 0 && expected.recordHash !== null) fields.push(`the row differs from what entry ${expected.sequence} recorded`);
      for (const field of fields) differ('certificate', key, expected.sequence, `certificate ${key}: ${field}`);
    }
    if (row.auditSequence !== expected.sequence)
      differ(
        'certificate',
        key,
        expected.sequence,
        `certificate ${key} points at audit entry ${row.auditSequence}, not ${expected.sequence}`,
      );
    const proven = revocations.get(key);
    if (proven !== undefined && revokedInTable.has(key) && row.revocation?.auditSequence !== proven.auditSequence) {
      differ(
        'certificate',
        key,
        proven.auditSequence,
        `certificate ${key} does not carry its revocation (entry ${proven.auditSequence}): the revocation row is attached to another certificate`,
      );
    }
  };
  if (from === undefined) {
    const remaining = certificates;
    for (let cursor = 0; ;) {
      const page = await store.scanCertificates(cursor, PAGE);
      for (const row of page.records) {
        const key = keyOf(row);
        await compareCertificate(row, remaining.get(key));
        remaining.delete(key);
      }
      if (page.records.length < PAGE) break;
      cursor = page.cursor;
    }
    for (const [key, expected] of remaining)
      differ(
        'certificate',
        key,
        expected.sequence,
        `certificate ${key} (entry ${expected.sequence}) is missing from the certificates table`,
      );
  } else {
    for (const [key, expected] of certificates) {
      const slash = key.indexOf('/');
      const row = await store.getCertificate({ issuerId: key.slice(0, slash), serial: key.slice(slash + 1) });
      if (row === undefined)
        differ(
          'certificate',
          key,
          expected.sequence,
          `certificate ${key} (entry ${expected.sequence}) is missing from the certificates table`,
        );
      else await compareCertificate(row, expected);
    }
    const count = await store.certificateCount();
    certificatesCounted = count - certificatesCompared;
    const expectedCount = from.certificates + issuances;
    if (count !== expectedCount) {
      differ(
        'certificate',
        'certificates',
        undefined,
        `the certificates table holds ${count} rows; the log records ${expectedCount} issuances (run \`symbolon audit verify\` to name them)`,
      );
    }
  }

  // 4. Issuers and which one is active: a handful of rows, always all of them.
  const provenIssuers = new Map(issuers);
  for (const row of await store.listIssuers()) {
    const expected = issuers.get(row.id);
    if (expected === undefined) {
      differ('issuer', row.id, undefined, `issuer ${row.id} is in the issuers table but no audit entry records it`);
    } else {
      const certificateHash = sha256(row.certificate);
      if (
        expected.recordHash !== null
          ? issuerRecordHash({ ...row, isActive: expected.isActive }) !== expected.recordHash
          : expected.sha256 !== certificateHash
      ) {
        differ(
          'issuer',
          row.id,
          expected.sequence,
          `issuer ${row.id} differs from what entry ${expected.sequence} recorded${expected.sha256 !== undefined && expected.sha256 !== certificateHash ? ' (its certificate was replaced)' : ''}`,
        );
      }
      issuers.delete(row.id);
    }
    if (activeIssuer !== undefined && row.isActive !== (row.id === activeIssuer)) {
      differ(
        'issuer',
        row.id,
        undefined,
        row.isActive
          ? `issuer ${row.id} is marked active; the log says ${activeIssuer} is`
          : `issuer ${row.id} is not marked active; the log made it the active issuer`,
      );
    }
  }
  for (const [id, expected] of issuers)
    differ('issuer', id, expected.sequence, `issuer ${id} (entry ${expected.sequence}) is missing from the issuers table`);

  // 5. OAuth clients, published signing keys and enrollment tokens: few rows, always all of them.
  await compareRecords(store, records, differ);

  // 6. The configuration in force is the one last recorded.
  if (options.configText !== undefined && configSha256 !== undefined && sha256(options.configText) !== configSha256) {
    differ('configuration', 'config.yaml', configSequence, `config.yaml is not the configuration entry ${configSequence} recorded`);
  }

  return {
    chain,
    differences,
    proven: {
      head: chain.head,
      certificates: (from?.certificates ?? 0) + issuances,
      entriesWithoutRecordHash,
      revocations,
      issuers: provenIssuers,
      activeIssuer,
      records,
    },
    entriesRead,
    certificatesCompared,
    certificatesCounted,
  };
}
