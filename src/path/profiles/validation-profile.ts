import type { Certificate } from '../../x509/index.js';

/**
 * How much a validation asks of certificates beyond RFC 5280's path validation (section 6).
 *
 * - `strict` (the default): RFC 5280's MUSTs and SHOULDs for conforming CAs, and the TLS profile
 *   rules (extended key usage in TLS leaves, key strength, a server CN among its SAN names).
 *   The gateway is a security boundary, so this is what it applies unless a trust bundle says
 *   otherwise.
 * - `rfc5280`: RFC 5280 section 6, plus the few MUSTs that make a certificate contradict itself
 *   (an end entity with keyCertSign or nameConstraints, a CA without a subject, an empty subject
 *   without a critical subjectAltName). For legacy partner CAs, and for NIST PKITS, whose
 *   policyConstraints are not critical and whose "valid" cases include negative serials, a
 *   non-critical basicConstraints and CA certificates as the end entity.
 */
export type ValidationProfile = 'strict' | 'rfc5280';

export const VALIDATION_PROFILES: readonly ValidationProfile[] = ['strict', 'rfc5280'];

/** The profile of a validation: one for every path, or chosen by the trust anchor a path ends in. */
export type ProfileChoice = ValidationProfile | ((anchor: Certificate) => ValidationProfile);

export function profileFor(choice: ProfileChoice | undefined, anchor: Certificate): ValidationProfile {
  if (choice === undefined) return 'strict';
  return typeof choice === 'function' ? choice(anchor) : choice;
}
