import type { CertificateList } from '../../x509/index.js';
import { OID } from '../../x509/index.js';
import type { PathErrorCode } from '../path-result.js';
import type { ValidationProfile } from '../profiles/validation-profile.js';

/**
 * The strict profile's rules on a CRL the revocation check is about to use (RFC 5280 5.2.3: CRL
 * issuers MUST include a cRLNumber and MUST mark it non-critical). Under `rfc5280` a CRL without
 * one is still used, as RFC 5280 6.3 does not depend on it. Returns the code and a sentence, or
 * undefined; `which` names the CRL in the sentence.
 */
export function crlProfileViolation(
  crl: Pick<CertificateList, 'extensions'>,
  profile: ValidationProfile,
  which: string,
): { readonly code: PathErrorCode; readonly detail: string } | undefined {
  if (profile !== 'strict') return undefined;
  const extension = crl.extensions.find((candidate) => candidate.oid === OID.crlNumber);
  if (extension === undefined) return { code: 'PATH_CRL_NUMBER_MISSING', detail: `${which} has no cRLNumber` };
  if (extension.critical) return { code: 'PATH_CRL_NUMBER_CRITICAL', detail: `${which} has its cRLNumber marked critical` };
  return undefined;
}
