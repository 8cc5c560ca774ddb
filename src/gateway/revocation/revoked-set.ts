import type { Certificate } from '../../x509/index.js';

/** One revocation as the feed sources keep it. */
export interface RevokedEntry {
  /** Lowercase hex of the issuing CA's subjectKeyIdentifier. */
  readonly issuerKeyId: string;
  /** Lowercase hex of the serial's magnitude, as `Certificate.serialNumber` prints it. */
  readonly serial: string;
  readonly reason: string;
}

/**
 * The revoked certificates a feed has delivered, keyed by `${issuerKeyId}:${serial}`: the key
 * identifier rather than the issuer's name, so two CA keys under one name (a rotated
 * intermediate) never share serials. Revocation is final, so entries are only ever added.
 */
export interface RevokedSet {
  /** The sequence of the last event applied: where the feed resumes. */
  readonly lastSequence: number;
  readonly size: number;
  /** Adds one revocation at `sequence`; an event at or before `lastSequence` changes nothing. Returns whether it was new. */
  add(entry: RevokedEntry, sequence: number): boolean;
  /** Moves past an event that carries nothing to add (one the source skipped). */
  advanceTo(sequence: number): void;
  /** The reason `leaf` was revoked, undefined when it is not in the set (or names no issuer key). */
  reasonOf(leaf: Certificate, issuer: Certificate): string | undefined;
  /** Every entry, for the snapshot file. */
  entries(): IterableIterator<[string, string]>;
}

const KEY_ID = /^[0-9a-f]{2,128}$/;
const SERIAL = /^-?[0-9a-f]{2,42}$/;

/** Is `text` a lowercase hex key identifier as the feed writes it? */
export function isKeyIdHex(text: unknown): text is string {
  return typeof text === 'string' && KEY_ID.test(text);
}

/** Is `text` a serial as the feed writes it (lowercase hex of the magnitude)? */
export function isSerialHex(text: unknown): text is string {
  return typeof text === 'string' && SERIAL.test(text);
}

/**
 * RFC 5280 4.2.1.1: the key that signed `leaf` is named by its authorityKeyIdentifier; a
 * certificate without one is looked up by its issuer certificate's subjectKeyIdentifier.
 */
export function issuerKeyIdOf(leaf: Certificate, issuer: Certificate): string | undefined {
  return (leaf.authorityKeyIdentifier?.keyIdentifier ?? issuer.subjectKeyIdentifier)?.toString('hex');
}

/** A set holding `initial` entries (a snapshot) up to `lastSequence`. */
export function createRevokedSet(initial: Iterable<readonly [string, string]> = [], lastSequence = 0): RevokedSet {
  const reasons = new Map<string, string>(initial);
  let last = lastSequence;
  return {
    get lastSequence() {
      return last;
    },
    get size() {
      return reasons.size;
    },
    add(entry, sequence) {
      if (sequence <= last) return false;
      last = sequence;
      const key = `${entry.issuerKeyId}:${entry.serial}`;
      if (reasons.has(key)) return false;
      reasons.set(key, entry.reason);
      return true;
    },
    advanceTo(sequence) {
      if (sequence > last) last = sequence;
    },
    reasonOf(leaf, issuer) {
      const keyId = issuerKeyIdOf(leaf, issuer);
      return keyId === undefined ? undefined : reasons.get(`${keyId}:${leaf.serialNumber}`);
    },
    entries: () => reasons.entries(),
  };
}
