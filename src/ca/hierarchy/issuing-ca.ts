import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { SymbolonError } from '../../errors.js';
import { createSigner } from '../../keys/index.js';
import type { Signer } from '../../keys/index.js';
import { keyIdentifier } from '../../x509/index.js';
import type { Certificate } from '../../x509/index.js';

/** An intermediate ready to sign: its certificate, its signer and what every leaf copies from it. */
export interface IssuingCa {
  readonly id: string;
  readonly certificate: Certificate;
  readonly signer: Signer;
  /** Its subject DER, written as the issuer of every certificate it signs (byte-identical for chain building). */
  readonly nameDer: Buffer;
  /** RFC 5280 4.2.1.1: its subjectKeyIdentifier, the authorityKeyIdentifier of what it signs. */
  readonly keyIdentifier: Buffer;
  /** DER of the chain above a leaf: this CA, then the root. */
  readonly chain: readonly Buffer[];
}

/**
 * Binds an intermediate's certificate to its private key. Throws `CA_DATA_DIR_CORRUPT` when the
 * key is not the certificate's.
 */
export function createIssuingCa(id: string, certificate: Certificate, root: Certificate, privateKey: KeyObject): IssuingCa {
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!spki.equals(certificate.spki))
    throw new SymbolonError(
      'CA_DATA_DIR_CORRUPT',
      `the key of issuer ${id} does not match its certificate; restore ca/${id}.key.enc from a backup`,
    );
  return Object.freeze({
    id,
    certificate,
    signer: createSigner(privateKey),
    nameDer: certificate.subjectDer,
    keyIdentifier: certificate.subjectKeyIdentifier ?? keyIdentifier(certificate.spki),
    chain: Object.freeze([certificate.der, root.der]),
  });
}
