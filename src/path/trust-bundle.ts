import { createHash } from 'node:crypto';
import type { Certificate } from '../x509/index.js';
import { subjectKey } from './names/name-comparison.js';

/**
 * The trust anchors of a validation, indexed for path building, with a version that changes
 * exactly when the set of anchors changes: a cache of validation results keys on it.
 */
export class TrustBundle {
  readonly certificates: readonly Certificate[];
  /** SHA-256 over the sorted fingerprints of the anchors, hex. */
  readonly version: string;
  private readonly bySubject = new Map<string, Certificate[]>();
  private readonly fingerprints = new Set<string>();

  constructor(certificates: readonly Certificate[]) {
    const unique: Certificate[] = [];
    for (const certificate of certificates) {
      if (this.fingerprints.has(certificate.fingerprintSha256)) continue;
      this.fingerprints.add(certificate.fingerprintSha256);
      unique.push(certificate);
      const key = subjectKey(certificate);
      const list = this.bySubject.get(key);
      if (list === undefined) this.bySubject.set(key, [certificate]);
      else list.push(certificate);
    }
    this.certificates = Object.freeze(unique);
    const hash = createHash('sha256');
    for (const fingerprint of [...this.fingerprints].sort()) hash.update(fingerprint);
    this.version = hash.digest('hex');
  }

  /** Anchors whose subject is this name key (see nameKey). */
  withSubject(key: string): readonly Certificate[] {
    return this.bySubject.get(key) ?? [];
  }

  /** Is this very certificate (by SHA-256 fingerprint) one of the anchors? */
  has(certificate: Certificate): boolean {
    return this.fingerprints.has(certificate.fingerprintSha256);
  }
}
