import type { GeneralName } from '../general-name.js';

/** RFC 5280 4.2.1.3 key usage bits, by their ASN.1 names, in bit order. */
export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

export type KeyUsage = (typeof KEY_USAGES)[number];

/** RFC 5280 4.2.1.9. */
export interface BasicConstraints {
  readonly isCa: boolean;
  readonly pathLenConstraint?: number;
}

/** RFC 5280 4.2.1.1. */
export interface AuthorityKeyIdentifier {
  readonly keyIdentifier?: Buffer;
  readonly authorityCertIssuer?: readonly GeneralName[];
  /** Hex, as the serial of the issuer's issuer certificate. */
  readonly authorityCertSerialNumber?: string;
}

/** RFC 5280 4.2.1.13: one distribution point; Symbolon writes fullName only. */
export interface DistributionPoint {
  readonly fullName?: readonly GeneralName[];
  /** Reason flags by their ASN.1 names (keyCompromise, cACompromise, ...). */
  readonly reasons?: readonly string[];
  readonly crlIssuer?: readonly GeneralName[];
}

/** RFC 5280 4.2.2.1: accessMethod and accessLocation. */
export interface AccessDescription {
  readonly method: string;
  readonly location: GeneralName;
}

/** RFC 5280 4.2.1.4: a policy with its optional CPS URIs and user notice text. */
export interface PolicyInformation {
  readonly policyId: string;
  readonly cpsUris?: readonly string[];
  readonly userNotice?: string;
}

/**
 * RFC 5280 4.2.1.10. Subtrees hold the base name only: RFC 5280 requires minimum 0 and no
 * maximum, and a certificate that says otherwise is refused when parsed.
 */
export interface NameConstraints {
  readonly permitted: readonly GeneralName[];
  readonly excluded: readonly GeneralName[];
}

/** One extension as it stands in the certificate. */
export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The DER inside the extnValue OCTET STRING. */
  readonly value: Buffer;
}
