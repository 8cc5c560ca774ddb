import type { Certificate } from '../../x509/index.js';
import { OID } from '../../x509/index.js';
import type { PathPurpose } from './extended-key-usage.js';
import { withoutFinalDot } from '../names/name-constraints.js';
import { pathFailure } from '../path-result.js';
import type { PathFailure } from '../path-result.js';

function commonNames(certificate: Certificate): string[] {
  const names: string[] = [];
  for (const rdn of certificate.subject) for (const atv of rdn) if (atv.type === OID.commonName) names.push(atv.value);
  return names;
}

/**
 * The TLS profile rules on a leaf used for TLS (the strict profile only; purpose `any` has none):
 * an extendedKeyUsage that names the purpose and not anyExtendedKeyUsage (CA/Browser Forum BR
 * 7.1.2.3 (f); RFC 5280 4.2.1.12 lets an application demand it), and for a server, every subject
 * CN one of its DNS or IP subjectAltNames (BR 7.1.4.3: the CN, when present, repeats a SAN). A
 * client's CN stays free-form: it is a person's or a service's name, not a host.
 */
export function tlsLeafFailure(leaf: Certificate, purpose: PathPurpose): PathFailure | undefined {
  if (purpose === 'any') return undefined;
  const usages = leaf.extKeyUsage;
  if (usages === undefined)
    return pathFailure(
      'PATH_TLS_EXTENDED_KEY_USAGE_MISSING',
      0,
      `the certificate has no extendedKeyUsage, which a TLS ${purpose} certificate must carry`,
    );
  if (usages.includes(OID.anyExtendedKeyUsage))
    return pathFailure(
      'PATH_TLS_ANY_EXTENDED_KEY_USAGE',
      0,
      `the certificate lists anyExtendedKeyUsage, which a TLS ${purpose} certificate must not`,
    );
  if (purpose !== 'server') return undefined;
  const sanNames = new Set([...leaf.dnsNames.map((name) => withoutFinalDot(name.toLowerCase())), ...leaf.ipAddresses]);
  for (const cn of commonNames(leaf)) {
    if (!sanNames.has(withoutFinalDot(cn.toLowerCase())))
      return pathFailure(
        'PATH_SERVER_COMMON_NAME_NOT_IN_SAN',
        0,
        `the server certificate's subject CN ${JSON.stringify(cn)} is not one of its DNS or IP subjectAltNames`,
      );
  }
  return undefined;
}
