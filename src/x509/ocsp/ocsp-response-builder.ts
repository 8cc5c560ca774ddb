import { createHash } from 'node:crypto';
import { der, readHeader, Tag } from '../../asn1/index.js';
import { Asn1Error, SymbolonError } from '../../errors.js';
import type { Signer } from '../../signatures/index.js';
import { parseCertificate } from '../certificate.js';
import { CRL_REASONS } from '../../revocation-reason.js';
import { subjectPublicKeyBits } from '../extensions/encoding-key-ids.js';
import { encodeNonceExtension } from './nonce.js';
import { OCSP_OID } from './ocsp-oids.js';
import type { CertId, CertStatus } from './ocsp-types.js';

/**
 * Who signs responses, encoded once: a responder answers thousands of requests per second with
 * the same ResponderID and certificates, so only the per-response parts are encoded each time.
 */
export interface OcspResponderIdentity {
  readonly signer: Signer;
  /** ResponderID byKey [2]: the SHA-1 of the signer's public key (RFC 6960 4.2.2.3). */
  readonly responderId: Buffer;
  /** The `certs [0]` element, or undefined when the CA signs its responses itself. */
  readonly certs: Buffer | undefined;
}

function invalid(message: string, cause?: unknown): SymbolonError {
  return new SymbolonError('OCSP_INVALID_INPUT', message, cause === undefined ? undefined : { cause });
}

/**
 * The identity of a responder signing with `signer`. `certificates` go into every response's
 * `certs`: the delegated responder certificate first (RFC 6960 4.2.2.2: issued by the CA, with
 * id-kp-OCSPSigning), whose key must be the signer's. Leave it empty when the CA signs itself.
 * Throws `OCSP_INVALID_INPUT`.
 */
export function ocspResponderIdentity(signer: Signer, certificates: readonly Uint8Array[] = []): OcspResponderIdentity {
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  // RFC 6960 4.2.2.3: KeyHash is the SHA-1 of the BIT STRING value, tag, length and unused-bits octet excluded.
  const keyHash = createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
  const responderId = der.explicit(2, der.octetString(keyHash));
  const first = certificates[0];
  if (first !== undefined) {
    let certificate;
    try {
      certificate = parseCertificate(first);
    } catch (error) {
      if (error instanceof SymbolonError) throw invalid(`the responder certificate cannot be read: ${error.message}`, error);
      throw error;
    }
    if (!certificate.spki.equals(spki)) throw invalid("the responder certificate's key is not the signer's key");
  }
  const certs =
    certificates.length === 0 ? undefined : der.explicit(0, der.sequenceOf(certificates.map((certificate) => Buffer.from(certificate))));
  return { signer, responderId, certs };
}

/** One SingleResponse to write (RFC 6960 4.2.1). */
export interface SingleResponseTemplate {
  /** The CertID as the request sent it (echoed byte for byte), or its DER. */
  readonly certId: Pick<CertId, 'der'> | Uint8Array;
  readonly certStatus: CertStatus;
  /** When the status was known to be correct (RFC 6960 4.2.2.1). */
  readonly thisUpdate: Date;
  /** When newer information will be available; RFC 5019 2.2.4 asks for it. */
  readonly nextUpdate?: Date;
}

function generalizedTime(date: Date, what: string): Buffer {
  if (!(date instanceof Date)) throw invalid(`${what} is not a date`);
  try {
    // RFC 6960 4.2.2.1: GeneralizedTime, in the RFC 5280 form (Z, seconds, no fraction).
    return der.generalizedTime(date);
  } catch (error) {
    if (error instanceof Asn1Error) throw invalid(`${what} cannot be encoded: ${error.message}`, error);
    throw error;
  }
}

function certIdDer(certId: SingleResponseTemplate['certId']): Uint8Array {
  const bytes = certId instanceof Uint8Array ? certId : certId.der;
  try {
    const header = readHeader(bytes, 0, bytes.length);
    if (header.tag === Tag.SEQUENCE && header.headerLength + header.length === bytes.length) return bytes;
  } catch (error) {
    if (!(error instanceof Asn1Error)) throw error;
  }
  throw invalid('the CertID is not one DER SEQUENCE');
}

// CertStatus (RFC 6960 4.2.1) is IMPLICIT: good [0] NULL, revoked [1] RevokedInfo, unknown [2] NULL.
const GOOD = der.contextPrimitive(0, Buffer.alloc(0));
const UNKNOWN = der.contextPrimitive(2, Buffer.alloc(0));
// RevokedInfo.revocationReason [0] EXPLICIT CRLReason, one per reason.
const REASONS = CRL_REASONS.map((reason, code) => (reason === undefined ? undefined : der.explicit(0, der.enumerated(code))));

function certStatus(status: CertStatus): Buffer {
  switch (status?.status) {
    case 'good':
      return GOOD;
    case 'unknown':
      return UNKNOWN;
    case 'revoked': {
      const time = generalizedTime(status.revocationTime, 'revocationTime');
      if (status.revocationReason === undefined) return der.contextConstructed(1, [time]);
      const reason = REASONS[CRL_REASONS.indexOf(status.revocationReason)];
      if (reason === undefined) throw invalid(`"${String(status.revocationReason)}" is not an RFC 5280 5.3.1 CRLReason`);
      return der.contextConstructed(1, [time, reason]);
    }
    default:
      throw invalid('certStatus is not good, revoked or unknown');
  }
}

/**
 * DER of one SingleResponse. A CA may encode these ahead of time and cache them per certificate
 * (RFC 5019 2.2 precomputed responses), then pass the bytes to `buildOcspResponse`. Throws
 * `OCSP_INVALID_INPUT`.
 */
export function encodeSingleResponse(template: SingleResponseTemplate): Buffer {
  const parts = [certIdDer(template.certId), certStatus(template.certStatus), generalizedTime(template.thisUpdate, 'thisUpdate')];
  if (template.nextUpdate !== undefined) {
    if (template.nextUpdate.getTime() < template.thisUpdate.getTime()) throw invalid('nextUpdate is before thisUpdate');
    parts.push(der.explicit(0, generalizedTime(template.nextUpdate, 'nextUpdate')));
  }
  return der.sequenceOf(parts);
}

/** What a signed response says (RFC 6960 4.2.1 ResponseData). */
export interface OcspResponseTemplate {
  readonly producedAt: Date;
  /** SingleResponses, as templates or as DER from `encodeSingleResponse`. At least one. */
  readonly responses: readonly (SingleResponseTemplate | Uint8Array)[];
  /** The request's nonce, echoed (RFC 8954 2.1). */
  readonly nonce?: Uint8Array;
}

const SUCCESSFUL = der.enumerated(0);
const BASIC_RESPONSE_TYPE = der.oid(OCSP_OID.basicResponse);

/**
 * DER of a successful OCSPResponse holding a BasicOCSPResponse signed by `identity` (RFC 6960
 * 4.2.1): version v1 left out as DER asks, ResponderID byKey, the nonce echoed when given, the
 * identity's certificates in `certs`. Throws `OCSP_INVALID_INPUT`, `OCSP_BAD_NONCE`, or
 * `KEY_SIGN_FAILED` from the signer.
 */
export async function buildOcspResponse(identity: OcspResponderIdentity, template: OcspResponseTemplate): Promise<Buffer> {
  if (template.responses.length === 0) throw invalid('a response answers at least one request');
  const singles = template.responses.map((response) => (response instanceof Uint8Array ? response : encodeSingleResponse(response)));
  const parts: Uint8Array[] = [identity.responderId, generalizedTime(template.producedAt, 'producedAt'), der.sequenceOf(singles)];
  if (template.nonce !== undefined) parts.push(der.explicit(1, der.sequence(encodeNonceExtension(template.nonce))));
  const tbs = der.sequenceOf(parts);
  const { signer } = identity;
  const signature = der.bitString(await signer.sign(tbs));
  const basic =
    identity.certs === undefined
      ? der.sequence(tbs, signer.algorithm.identifier, signature)
      : der.sequence(tbs, signer.algorithm.identifier, signature, identity.certs);
  return der.sequence(SUCCESSFUL, der.explicit(0, der.sequence(BASIC_RESPONSE_TYPE, der.octetString(basic))));
}
