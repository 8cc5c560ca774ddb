/**
 * RFC 5280 5.3.1 CRLReason: the one vocabulary of revocation reasons. It sits beside errors.ts,
 * below every part, because both `x509/` (which writes and reads it in CRLs and OCSP) and
 * `store/` (which keeps it with each revocation, and by DESIGN talks only to `audit/` and its
 * drivers) need it; neither may import the other.
 */

/** CRLReason names indexed by their ENUMERATED value. Value 7 is not used, so that slot is undefined. */
export const CRL_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

export type RevocationReason = Exclude<(typeof CRL_REASONS)[number], undefined>;

/** The ENUMERATED value of a reason (RFC 5280 5.3.1). */
export function revocationReasonCode(reason: RevocationReason): number {
  return CRL_REASONS.indexOf(reason);
}
