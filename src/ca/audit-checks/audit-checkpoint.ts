import { createHash } from 'node:crypto';
import { canonicalJson } from '../../audit/index.js';
import type { AuditHead } from '../../audit/index.js';
import { isSymbolonError, SymbolonError } from '../../errors.js';
import type { IssuerRecord, RevocationReason } from '../../store/index.js';
import { parseCertificate, signatureAlgorithm, verifyCertificateSignature, verifySignature } from '../../x509/index.js';
import type { Certificate, SignatureAlgorithmName } from '../../x509/index.js';
import type { ProvenIssuer, ProvenRecord, ProvenRevocation, ProvenState } from './audit-state.js';
import type { IssuingCa } from '../hierarchy/issuing-ca.js';

const FORMAT = 'symbolon-audit-checkpoint';
const VERSION = 1;

/**
 * A signed audit checkpoint: the chain head at a moment, signed with an intermediate's key.
 * Kept outside the database (exported with `audit checkpoint --out`), it proves later that the
 * log still extends it: a log cut short and given a new head cannot. The one `up` keeps in the
 * data directory also carries the state the log proved then, so the next start reads only the
 * entries after it.
 */
export interface AuditCheckpoint {
  readonly storeId: string;
  readonly head: AuditHead;
  /** When it was signed. */
  readonly at: Date;
  /** The intermediate whose key signed it. */
  readonly issuerId: string;
  readonly state: ProvenState | undefined;
}

type RevocationRow = [string, string, string, string, number | null, number, string | null];
type IssuerRow = [string, number, string | null, boolean, string | null];
type RecordRow = [string, number, string | null, boolean, number | null, string | null];

function body(checkpoint: AuditCheckpoint, issuerSha256: string, algorithm: string): Record<string, unknown> {
  const state = checkpoint.state;
  return {
    format: FORMAT,
    version: VERSION,
    storeId: checkpoint.storeId,
    sequence: checkpoint.head.sequence,
    entryHash: checkpoint.head.entryHash,
    at: checkpoint.at.toISOString(),
    issuer: checkpoint.issuerId,
    issuerSha256,
    algorithm,
    ...(state === undefined
      ? {}
      : {
          state: {
            certificates: state.certificates,
            entriesWithoutRecordHash: state.entriesWithoutRecordHash,
            revocations: [...state.revocations.values()].map((r): RevocationRow => [
              r.issuerId,
              r.serial,
              r.reason,
              r.revokedAt.toISOString(),
              r.feedSequence ?? null,
              r.auditSequence,
              r.recordHash,
            ]),
            issuers: [...state.issuers].map(([id, i]): IssuerRow => [id, i.sequence, i.recordHash, i.isActive, i.sha256 ?? null]),
            activeIssuer: state.activeIssuer ?? null,
            ...(state.records === undefined
              ? {}
              : {
                  records: [...state.records].map(([target, r]): RecordRow => [
                    target,
                    r.sequence,
                    r.recordHash,
                    r.isRemoved,
                    r.token?.usesLeft ?? null,
                    r.token === null ? null : (r.token.revokedAt ?? ''),
                  ]),
                }),
          },
        }),
  };
}

/** The checkpoint as signed JSON text: canonical JSON of its fields, and a signature over it. */
export async function signAuditCheckpoint(checkpoint: AuditCheckpoint, issuer: IssuingCa): Promise<string> {
  if (checkpoint.issuerId !== issuer.id) throw new Error('a checkpoint is signed by the issuer it names');
  const fields = body(checkpoint, issuer.certificate.fingerprintSha256, issuer.signer.algorithm.name);
  const signature = await issuer.signer.sign(Buffer.from(canonicalJson(fields), 'utf8'));
  return `${canonicalJson({ ...fields, signature: signature.toString('base64') })}\n`;
}

function invalid(detail: string, cause?: unknown): SymbolonError {
  return new SymbolonError('AUDIT_CHECKPOINT_INVALID', `the audit checkpoint ${detail}`, cause === undefined ? undefined : { cause });
}

const HEX64 = /^[0-9a-f]{64}$/;

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseIssuer(value: unknown): [string, ProvenIssuer] {
  if (!Array.isArray(value) || value.length !== 5) throw invalid('has a malformed issuer');
  const [id, sequence, recordHash, isActive, sha256] = value as unknown[];
  if (
    typeof id !== 'string' ||
    !isCount(sequence) ||
    !(recordHash === null || (typeof recordHash === 'string' && HEX64.test(recordHash))) ||
    typeof isActive !== 'boolean' ||
    !(sha256 === null || (typeof sha256 === 'string' && HEX64.test(sha256)))
  ) {
    throw invalid('has a malformed issuer');
  }
  return [id, { sequence, recordHash, isActive, sha256: sha256 ?? undefined }];
}

function parseRecord(value: unknown): [string, ProvenRecord] {
  if (!Array.isArray(value) || value.length !== 6) throw invalid('has a malformed record');
  // An enrollment token's revokedAt is '' while it is not revoked; null marks a row that is not a token.
  const [target, sequence, recordHash, isRemoved, usesLeft, revokedAt] = value as unknown[];
  if (
    typeof target !== 'string' ||
    !isCount(sequence) ||
    !(recordHash === null || (typeof recordHash === 'string' && HEX64.test(recordHash))) ||
    typeof isRemoved !== 'boolean' ||
    !(usesLeft === null || isCount(usesLeft)) ||
    !(revokedAt === null || typeof revokedAt === 'string')
  ) {
    throw invalid('has a malformed record');
  }
  const token = revokedAt === null ? null : { usesLeft, revokedAt: revokedAt === '' ? null : revokedAt };
  return [target, { sequence, recordHash, isRemoved, token }];
}

function parseRevocation(value: unknown): ProvenRevocation {
  if (!Array.isArray(value) || value.length !== 7) throw invalid('has a malformed revocation');
  const [issuerId, serial, reason, revokedAt, feedSequence, auditSequence, recordHash] = value as unknown[];
  const at = typeof revokedAt === 'string' ? new Date(revokedAt) : new Date(Number.NaN);
  if (
    typeof issuerId !== 'string' ||
    typeof serial !== 'string' ||
    typeof reason !== 'string' ||
    Number.isNaN(at.getTime()) ||
    !(feedSequence === null || isCount(feedSequence)) ||
    !isCount(auditSequence) ||
    !(recordHash === null || (typeof recordHash === 'string' && HEX64.test(recordHash)))
  ) {
    throw invalid('has a malformed revocation');
  }
  return {
    issuerId,
    serial,
    reason: reason as RevocationReason,
    revokedAt: at,
    feedSequence: feedSequence ?? undefined,
    auditSequence,
    recordHash,
  };
}

/**
 * Reads a signed checkpoint (untrusted text) and checks it: its form, that it belongs to this
 * store, and its signature by the key of one of this CA's intermediates, whose certificate the
 * root signed. Throws `AUDIT_CHECKPOINT_INVALID` (malformed, unsigned, signed by another key)
 * or `AUDIT_CHECKPOINT_FOREIGN` (another CA's store).
 */
export function readAuditCheckpoint(
  text: string,
  trust: { readonly storeId: string; readonly issuers: readonly IssuerRecord[]; readonly root: Certificate },
): AuditCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid('is not JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('is not a JSON object');
  const { signature, ...fields } = value as Record<string, unknown>;
  if (fields['format'] !== FORMAT || fields['version'] !== VERSION) throw invalid(`is not a ${FORMAT} of version ${VERSION}`);
  const { storeId, sequence, entryHash, at, issuer, issuerSha256, algorithm, state } = fields;
  if (
    typeof storeId !== 'string' ||
    !isCount(sequence) ||
    typeof entryHash !== 'string' ||
    !HEX64.test(entryHash) ||
    typeof at !== 'string' ||
    Number.isNaN(new Date(at).getTime())
  ) {
    throw invalid('lacks its head (sequence, entryHash, at) or has a malformed one');
  }
  if (typeof issuer !== 'string' || typeof issuerSha256 !== 'string' || typeof algorithm !== 'string' || typeof signature !== 'string')
    throw invalid('lacks its signature');
  if (storeId !== trust.storeId)
    throw new SymbolonError('AUDIT_CHECKPOINT_FOREIGN', `the audit checkpoint belongs to another data directory (store ${storeId})`);
  const record = trust.issuers.find((candidate) => candidate.id === issuer && candidate.parentId !== null);
  if (record === undefined) throw invalid(`is signed by ${issuer}, which is not an intermediate of this CA`);
  if (createHash('sha256').update(record.certificate).digest('hex') !== issuerSha256)
    throw invalid(`names a certificate of ${issuer} that is not the one recorded`);
  const certificate = parseCertificate(record.certificate);
  // The issuer row could have been replaced together with the log: the root must have signed it.
  if (!verifyCertificateSignature(certificate, trust.root))
    throw invalid(`is signed by a certificate of ${issuer} that the root did not sign`);
  let isSigned: boolean;
  try {
    isSigned = verifySignature(
      signatureAlgorithm(algorithm as SignatureAlgorithmName),
      certificate.spki,
      Buffer.from(canonicalJson(fields), 'utf8'),
      Buffer.from(signature, 'base64'),
    );
  } catch (error) {
    if (isSymbolonError(error)) throw invalid(`names an unknown signature algorithm`, error);
    throw error;
  }
  if (!isSigned) throw invalid(`signature does not verify with the key of ${issuer}: it was altered or not made by this CA`);
  let proven: ProvenState | undefined;
  if (state !== undefined) {
    if (typeof state !== 'object' || state === null) throw invalid('has a malformed state');
    const { certificates, entriesWithoutRecordHash, revocations, issuers, activeIssuer, records } = state as Record<string, unknown>;
    if (
      !isCount(certificates) ||
      !isCount(entriesWithoutRecordHash) ||
      !Array.isArray(revocations) ||
      !Array.isArray(issuers) ||
      !(activeIssuer === null || typeof activeIssuer === 'string') ||
      !(records === undefined || Array.isArray(records))
    ) {
      throw invalid('has a malformed state');
    }
    const map = new Map<string, ProvenRevocation>();
    for (const row of revocations) {
      const revocation = parseRevocation(row);
      map.set(`${revocation.issuerId}/${revocation.serial}`, revocation);
    }
    proven = {
      head: { sequence, entryHash },
      certificates,
      entriesWithoutRecordHash,
      revocations: map,
      issuers: new Map(issuers.map(parseIssuer)),
      activeIssuer: activeIssuer ?? undefined,
      // A state signed before OAuth clients and signing keys were proved does not know them.
      records: records === undefined ? undefined : new Map(records.map(parseRecord)),
    };
  }
  return { storeId, head: { sequence, entryHash }, at: new Date(at), issuerId: issuer, state: proven };
}
