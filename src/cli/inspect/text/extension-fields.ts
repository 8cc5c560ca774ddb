import { DECODED_EXTENSIONS, OID, formatGeneralName } from '../../../x509/index.js';
import type { Extension, ExtensionViews, GeneralName } from '../../../x509/index.js';
import { extendedKeyUsageName, knownOidName } from '../extension-names.js';
import { colonHex } from './colon-hex.js';
import type { Field } from '../../field-list.js';

const SAN_GROUPS: readonly { readonly type: GeneralName['type']; readonly label: string }[] = [
  { type: 'dns', label: 'DNS' },
  { type: 'ip', label: 'IP' },
  { type: 'uri', label: 'URI' },
  { type: 'email', label: 'email' },
  { type: 'dirName', label: 'DirName' },
  { type: 'registeredId', label: 'RID' },
  { type: 'other', label: 'other' },
];

/** The label of an extension's field, marked when the extension is critical. */
function labelFor(extensions: readonly Extension[], oid: string, label: string): string {
  return extensions.some((extension) => extension.oid === oid && extension.critical) ? `${label} (critical)` : label;
}

/** Without the `TYPE:` prefix formatGeneralName puts on a name, for lines already grouped by type. */
function bareName(name: GeneralName): string {
  if (name.type === 'dns' || name.type === 'ip' || name.type === 'uri' || name.type === 'email' || name.type === 'registeredId')
    return name.value;
  return formatGeneralName(name).replace(/^DirName:/, '');
}

function groupedNames(names: readonly GeneralName[]): string[] {
  return SAN_GROUPS.flatMap(({ type, label }) => {
    const values = names.filter((name) => name.type === type).map(bareName);
    return values.length === 0 ? [] : [`${label}: ${values.join(', ')}`];
  });
}

function basicConstraintsText(views: ExtensionViews): string | undefined {
  const value = views.basicConstraints;
  if (value === undefined) return undefined;
  if (!value.isCa) return 'CA: false';
  return `CA: true, path length: ${value.pathLenConstraint ?? 'unlimited'}`;
}

function authorityKeyIdText(views: ExtensionViews): string[] {
  const value = views.authorityKeyIdentifier;
  if (value === undefined) return [];
  const lines: string[] = [];
  if (value.keyIdentifier !== undefined) lines.push(colonHex(value.keyIdentifier));
  if (value.authorityCertIssuer !== undefined) lines.push(`issuer: ${value.authorityCertIssuer.map(formatGeneralName).join(', ')}`);
  if (value.authorityCertSerialNumber !== undefined) lines.push(`serial: ${colonHex(value.authorityCertSerialNumber)}`);
  return lines;
}

function distributionPointsText(views: ExtensionViews): string[] {
  return views.distributionPoints.map((point) => {
    const names = (point.fullName ?? []).map((name) => (name.type === 'uri' ? name.value : formatGeneralName(name)));
    if (point.nameRelativeToCrlIssuer !== undefined) names.push('(a name relative to the CRL issuer)');
    const reasons = point.reasons === undefined ? '' : ` (reasons: ${point.reasons.join(', ')})`;
    const issuer = point.crlIssuer === undefined ? '' : ` (CRL issuer: ${point.crlIssuer.map(formatGeneralName).join(', ')})`;
    return `${names.join(', ') || '(no name)'}${reasons}${issuer}`;
  });
}

function policiesText(views: ExtensionViews): string[] {
  return (views.certificatePolicies ?? []).flatMap((policy) => {
    const name = knownOidName(policy.policyId);
    const lines = [name === undefined ? policy.policyId : `${name} (${policy.policyId})`];
    for (const uri of policy.cpsUris ?? []) lines.push(`  CPS: ${uri}`);
    if (policy.userNotice !== undefined) lines.push(`  notice: ${policy.userNotice}`);
    return lines;
  });
}

function nameConstraintsText(views: ExtensionViews): string[] {
  const value = views.nameConstraints;
  if (value === undefined) return [];
  return [
    ...value.permitted.map((name) => `permitted ${formatGeneralName(name)}`),
    ...value.excluded.map((name) => `excluded ${formatGeneralName(name)}`),
  ];
}

function policyControlText(views: ExtensionViews): string[] {
  const lines = (views.policyMappings ?? []).map((mapping) => `mapping ${mapping.issuerDomainPolicy} -> ${mapping.subjectDomainPolicy}`);
  const constraints = views.policyConstraints;
  if (constraints?.requireExplicitPolicy !== undefined) lines.push(`require explicit policy after ${constraints.requireExplicitPolicy}`);
  if (constraints?.inhibitPolicyMapping !== undefined) lines.push(`inhibit policy mapping after ${constraints.inhibitPolicyMapping}`);
  if (views.inhibitAnyPolicy !== undefined) lines.push(`inhibit anyPolicy after ${views.inhibitAnyPolicy}`);
  return lines;
}

function otherExtensionsText(extensions: readonly Extension[]): string[] {
  return extensions
    .filter((extension) => !DECODED_EXTENSIONS.has(extension.oid))
    .map((extension) => {
      const name = knownOidName(extension.oid);
      return `${name === undefined ? extension.oid : `${name} (${extension.oid})`}${extension.critical ? ' (critical)' : ''}`;
    });
}

/**
 * The fields for a certificate's extensions, or those a CSR requests: each with its critical
 * mark, absent ones left out, and any extension Symbolon does not decode listed by OID.
 */
export function extensionFields(views: ExtensionViews, extensions: readonly Extension[]): Field[] {
  const label = (oid: string, text: string): string => labelFor(extensions, oid, text);
  const fields: Field[] = [{ label: label(OID.subjectAltName, 'Subject alt names'), value: groupedNames(views.subjectAltNames) }];
  if (views.spiffeId !== undefined) fields.push({ label: 'SPIFFE ID', value: views.spiffeId });
  if (views.keyUsage !== undefined) fields.push({ label: label(OID.keyUsage, 'Key usage'), value: views.keyUsage.join(', ') });
  if (views.extKeyUsage !== undefined) {
    const names = views.extKeyUsage.map((oid) => extendedKeyUsageName(oid) ?? oid);
    fields.push({ label: label(OID.extKeyUsage, 'Extended key usage'), value: names.join(', ') });
  }
  const basicConstraints = basicConstraintsText(views);
  if (basicConstraints !== undefined) fields.push({ label: label(OID.basicConstraints, 'Basic constraints'), value: basicConstraints });
  if (views.subjectKeyIdentifier !== undefined)
    fields.push({ label: label(OID.subjectKeyIdentifier, 'Subject key ID'), value: colonHex(views.subjectKeyIdentifier) });
  fields.push({ label: label(OID.authorityKeyIdentifier, 'Authority key ID'), value: authorityKeyIdText(views) });
  fields.push({ label: label(OID.crlDistributionPoints, 'CRL distribution points'), value: distributionPointsText(views) });
  fields.push({ label: 'OCSP', value: views.ocspUrls });
  fields.push({ label: 'CA issuers', value: views.caIssuersUrls });
  fields.push({ label: label(OID.certificatePolicies, 'Policies'), value: policiesText(views) });
  const policyControl = [OID.policyMappings, OID.policyConstraints, OID.inhibitAnyPolicy].find((oid) =>
    extensions.some((e) => e.oid === oid && e.critical),
  );
  fields.push({ label: policyControl === undefined ? 'Policy controls' : 'Policy controls (critical)', value: policyControlText(views) });
  fields.push({ label: label(OID.nameConstraints, 'Name constraints'), value: nameConstraintsText(views) });
  fields.push({ label: label(OID.issuerAltName, 'Issuer alt names'), value: groupedNames(views.issuerAltNames) });
  if (views.isOcspNoCheck) fields.push({ label: 'OCSP no check', value: 'yes' });
  fields.push({ label: 'Other extensions', value: otherExtensionsText(extensions) });
  return fields;
}
