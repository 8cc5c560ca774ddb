import { der } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import { isAbsoluteUri } from './encoding-names.js';
import type { PolicyInformation } from './types.js';
import { oidElement } from '../oid-element.js';
import { OID } from '../oids.js';

const CPS_QUALIFIER = der.oid(OID.qualifierCps);
const USER_NOTICE_QUALIFIER = der.oid(OID.qualifierUserNotice);

function policyInformation(policy: PolicyInformation): Buffer {
  const qualifiers: Buffer[] = [];
  for (const uri of policy.cpsUris ?? []) {
    if (!isAbsoluteUri(uri)) throw new SymbolonError('CERT_INVALID_INPUT', `the CPS pointer "${uri}" is not an absolute ASCII URI`);
    qualifiers.push(der.sequence(CPS_QUALIFIER, der.ia5String(uri)));
  }
  if (policy.userNotice !== undefined) {
    // RFC 5280 4.2.1.4: explicitText is 1 to 200 characters and SHOULD be a UTF8String;
    // noticeRef SHOULD NOT be used, so it is never written.
    const length = [...policy.userNotice].length;
    if (length < 1 || length > 200) throw new SymbolonError('CERT_INVALID_INPUT', `a user notice is 1 to 200 characters, not ${length}`);
    qualifiers.push(der.sequence(USER_NOTICE_QUALIFIER, der.sequence(der.utf8String(policy.userNotice))));
  }
  const policyId = oidElement(policy.policyId, 'the certificate policy');
  return qualifiers.length === 0 ? der.sequence(policyId) : der.sequence(policyId, der.sequenceOf(qualifiers));
}

/** extnValue of certificatePolicies (RFC 5280 4.2.1.4). */
export function encodeCertificatePolicies(policies: readonly PolicyInformation[]): Buffer {
  if (policies.length === 0) throw new SymbolonError('CERT_INVALID_INPUT', 'certificatePolicies needs at least one policy');
  const seen = new Set<string>();
  return der.sequenceOf(
    policies.map((policy) => {
      // RFC 5280 4.2.1.4: a policy OID appears at most once.
      if (seen.has(policy.policyId)) throw new SymbolonError('CERT_INVALID_INPUT', `certificate policy ${policy.policyId} is listed twice`);
      seen.add(policy.policyId);
      return policyInformation(policy);
    }),
  );
}
