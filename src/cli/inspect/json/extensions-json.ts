import { formatName } from '../../../x509/index.js';
import type { Extension, ExtensionViews, GeneralName } from '../../../x509/index.js';
import { extendedKeyUsageName, knownOidName } from '../extension-names.js';

/** A GeneralName as JSON: `{ type, value }`, a directory name as RFC 4514 text, other forms as their DER in hex. */
function generalNameJson(name: GeneralName): Record<string, unknown> {
  switch (name.type) {
    case 'dirName':
      return { type: name.type, value: formatName(name.value) };
    case 'other':
      return { type: name.type, tag: name.tag, der: name.der.toString('hex') };
    default:
      return { type: name.type, value: name.value };
  }
}

const hex = (value: Buffer | undefined): string | null => (value === undefined ? null : value.toString('hex'));

/**
 * The extension views of a certificate or CSR as JSON, named as `ExtensionViews` names them.
 * Absent extensions are null (lists: empty); byte strings are lowercase hex.
 */
export function extensionsJson(views: ExtensionViews, extensions: readonly Extension[]): Record<string, unknown> {
  const aki = views.authorityKeyIdentifier;
  return {
    subjectAltNames: views.subjectAltNames.map(generalNameJson),
    dnsNames: views.dnsNames,
    ipAddresses: views.ipAddresses,
    uris: views.uris,
    emails: views.emails,
    spiffeId: views.spiffeId ?? null,
    keyUsage: views.keyUsage ?? null,
    extKeyUsage: views.extKeyUsage?.map((oid) => ({ oid, name: extendedKeyUsageName(oid) ?? null })) ?? null,
    basicConstraints:
      views.basicConstraints === undefined
        ? null
        : { isCa: views.basicConstraints.isCa, pathLenConstraint: views.basicConstraints.pathLenConstraint ?? null },
    subjectKeyIdentifier: hex(views.subjectKeyIdentifier),
    authorityKeyIdentifier:
      aki === undefined
        ? null
        : {
            keyIdentifier: hex(aki.keyIdentifier),
            authorityCertIssuer: aki.authorityCertIssuer?.map(generalNameJson) ?? null,
            authorityCertSerialNumber: aki.authorityCertSerialNumber ?? null,
          },
    crlDistributionPoints: views.crlDistributionPoints,
    distributionPoints: views.distributionPoints.map((point) => ({
      fullName: point.fullName?.map(generalNameJson) ?? null,
      reasons: point.reasons ?? null,
      crlIssuer: point.crlIssuer?.map(generalNameJson) ?? null,
    })),
    ocspUrls: views.ocspUrls,
    caIssuersUrls: views.caIssuersUrls,
    certificatePolicies:
      views.certificatePolicies?.map((policy) => ({
        policyId: policy.policyId,
        cpsUris: policy.cpsUris ?? [],
        userNotice: policy.userNotice ?? null,
      })) ?? null,
    policyMappings: views.policyMappings ?? null,
    policyConstraints:
      views.policyConstraints === undefined
        ? null
        : {
            requireExplicitPolicy: views.policyConstraints.requireExplicitPolicy ?? null,
            inhibitPolicyMapping: views.policyConstraints.inhibitPolicyMapping ?? null,
          },
    inhibitAnyPolicy: views.inhibitAnyPolicy ?? null,
    nameConstraints:
      views.nameConstraints === undefined
        ? null
        : {
            permitted: views.nameConstraints.permitted.map(generalNameJson),
            excluded: views.nameConstraints.excluded.map(generalNameJson),
          },
    issuerAltNames: views.issuerAltNames.map(generalNameJson),
    isOcspNoCheck: views.isOcspNoCheck,
    extensions: extensions.map((extension) => ({
      oid: extension.oid,
      name: knownOidName(extension.oid) ?? null,
      critical: extension.critical,
      value: extension.value.toString('hex'),
    })),
  };
}
