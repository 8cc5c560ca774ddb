import { describeKey } from '../../../keys/index.js';
import { formatName } from '../../../x509/index.js';
import type { InspectedCertificate } from '../inspected-object.js';
import { validityAt } from '../validity-status.js';
import { colonHex } from './colon-hex.js';
import { extensionFields } from './extension-fields.js';
import type { Field } from '../../field-list.js';
import { formatDate } from './format-date.js';
import { publicKeyText } from './public-key-text.js';
import { signatureCheckText } from './signature-check-text.js';

/** The fields `inspect` shows for a certificate; `position` is its 1-based place among the certificates. */
export function certificateFields(object: InspectedCertificate, position: number, now: Date): Field[] {
  const { certificate, issuerSignature } = object;
  const keyObject = certificate.publicKey.keyObject;
  const fields: Field[] = [
    { label: 'Subject', value: formatName(certificate.subject) || '(empty)' },
    { label: 'Issuer', value: formatName(certificate.issuer) || '(empty)' },
    {
      label: 'Serial',
      value: colonHex(certificate.serialNumber) + (certificate.hasConformingSerialNumber ? '' : ' (not RFC 5280 conforming)'),
    },
    { label: 'Not before', value: formatDate(certificate.notBefore) },
    { label: 'Not after', value: formatDate(certificate.notAfter) },
    { label: 'Validity', value: validityAt(certificate.notBefore, certificate.notAfter, now).text },
    { label: 'Public key', value: publicKeyText(certificate.publicKey) },
  ];
  if (keyObject !== undefined) fields.push({ label: 'SPKI SHA-256', value: describeKey(keyObject).spkiSha256 });
  fields.push({
    label: 'Signature',
    value: certificate.signatureAlgorithm?.name ?? `${certificate.signatureAlgorithmOid} (not supported by Symbolon)`,
  });
  if (certificate.version !== 3) fields.push({ label: 'Version', value: `v${certificate.version}` });
  fields.push(...extensionFields(certificate, certificate.extensions));
  fields.push({ label: 'SHA-256 fingerprint', value: certificate.fingerprintSha256 });
  if (issuerSignature !== undefined) {
    const label = issuerSignature.checkedAgainst === 'next' ? `Signed by #${position + 1}` : 'Self-signed';
    fields.push({ label, value: signatureCheckText(issuerSignature.check) });
  }
  return fields;
}
