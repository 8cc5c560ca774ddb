import type { CertificateRecord, CertificateRef, RevocationRecord, Store } from '../../store/index.js';
import type { ProvenRevocation } from './audit-state.js';

const PAGE = 10_000;

/** Proven revocations the revocations table does not serve as the log recorded them. */
export interface UnservedRevocations {
  /** By `<issuer>/<serial>`: each one whose row is missing, altered or attached to another certificate. */
  readonly revocations: ReadonlyMap<string, ProvenRevocation>;
  /** The keys among them that have no row in the revocations table at all. */
  readonly withoutRow: ReadonlySet<string>;
}

function isServedAsProven(row: RevocationRecord | null | undefined, proven: ProvenRevocation): boolean {
  return row !== null && row !== undefined && row.reason === proven.reason && row.revokedAt.getTime() === proven.revokedAt.getTime();
}

function revocationOf(proven: ProvenRevocation, sequence: number): RevocationRecord {
  return Object.freeze({
    issuerId: proven.issuerId,
    serial: proven.serial,
    reason: proven.reason,
    revokedAt: proven.revokedAt,
    sequence,
    auditSequence: proven.auditSequence,
  });
}

function standIn(proven: ProvenRevocation): CertificateRecord {
  return Object.freeze({
    issuerId: proven.issuerId,
    serial: proven.serial,
    subject: '',
    subjectAltNames: Object.freeze([]),
    profile: '',
    notBefore: proven.revokedAt,
    notAfter: proven.revokedAt,
    fingerprint: '',
    der: Buffer.alloc(0),
    issuedAt: proven.revokedAt,
    renewalOf: null,
    auditSequence: 0,
    revocation: revocationOf(proven, proven.feedSequence ?? 0),
  });
}

/** Reads every revocation row once and returns the proven revocations they fail to serve. */
export async function findUnservedRevocations(store: Store, proven: ReadonlyMap<string, ProvenRevocation>): Promise<UnservedRevocations> {
  const unserved = new Map<string, ProvenRevocation>();
  const rows = new Set<string>();
  for (let after = -Number.MAX_SAFE_INTEGER; ;) {
    const page = await store.listRevocations(after, PAGE);
    for (const row of page) {
      const key = `${row.issuerId}/${row.serial}`;
      rows.add(key);
      const revocation = proven.get(key);
      if (revocation !== undefined && !isServedAsProven(row, revocation)) unserved.set(key, revocation);
    }
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) break;
    after = last.sequence;
  }
  const withoutRow = new Set<string>();
  for (const [key, revocation] of proven) {
    if (!rows.has(key)) {
      withoutRow.add(key);
      unserved.set(key, revocation);
    } else if (!unserved.has(key) && !isServedAsProven((await store.getCertificate(revocation))?.revocation, revocation)) {
      unserved.set(key, revocation);
    }
  }
  return { revocations: unserved, withoutRow };
}

/**
 * The store as the revocation services read it when its tables and the audit log disagree: every
 * revocation the log proves is served as the log recorded it (OCSP answers revoked, the CRL and
 * the feed list it), whether its row was deleted, altered or moved to another certificate. A
 * revocation row the log does not record is still served: dropping a revocation is never the
 * safe side. Writes pass through.
 */
export function withProvenRevocations(store: Store, unserved: UnservedRevocations): Store {
  const { revocations, withoutRow } = unserved;
  if (revocations.size === 0) return store;
  const withProof = (record: CertificateRecord): CertificateRecord => {
    const revocation = revocations.get(`${record.issuerId}/${record.serial}`);
    if (revocation === undefined || isServedAsProven(record.revocation, revocation)) return record;
    return Object.freeze({ ...record, revocation: revocationOf(revocation, revocation.feedSequence ?? record.revocation?.sequence ?? 0) });
  };
  // Revocations with no row take their place in the feed by the sequence their entry recorded;
  // older ones (sealed before entries recorded it) come first, in the first page.
  const absent = [...withoutRow].flatMap((key) => revocations.get(key) ?? []).sort((a, b) => (a.feedSequence ?? 0) - (b.feedSequence ?? 0));
  return Object.freeze({
    ...store,
    getCertificate: async (ref: CertificateRef) => {
      const record = await store.getCertificate(ref);
      if (record !== undefined) return withProof(record);
      // The certificate's row is gone too: a stand-in that carries only what the log proves,
      // so OCSP answers revoked, not unknown.
      const revocation = revocations.get(`${ref.issuerId}/${ref.serial}`);
      return revocation === undefined ? undefined : standIn(revocation);
    },
    findCertificatesBySerial: async (serial: string) => (await store.findCertificatesBySerial(serial)).map(withProof),
    listRevocations: async (afterSequence: number, limit: number) => {
      const rows = (await store.listRevocations(afterSequence, limit)).map((row) => {
        const revocation = revocations.get(`${row.issuerId}/${row.serial}`);
        return revocation === undefined || isServedAsProven(row, revocation) ? row : revocationOf(revocation, row.sequence);
      });
      const added = absent
        .filter((revocation) => (revocation.feedSequence === undefined ? afterSequence < 1 : revocation.feedSequence > afterSequence))
        .map((revocation) => revocationOf(revocation, revocation.feedSequence ?? 0));
      if (added.length === 0) return rows;
      // Past a full page of rows, an absent revocation after its last sequence belongs to a later page.
      const last = rows.length === limit ? (rows.at(-1)?.sequence ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
      return [...rows, ...added.filter((revocation) => revocation.sequence <= last)]
        .sort((a, b) => a.sequence - b.sequence)
        .slice(0, limit);
    },
  } satisfies Store);
}
