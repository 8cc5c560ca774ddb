import { describeKey } from '../../../keys/index.js';
import { formatName, OID } from '../../../x509/index.js';
import type { InspectedCsr } from '../inspected-object.js';
import { extensionFields } from './extension-fields.js';
import type { Field } from '../../field-list.js';
import { publicKeyText } from './public-key-text.js';
import { signatureCheckText } from './signature-check-text.js';

const SHOWN_ATTRIBUTES: ReadonlySet<string> = new Set([OID.extensionRequest, OID.challengePassword]);

/** The fields `inspect` shows for a certificate request: its names, key, requested extensions and signature check. */
export function csrFields(object: InspectedCsr): Field[] {
  const { csr, signatureCheck } = object;
  const keyObject = csr.publicKey.keyObject;
  const fields: Field[] = [
    { label: 'Subject', value: formatName(csr.subject) || '(empty)' },
    { label: 'Public key', value: publicKeyText(csr.publicKey) },
  ];
  if (keyObject !== undefined) fields.push({ label: 'SPKI SHA-256', value: describeKey(keyObject).spkiSha256 });
  fields.push({
    label: 'Signature',
    value: `${csr.signatureAlgorithm?.name ?? csr.signatureAlgorithmOid}, ${signatureCheckText(signatureCheck)}`,
  });
  fields.push(...extensionFields(csr, csr.extensions));
  if (csr.challengePassword !== undefined) fields.push({ label: 'Challenge password', value: 'present (not shown)' });
  fields.push({
    label: 'Other attributes',
    value: csr.attributes.filter((attribute) => !SHOWN_ATTRIBUTES.has(attribute.oid)).map((attribute) => attribute.oid),
  });
  return fields;
}
