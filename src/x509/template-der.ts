import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { der } from '../asn1/index.js';
import { Asn1Error, SymbolonError } from '../errors.js';
import { encodeName } from './name.js';
import type { DistinguishedName } from './name.js';

const EMPTY_NAME = der.sequence();

/**
 * The DER of a name a template gives as a DistinguishedName or as DER already (which is only
 * checked to be a SEQUENCE: a CA passes its own subject bytes). Throws `CERT_BAD_NAME`.
 */
export function templateNameDer(name: DistinguishedName | Uint8Array, what: string): Uint8Array {
  if (name instanceof Uint8Array) {
    if (name.length < 2 || name[0] !== 0x30) throw new SymbolonError('CERT_BAD_NAME', `the ${what} bytes are not a DER Name`);
    return name;
  }
  try {
    return name.length === 0 ? EMPTY_NAME : encodeName(name);
  } catch (error) {
    if (error instanceof Asn1Error)
      throw new SymbolonError('CERT_BAD_NAME', `the ${what} cannot be encoded: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Is this Name DER the empty RDNSequence? */
export function isEmptyNameDer(name: Uint8Array): boolean {
  return name.length === 2 && name[1] === 0;
}

/** SubjectPublicKeyInfo DER of a key (a private key gives its public half), or the DER as given. */
export function templatePublicKeyDer(key: KeyObject | Uint8Array): Uint8Array {
  if (key instanceof Uint8Array) return key;
  if (key.type === 'secret') throw new SymbolonError('CERT_INVALID_INPUT', 'the subject public key is a secret key');
  return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
}
