import type { KeyObject } from 'node:crypto';
import { der } from '../asn1/index.js';
import { Asn1Error, SymbolonError } from '../errors.js';
import type { Signer } from '../signatures/index.js';
import type { SignatureAlgorithm } from '../signatures/index.js';
import { keyIdentifier, subjectPublicKeyBits } from './extensions/encoding-key-ids.js';
import { encodeExtensions } from './extensions/encoding.js';
import type { ExtensionFields } from './extensions/encoding.js';
import type { DistinguishedName } from './name.js';
import { encodeSerialNumber } from './serial/serial-number-encoding.js';
import type { SerialNumberInput } from './serial/serial-number-encoding.js';
import { isEmptyNameDer, templateNameDer, templatePublicKeyDer } from './template-der.js';

/**
 * What goes into a certificate. Names and the public key may be given pre-encoded (a CA passes
 * its own subject bytes as `issuer` every time, which also keeps them byte-identical for chain
 * building).
 */
export interface CertificateTemplate extends ExtensionFields {
  readonly serialNumber: SerialNumberInput;
  /** A name, or the DER of a Name. */
  readonly issuer: DistinguishedName | Uint8Array;
  /** A name, or the DER of a Name; empty only with a subjectAltName. */
  readonly subject: DistinguishedName | Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The subject's public key, or its SubjectPublicKeyInfo DER. */
  readonly subjectPublicKey: KeyObject | Uint8Array;
  /**
   * `true` (the default) computes it from the key (see `keyIdentifier`), `false` leaves it out,
   * bytes are written as given. RFC 5280 4.2.1.2: required in CA certificates, recommended in
   * end-entity ones.
   */
  readonly subjectKeyIdentifier?: boolean | Uint8Array;
}

const VERSION_3 = der.explicit(0, der.integer(2));

function validity(notBefore: Date, notAfter: Date): Buffer {
  if (
    !(notBefore instanceof Date) ||
    !(notAfter instanceof Date) ||
    Number.isNaN(notBefore.getTime()) ||
    Number.isNaN(notAfter.getTime())
  ) {
    throw new SymbolonError('CERT_INVALID_INPUT', 'notBefore and notAfter must be valid dates');
  }
  if (notAfter.getTime() < notBefore.getTime()) {
    throw new SymbolonError('CERT_BAD_VALIDITY', `notAfter ${notAfter.toISOString()} is before notBefore ${notBefore.toISOString()}`);
  }
  try {
    // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    return der.sequence(der.time(notBefore), der.time(notAfter));
  } catch (error) {
    if (error instanceof Asn1Error)
      throw new SymbolonError('CERT_INVALID_INPUT', `the validity cannot be encoded: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * DER of the TBSCertificate (RFC 5280 4.1), always version 3, signed with `signatureAlgorithm`.
 * Throws `CERT_BAD_SERIAL`, `CERT_BAD_VALIDITY`, `CERT_BAD_NAME`, `CERT_INVALID_INPUT` or
 * `CERT_DUPLICATE_EXTENSION`.
 */
export function encodeTbsCertificate(template: CertificateTemplate, signatureAlgorithm: SignatureAlgorithm): Buffer {
  const serial = encodeSerialNumber(template.serialNumber);
  const issuer = templateNameDer(template.issuer, 'issuer');
  // RFC 5280 4.1.2.4: the issuer is a non-empty name.
  if (isEmptyNameDer(issuer)) throw new SymbolonError('CERT_BAD_NAME', 'the issuer name is empty');
  const subject = templateNameDer(template.subject, 'subject');
  const isSubjectEmpty = isEmptyNameDer(subject);
  if (isSubjectEmpty) {
    // RFC 5280 4.1.2.6: an empty subject needs a subjectAltName, and a CA needs a subject.
    if (template.subjectAltName === undefined)
      throw new SymbolonError('CERT_BAD_NAME', 'a certificate with an empty subject needs a subjectAltName');
    if (template.basicConstraints?.isCa === true) throw new SymbolonError('CERT_BAD_NAME', 'a CA certificate needs a non-empty subject');
  }
  const spki = templatePublicKeyDer(template.subjectPublicKey);
  const ski = template.subjectKeyIdentifier ?? true;
  let keyId: Uint8Array | undefined;
  if (ski === true) {
    keyId = keyIdentifier(spki);
  } else {
    subjectPublicKeyBits(spki);
    if (ski !== false) keyId = ski;
  }
  const extensions = encodeExtensions(template, keyId === undefined ? { isSubjectEmpty } : { isSubjectEmpty, subjectKeyIdentifier: keyId });
  const parts: Uint8Array[] = [
    VERSION_3,
    serial,
    signatureAlgorithm.identifier,
    issuer,
    validity(template.notBefore, template.notAfter),
    subject,
    spki,
  ];
  if (extensions !== undefined) parts.push(der.explicit(3, extensions));
  return der.sequenceOf(parts);
}

/** DER of a certificate built from `template` and signed by `signer`. Throws as `encodeTbsCertificate`. */
export async function buildCertificate(template: CertificateTemplate, signer: Signer): Promise<Buffer> {
  const tbs = encodeTbsCertificate(template, signer.algorithm);
  const signature = await signer.sign(tbs);
  return der.sequence(tbs, signer.algorithm.identifier, der.bitString(signature));
}

/** A template for a self-signed certificate: issuer, key and authority key id come from the signer. */
export type SelfSignedTemplate = Omit<CertificateTemplate, 'issuer' | 'subjectPublicKey' | 'authorityKeyIdentifier'>;

/**
 * DER of a self-signed certificate (a root CA, say): issuer = subject, the signer's public key,
 * and authorityKeyIdentifier = subjectKeyIdentifier unless that is turned off.
 */
export async function buildSelfSignedCertificate(template: SelfSignedTemplate, signer: Signer): Promise<Buffer> {
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  const ski = template.subjectKeyIdentifier ?? true;
  const keyId = ski === true ? keyIdentifier(spki) : ski === false ? undefined : ski;
  const base = { ...template, issuer: template.subject, subjectPublicKey: spki };
  return buildCertificate(
    keyId === undefined
      ? { ...base, subjectKeyIdentifier: false }
      : { ...base, subjectKeyIdentifier: keyId, authorityKeyIdentifier: keyId },
    signer,
  );
}
