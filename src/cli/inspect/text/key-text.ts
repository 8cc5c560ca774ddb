import type { KeyInfo } from '../../../keys/index.js';
import type { EncryptionScheme } from '../encryption-scheme.js';
import type { InspectedPrivateKey, InspectedPublicKey } from '../inspected-object.js';
import type { Field } from '../../field-list.js';

function encryptionText(scheme: EncryptionScheme | undefined): string {
  if (scheme === undefined) return 'yes';
  const parts = [
    scheme.scheme,
    scheme.keyDerivation,
    scheme.iterations === undefined ? undefined : `${scheme.iterations} iterations`,
    scheme.cipher,
  ];
  return `yes (${parts.filter((part) => part !== undefined).join(', ')})`;
}

/** A key's fields: its type, then `afterType` (a private key's encryption), then the rest. */
function keyInfoFields(key: KeyInfo, unsupportedReason: string | undefined, afterType: readonly Field[] = []): Field[] {
  const fields: Field[] = [
    { label: 'Type', value: key.summary },
    ...afterType,
    { label: 'Bits', value: String(key.bits) },
    { label: 'SPKI SHA-256', value: key.spkiSha256 },
  ];
  if (unsupportedReason !== undefined) fields.push({ label: 'Supported', value: `no: ${unsupportedReason}` });
  return fields;
}

/** The fields `inspect` shows for a private key: never the key itself. */
export function privateKeyFields(object: InspectedPrivateKey): Field[] {
  const encrypted: Field = { label: 'Encrypted', value: object.isEncrypted ? encryptionText(object.encryption) : 'no' };
  if (object.key === undefined) {
    return [{ label: 'Type', value: 'unknown until decrypted (give --passphrase-file or --passphrase-env)' }, encrypted];
  }
  return keyInfoFields(object.key, object.unsupportedReason, [encrypted]);
}

/** The fields `inspect` shows for a public key. */
export function publicKeyFields(object: InspectedPublicKey): Field[] {
  return keyInfoFields(object.key, object.unsupportedReason);
}
