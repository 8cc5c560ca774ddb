import type { InspectedObject, ObjectKind } from '../inspected-object.js';
import { certificateFields } from './certificate-text.js';
import { csrFields } from './csr-text.js';
import type { Field } from '../../field-list.js';
import { renderFields } from '../../field-list.js';
import { privateKeyFields, publicKeyFields } from './key-text.js';

const TITLES: Readonly<Record<ObjectKind, string>> = {
  certificate: 'Certificate',
  csr: 'Certificate request',
  privateKey: 'Private key',
  publicKey: 'Public key',
};

function fieldsFor(object: InspectedObject, position: number, now: Date): Field[] {
  switch (object.kind) {
    case 'certificate':
      return certificateFields(object, position, now);
    case 'csr':
      return csrFields(object);
    case 'privateKey':
      return privateKeyFields(object);
    case 'publicKey':
      return publicKeyFields(object);
  }
}

/**
 * The report for people: one titled block per object, numbered within its kind when the input
 * holds more than one of that kind (`Certificate #2 of 3`), blocks separated by a blank line.
 */
export function textReport(objects: readonly InspectedObject[], now: Date): string {
  const totals = new Map<ObjectKind, number>();
  for (const object of objects) totals.set(object.kind, (totals.get(object.kind) ?? 0) + 1);
  const seen = new Map<ObjectKind, number>();
  return objects
    .map((object) => {
      const position = (seen.get(object.kind) ?? 0) + 1;
      seen.set(object.kind, position);
      const total = totals.get(object.kind) ?? 1;
      const title = total > 1 ? `${TITLES[object.kind]} #${position} of ${total}` : TITLES[object.kind];
      return renderFields(title, fieldsFor(object, position, now));
    })
    .join('\n');
}
