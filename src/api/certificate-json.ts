import type { CertificateRecord, CertificateStatus, IssuerRecord } from '../store/index.js';
import { formatGeneralName, formatName, OID, oidName, parseCertificate, toPem, EXTENDED_KEY_USAGES } from '../x509/index.js';
import type { Certificate, Extension } from '../x509/index.js';

/** A certificate as the list shows it (the contract's CertificateSummary). */
export interface CertificateSummary {
  readonly serial: string;
  readonly subject: string;
  readonly sans: readonly string[];
  readonly profile: string;
  readonly issuerId: string;
  readonly status: CertificateStatus;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly revokedAt: string | null;
  readonly revocationReason: string | null;
}

export function certificateStatus(record: CertificateRecord, now: Date): CertificateStatus {
  if (record.revocation !== null) return 'revoked';
  return record.notAfter.getTime() <= now.getTime() ? 'expired' : 'valid';
}

export function certificateSummary(record: CertificateRecord, now: Date): CertificateSummary {
  return {
    serial: record.serial,
    subject: record.subject,
    sans: record.subjectAltNames,
    profile: record.profile,
    issuerId: record.issuerId,
    status: certificateStatus(record, now),
    notBefore: record.notBefore.toISOString(),
    notAfter: record.notAfter.toISOString(),
    revokedAt: record.revocation?.revokedAt.toISOString() ?? null,
    revocationReason: record.revocation?.reason ?? null,
  };
}

const EKU_NAMES = new Map<string, string>(Object.entries(EXTENDED_KEY_USAGES).map(([name, oid]) => [oid, name]));

/** An extension's value as a person reads it: the decoded view where Symbolon decodes it, else its DER in hex. */
function extensionText(extension: Extension, certificate: Certificate): string {
  switch (extension.oid) {
    case OID.subjectAltName:
      return certificate.subjectAltNames.map(formatGeneralName).join(', ');
    case OID.keyUsage:
      return (certificate.keyUsage ?? []).join(', ');
    case OID.extKeyUsage:
      return (certificate.extKeyUsage ?? []).map((oid) => EKU_NAMES.get(oid) ?? oid).join(', ');
    case OID.basicConstraints: {
      const value = certificate.basicConstraints;
      if (value === undefined || !value.isCa) return 'CA: false';
      return `CA: true, path length: ${value.pathLenConstraint ?? 'unlimited'}`;
    }
    case OID.subjectKeyIdentifier:
      return certificate.subjectKeyIdentifier?.toString('hex') ?? '';
    case OID.authorityKeyIdentifier:
      return certificate.authorityKeyIdentifier?.keyIdentifier?.toString('hex') ?? '';
    case OID.crlDistributionPoints:
      return certificate.crlDistributionPoints.join(', ');
    case OID.authorityInfoAccess:
      return [...certificate.ocspUrls.map((url) => `OCSP: ${url}`), ...certificate.caIssuersUrls.map((url) => `CA issuers: ${url}`)].join(
        ', ',
      );
    case OID.certificatePolicies:
      return (certificate.certificatePolicies ?? []).map((policy) => oidName(policy.policyId) ?? policy.policyId).join(', ');
    default:
      return extension.value.toString('hex');
  }
}

/** The decoded fields of a certificate's DER, for the detail view. */
export function decodedCertificate(certificate: Certificate): Record<string, unknown> {
  const key = certificate.publicKey;
  return {
    version: certificate.version,
    signatureAlgorithm: certificate.signatureAlgorithm?.name ?? certificate.signatureAlgorithmOid,
    publicKey: {
      algorithm: key.algorithm,
      ...(key.bits === undefined ? {} : { size: key.bits }),
      ...(key.curve === undefined ? {} : { curve: key.curve }),
    },
    issuer: formatName(certificate.issuer),
    extensions: certificate.extensions.map((extension) => ({
      oid: extension.oid,
      name: oidName(extension.oid) ?? extension.oid,
      critical: extension.critical,
      value: extensionText(extension, certificate),
    })),
  };
}

/** The issuers above `issuerId`, nearest first, up to the root (a loop in the records ends the walk). */
export function issuerChain(issuerId: string, issuers: readonly IssuerRecord[]): IssuerRecord[] {
  const byId = new Map(issuers.map((issuer) => [issuer.id, issuer]));
  const chain: IssuerRecord[] = [];
  for (
    let issuer = byId.get(issuerId);
    issuer !== undefined && !chain.includes(issuer);
    issuer = issuer.parentId === null ? undefined : byId.get(issuer.parentId)
  ) {
    chain.push(issuer);
  }
  return chain;
}

/** A certificate's detail view (the contract's CertificateSummary & detail). */
export function certificateDetail(record: CertificateRecord, issuers: readonly IssuerRecord[], now: Date): Record<string, unknown> {
  const certificate = parseCertificate(record.der);
  return {
    ...certificateSummary(record, now),
    fingerprintSha256: record.fingerprint,
    pem: toPem('CERTIFICATE', record.der),
    chain: issuerChain(record.issuerId, issuers).map((issuer) => toPem('CERTIFICATE', issuer.certificate)),
    decoded: decodedCertificate(certificate),
  };
}
