import { decodeNested, der, Tag } from '../../asn1/index.js';
import { Asn1Error, SymbolonError } from '../../errors.js';
import { encodeExtension } from '../extensions/encoding.js';
import type { Extension } from '../extensions/types.js';
import { OCSP_OID } from './ocsp-oids.js';

/** RFC 8954 2.1: Nonce ::= OCTET STRING (SIZE(1..32)). */
export const MIN_NONCE_OCTETS = 1;
export const MAX_NONCE_OCTETS = 32;

/**
 * The nonce of a request's or response's extensions, or undefined when there is none. RFC 8954
 * 2.1: the extnValue holds a DER OCTET STRING of 1 to 32 octets, and a responder rejects other
 * lengths as malformedRequest. Throws `OCSP_BAD_NONCE`.
 */
export function readNonce(extensions: readonly Extension[]): Buffer | undefined {
  const extension = extensions.find((candidate) => candidate.oid === OCSP_OID.nonce);
  if (extension === undefined) return undefined;
  let nonce: Buffer;
  try {
    const node = decodeNested(Buffer.from(extension.value.buffer, extension.value.byteOffset, extension.value.byteLength), 0);
    if (node.tag !== Tag.OCTET_STRING) throw new SymbolonError('OCSP_BAD_NONCE', 'the nonce extension does not hold an OCTET STRING');
    nonce = node.content;
  } catch (error) {
    if (error instanceof Asn1Error)
      throw new SymbolonError('OCSP_BAD_NONCE', `the nonce extension is not DER: ${error.message}`, { cause: error });
    throw error;
  }
  if (nonce.length < MIN_NONCE_OCTETS || nonce.length > MAX_NONCE_OCTETS) {
    throw new SymbolonError(
      'OCSP_BAD_NONCE',
      `the nonce is ${nonce.length} octets; RFC 8954 allows ${MIN_NONCE_OCTETS} to ${MAX_NONCE_OCTETS}`,
    );
  }
  return nonce;
}

/** The nonce Extension element (non-critical), for a request or a response's echo. Throws `OCSP_BAD_NONCE`. */
export function encodeNonceExtension(nonce: Uint8Array): Buffer {
  if (!(nonce instanceof Uint8Array) || nonce.length < MIN_NONCE_OCTETS || nonce.length > MAX_NONCE_OCTETS) {
    throw new SymbolonError('OCSP_BAD_NONCE', `a nonce is ${MIN_NONCE_OCTETS} to ${MAX_NONCE_OCTETS} octets (RFC 8954)`);
  }
  return encodeExtension(OCSP_OID.nonce, false, der.octetString(nonce));
}
