import type { RevocationReason } from '../../revocation-reason.js';
import type { Extension } from '../extensions/types.js';
import type { GeneralName } from '../general-name.js';
import type { DistinguishedName } from '../name.js';
import type { SignatureAlgorithm } from '../../signatures/index.js';

/** The hashes a CertID may use here: SHA-1 (what RFC 5019 clients send) and SHA-256. */
export type CertIdHash = 'sha1' | 'sha256';

/** RFC 6960 4.1.1 CertID: which certificate a request asks about. */
export interface CertId {
  readonly hashAlgorithm: CertIdHash;
  /** Hash of the DER of the issuer name in the certificate asked about. */
  readonly issuerNameHash: Buffer;
  /** Hash of the issuer's subjectPublicKey BIT STRING value (without its unused-bits octet). */
  readonly issuerKeyHash: Buffer;
  /** Lowercase hex of the magnitude, as `Certificate.serialNumber` and CRL entries print theirs. */
  readonly serialNumber: string;
  /** The INTEGER content octets, for exact comparison with `Certificate.serialNumberBytes`. */
  readonly serialNumberBytes: Buffer;
  /** The CertID DER itself: a response echoes it byte for byte. */
  readonly der: Buffer;
}

/** One Request of a requestList (RFC 6960 4.1.1). */
export interface SingleRequest {
  readonly certId: CertId;
  readonly extensions: readonly Extension[];
}

/** An OCSPRequest (RFC 6960 4.1.1), parsed and deeply frozen. */
export interface OcspRequest {
  readonly der: Buffer;
  readonly requestorName: GeneralName | undefined;
  /** At least one; a responder may refuse more than it wants to answer. */
  readonly requests: readonly SingleRequest[];
  /** RFC 8954 nonce (1 to 32 octets), to echo in the response. */
  readonly nonce: Buffer | undefined;
  readonly extensions: readonly Extension[];
  /** Does the request carry optionalSignature? (Parsed for its shape, not verified.) */
  readonly isSigned: boolean;
  readonly signatureAlgorithmOid: string | undefined;
}

/** RFC 6960 4.2.1 OCSPResponseStatus, indexed by its ENUMERATED value (4 is not used). */
export const OCSP_RESPONSE_STATUSES = [
  'successful',
  'malformedRequest',
  'internalError',
  'tryLater',
  undefined,
  'sigRequired',
  'unauthorized',
] as const;

export type OcspResponseStatus = Exclude<(typeof OCSP_RESPONSE_STATUSES)[number], undefined>;

/** RFC 6960 4.2.1 CertStatus. */
export type CertStatus =
  | { readonly status: 'good' }
  | { readonly status: 'unknown' }
  | { readonly status: 'revoked'; readonly revocationTime: Date; readonly revocationReason?: RevocationReason };

/** RFC 6960 4.2.1 SingleResponse, as parsed. */
export interface SingleResponse {
  readonly certId: CertId;
  readonly certStatus: CertStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly extensions: readonly Extension[];
}

/** RFC 6960 4.2.2.3 ResponderID. */
export type ResponderId =
  | { readonly type: 'byKey'; readonly keyHash: Buffer }
  | { readonly type: 'byName'; readonly name: DistinguishedName; readonly nameDer: Buffer };

/** RFC 6960 4.2.1 BasicOCSPResponse, as parsed. */
export interface BasicOcspResponse {
  /** The DER of tbsResponseData: what the responder signed. */
  readonly tbsResponseData: Buffer;
  readonly responderId: ResponderId;
  readonly producedAt: Date;
  readonly responses: readonly SingleResponse[];
  readonly nonce: Buffer | undefined;
  readonly extensions: readonly Extension[];
  /** Undefined when the algorithm is not one Symbolon verifies. */
  readonly signatureAlgorithm: SignatureAlgorithm | undefined;
  readonly signatureAlgorithmOid: string;
  readonly signature: Buffer;
  /** The DER of each certificate in `certs` (a delegated responder's, say). */
  readonly certificates: readonly Buffer[];
}

/** An OCSPResponse (RFC 6960 4.2.1), parsed and deeply frozen. */
export interface OcspResponse {
  readonly der: Buffer;
  readonly status: OcspResponseStatus;
  /** Present exactly when the status is `successful`. */
  readonly basic: BasicOcspResponse | undefined;
}
