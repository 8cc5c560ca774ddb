import { SymbolonError } from '../errors.js';
import type { RevocationReason } from '../store/index.js';
import { CRL_REASONS } from '../x509/index.js';

/** RFC 5280 5.3.1 CRLReason names a CA may give: every reason but removeFromCRL, which is for delta CRLs only. */
export const REVOCATION_REASONS: readonly RevocationReason[] = Object.freeze(
  CRL_REASONS.filter((reason): reason is Exclude<RevocationReason, 'removeFromCRL'> => reason !== undefined && reason !== 'removeFromCRL'),
);

/** A reason by name, case-insensitively (`key-compromise` and `keyCompromise` alike). Throws `CA_REVOCATION_REASON_UNKNOWN`. */
export function parseRevocationReason(text: string): RevocationReason {
  const wanted = text.replace(/[-_\s]/g, '').toLowerCase();
  const reason = REVOCATION_REASONS.find((name) => name.toLowerCase() === wanted);
  if (reason === undefined)
    throw new SymbolonError(
      'CA_REVOCATION_REASON_UNKNOWN',
      `"${text}" is not a revocation reason; use one of ${REVOCATION_REASONS.join(', ')}`,
    );
  return reason;
}
