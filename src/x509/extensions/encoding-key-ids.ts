import { createHash } from 'node:crypto';
import { der, readHeader, Tag } from '../../asn1/index.js';
import { Asn1Error, SymbolonError } from '../../errors.js';

/**
 * The subjectPublicKey BIT STRING's key bits (after its unused-bits octet) inside SPKI DER.
 * Throws `CERT_INVALID_INPUT` when the bytes are not a SubjectPublicKeyInfo.
 */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  try {
    // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
    const outer = readHeader(spki, 0, spki.length);
    const end = outer.headerLength + outer.length;
    if (outer.tag === Tag.SEQUENCE && end === spki.length) {
      const algorithm = readHeader(spki, outer.headerLength, end);
      const keyAt = outer.headerLength + algorithm.headerLength + algorithm.length;
      const key = readHeader(spki, keyAt, end);
      if (
        algorithm.tag === Tag.SEQUENCE &&
        key.tag === Tag.BIT_STRING &&
        keyAt + key.headerLength + key.length === end &&
        key.length > 1 &&
        spki[keyAt + key.headerLength] === 0
      ) {
        return spki.subarray(keyAt + key.headerLength + 1, end);
      }
    }
  } catch (error) {
    if (!(error instanceof Asn1Error)) throw error;
  }
  throw new SymbolonError('CERT_INVALID_INPUT', 'the subject public key is not a DER SubjectPublicKeyInfo');
}

/**
 * The key identifier Symbolon gives a public key: RFC 5280 4.2.1.2 method (1), the SHA-1 of the
 * subjectPublicKey bits, 20 octets. It is what OpenSSL's `subjectKeyIdentifier=hash` computes, so
 * identifiers agree across tools; SHA-1 only names the key here, it protects nothing.
 */
export function keyIdentifier(spki: Uint8Array): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
}

function checkKeyIdentifier(id: Uint8Array, what: string): void {
  if (id.length === 0 || id.length > 64) throw new SymbolonError('CERT_INVALID_INPUT', `${what} must be 1 to 64 octets, not ${id.length}`);
}

/** extnValue of subjectKeyIdentifier (RFC 5280 4.2.1.2): the KeyIdentifier OCTET STRING. */
export function encodeSubjectKeyIdentifier(id: Uint8Array): Buffer {
  checkKeyIdentifier(id, 'subjectKeyIdentifier');
  return der.octetString(id);
}

/**
 * extnValue of authorityKeyIdentifier (RFC 5280 4.2.1.1) with keyIdentifier [0] only, the form
 * RFC 5280 asks conforming CAs to use.
 */
export function encodeAuthorityKeyIdentifier(id: Uint8Array): Buffer {
  checkKeyIdentifier(id, 'authorityKeyIdentifier');
  return der.sequence(der.contextPrimitive(0, id));
}
