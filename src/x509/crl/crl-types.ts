import type { AuthorityKeyIdentifier, Extension } from '../extensions/types.js';
import type { GeneralName } from '../general-name.js';
import type { DistinguishedName, NameAttribute } from '../name.js';
import type { SignatureAlgorithm } from '../../signatures/index.js';
import type { RevocationReason } from '../../revocation-reason.js';

/** One entry of revokedCertificates (RFC 5280 5.1.2.6) with its entry extensions (5.3). */
export interface RevokedCertificate {
  /** Lowercase hex of the magnitude, as certificates print theirs. */
  readonly serialNumber: string;
  /** The INTEGER content octets, for exact comparison with `Certificate.serialNumberBytes`. */
  readonly serialNumberBytes: Buffer;
  readonly revocationDate: Date;
  /** 5.3.1 reasonCode; undefined when the entry has none. */
  readonly reason: RevocationReason | undefined;
  /** 5.3.2 invalidityDate. */
  readonly invalidityDate: Date | undefined;
  /** 5.3.3 certificateIssuer (indirect CRLs only). */
  readonly certificateIssuer: readonly GeneralName[] | undefined;
  readonly extensions: readonly Extension[];
}

/** RFC 5280 5.2.5 issuingDistributionPoint. */
export interface IssuingDistributionPoint {
  readonly fullName: readonly GeneralName[] | undefined;
  readonly nameRelativeToCrlIssuer: readonly NameAttribute[] | undefined;
  readonly onlyContainsUserCerts: boolean;
  readonly onlyContainsCaCerts: boolean;
  /** Reason flags by their ASN.1 names; undefined means every reason. */
  readonly onlySomeReasons: readonly string[] | undefined;
  readonly indirectCrl: boolean;
  readonly onlyContainsAttributeCerts: boolean;
}

/**
 * What the one CRL reader (crl.ts) finds in every CRL: the fields to check it with and its
 * revoked serials, indexed. `readRevokedSerials` gives this much (byte fields are views into the
 * caller's input); the one revocation check (src/path/revocation/revocation.ts) asks no more of a CRL.
 */
export interface RevokedSerials {
  /** The DER of tbsCertList: what the issuer signed. */
  readonly tbs: Buffer;
  readonly version: 1 | 2;
  /** Undefined when the algorithm is not one Symbolon verifies. */
  readonly signatureAlgorithm: SignatureAlgorithm | undefined;
  readonly signatureAlgorithmOid: string;
  readonly signature: Buffer;
  readonly issuer: DistinguishedName;
  readonly issuerDer: Buffer;
  readonly thisUpdate: Date;
  /** RFC 5280 5.1.2.5: conforming issuers always include it; older CRLs may not. */
  readonly nextUpdate: Date | undefined;
  /** Every crlExtension as it stands, including the decoded ones below. */
  readonly extensions: readonly Extension[];
  /** 5.2.3 cRLNumber. */
  readonly crlNumber: bigint | undefined;
  /** 5.2.1 authorityKeyIdentifier. */
  readonly authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
  /** 5.2.5 issuingDistributionPoint. */
  readonly issuingDistributionPoint: IssuingDistributionPoint | undefined;
  /** 5.2.4 deltaCRLIndicator: the BaseCRLNumber of a delta CRL; undefined for a complete CRL. */
  readonly deltaCrlIndicator: bigint | undefined;
  /** The revoked certificates as a lookup table. */
  readonly entries: CrlEntries;
}

/**
 * A CRL (RFC 5280 5.1 CertificateList) as `parseCrl` gives it: every entry too, deeply frozen.
 * Byte fields are views into a private copy of the input; treat them as read-only.
 */
export interface CertificateList extends RevokedSerials {
  readonly der: Buffer;
  readonly revokedCertificates: readonly RevokedCertificate[];
  /** SHA-256 of the DER, lowercase hex. */
  readonly fingerprintSha256: string;
}

/**
 * A CRL's revokedCertificates as a lookup table, as the one CRL reader indexes it: what the one
 * revocation check (src/path/revocation/revocation.ts) asks of a CRL. RFC 5280 5.3.3: in an indirect CRL an
 * entry's certificateIssuer names the issuer of that entry and of the entries after it, until the
 * next certificateIssuer; entries before any belong to the CRL issuer (group 0).
 */
export interface CrlEntries {
  /**
   * The reasonCode value (RFC 5280 5.3.1; -1 when the entry has none) by key: the serial as
   * `formatSerialNumber` writes it for group 0, `${group}:${serial}` for a certificateIssuer group.
   */
  readonly byKey: ReadonlyMap<string, number>;
  /** The names of groups 1, 2, ... in order: certificateIssuers[0] is group 1. */
  readonly certificateIssuers: readonly (readonly GeneralName[])[];
  /** Entries in the CRL. */
  readonly size: number;
  /**
   * The OID of a critical entry extension other than reasonCode, invalidityDate and
   * certificateIssuer: RFC 5280 5.3 forbids using such a CRL at all. (`readRevokedSerials`
   * refuses the CRL instead, so this is always undefined there.)
   */
  readonly unprocessedCriticalEntryExtension: string | undefined;
}

/** The lookup key of a serial in a certificateIssuer group (see CrlEntries.byKey). */
export function crlEntryKey(group: number, serialNumber: string): string {
  return group === 0 ? serialNumber : `${group}:${serialNumber}`;
}
