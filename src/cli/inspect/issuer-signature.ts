import { verifyCertificateSignature } from '../../x509/index.js';
import type { InspectedCertificate, InspectedObject } from './inspected-object.js';
import { checkSignature } from './signature-check.js';

/**
 * The objects with each certificate's signature checked against the next certificate of the
 * input (a chain lists each certificate before its issuer), or against its own key when it is
 * the last and self-issued. Informational: a chain file in the wrong order is still shown.
 */
export function withIssuerSignatures(objects: readonly InspectedObject[]): InspectedObject[] {
  const certificates = objects.filter((object): object is InspectedCertificate => object.kind === 'certificate');
  return objects.map((object) => {
    if (object.kind !== 'certificate') return object;
    const { certificate } = object;
    const next = certificates[certificates.indexOf(object) + 1];
    if (next !== undefined) {
      return {
        ...object,
        issuerSignature: { checkedAgainst: 'next', check: checkSignature(() => verifyCertificateSignature(certificate, next.certificate)) },
      };
    }
    if (certificate.isSelfIssued) {
      return {
        ...object,
        issuerSignature: { checkedAgainst: 'self', check: checkSignature(() => verifyCertificateSignature(certificate, certificate)) },
      };
    }
    return object;
  });
}
