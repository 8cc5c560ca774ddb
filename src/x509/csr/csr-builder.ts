import type { KeyObject } from 'node:crypto';
import { der } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import type { Signer } from '../../signatures/index.js';
import { subjectPublicKeyBits } from '../extensions/encoding-key-ids.js';
import { encodeExtensionList } from '../extensions/encoding.js';
import type { ExtensionFields } from '../extensions/encoding.js';
import type { DistinguishedName } from '../name.js';
import { oidElement } from '../oid-element.js';
import { OID } from '../oids.js';
import { isEmptyNameDer, templateNameDer, templatePublicKeyDer } from '../template-der.js';

/** The extensions a CSR can ask for, with the same fields and defaults as a certificate's. */
export type RequestedExtensions = Pick<
  ExtensionFields,
  'subjectAltName' | 'keyUsage' | 'extKeyUsage' | 'basicConstraints' | 'extensions' | 'critical'
>;

/** What goes into a PKCS#10 request. */
export interface CsrTemplate extends RequestedExtensions {
  /** A name, or the DER of a Name; may be empty when a subjectAltName names the subject. */
  readonly subject: DistinguishedName | Uint8Array;
  /** The key to certify; by default the signer's own, which is what proves possession. */
  readonly publicKey?: KeyObject | Uint8Array;
  /** PKCS#9 challengePassword (RFC 2985 5.4.1), 1 to 255 characters. */
  readonly challengePassword?: string;
}

const VERSION_1 = der.integer(0);
const EXTENSION_REQUEST = oidElement(OID.extensionRequest, 'the attribute');
const CHALLENGE_PASSWORD = oidElement(OID.challengePassword, 'the attribute');

function challengePasswordAttribute(password: string): Buffer {
  const length = [...password].length;
  if (length < 1 || length > 255)
    throw new SymbolonError('CERT_INVALID_INPUT', `a challenge password is 1 to 255 characters, not ${length}`);
  // RFC 2985 5.4.1: PrintableString whenever possible, UTF8String otherwise.
  const value = der.isPrintableString(password) ? der.printableString(password) : der.utf8String(password);
  return der.sequence(CHALLENGE_PASSWORD, der.set(value));
}

function checkKeyIsSigner(spki: Uint8Array, signer: Signer): void {
  subjectPublicKeyBits(spki);
  const signerSpki = signer.publicKey.export({ type: 'spki', format: 'der' });
  if (!signerSpki.equals(spki)) throw new SymbolonError('CSR_KEY_MISMATCH');
}

/**
 * DER of a PKCS#10 CertificationRequest (RFC 2986) signed by `signer`, with the requested
 * extensions in a PKCS#9 extensionRequest attribute. Throws `CERT_BAD_NAME`, `CERT_INVALID_INPUT`,
 * `CERT_DUPLICATE_EXTENSION` or `CSR_KEY_MISMATCH`.
 */
export async function buildCsr(template: CsrTemplate, signer: Signer): Promise<Buffer> {
  const subject = templateNameDer(template.subject, 'subject');
  let spki: Uint8Array;
  if (template.publicKey === undefined) {
    spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  } else {
    spki = templatePublicKeyDer(template.publicKey);
    checkKeyIsSigner(spki, signer);
  }
  const attributes: Buffer[] = [];
  const extensions = encodeExtensionList(template, { isSubjectEmpty: isEmptyNameDer(subject) });
  if (extensions.length > 0) attributes.push(der.sequence(EXTENSION_REQUEST, der.set(der.sequenceOf(extensions))));
  if (template.challengePassword !== undefined) attributes.push(challengePasswordAttribute(template.challengePassword));
  // RFC 2986 4.1: attributes [0] IMPLICIT SET OF Attribute, present even when empty.
  const info = der.sequence(VERSION_1, subject, spki, der.implicit(0, der.setOf(attributes)));
  const signature = await signer.sign(info);
  return der.sequence(info, signer.algorithm.identifier, der.bitString(signature));
}
