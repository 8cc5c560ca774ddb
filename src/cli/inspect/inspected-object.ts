import type { KeyInfo } from '../../keys/index.js';
import type { Certificate, Csr } from '../../x509/index.js';
import type { EncryptionScheme } from './encryption-scheme.js';
import type { SignatureCheck } from './signature-check.js';

/** Where an object came from: a PEM block (with its label) or the whole input as DER. */
export interface ObjectSource {
  readonly format: 'pem' | 'der';
  readonly pemLabel: string | undefined;
}

/** Which signature was checked for a certificate: the next certificate's key, or its own. */
export interface IssuerSignatureCheck {
  readonly checkedAgainst: 'next' | 'self';
  readonly check: SignatureCheck;
}

export interface InspectedCertificate {
  readonly kind: 'certificate';
  readonly source: ObjectSource;
  readonly certificate: Certificate;
  /** Undefined for the last certificate of the input when it is not self-issued. */
  readonly issuerSignature: IssuerSignatureCheck | undefined;
}

export interface InspectedCsr {
  readonly kind: 'csr';
  readonly source: ObjectSource;
  readonly csr: Csr;
  readonly signatureCheck: SignatureCheck;
}

export interface InspectedPrivateKey {
  readonly kind: 'privateKey';
  readonly source: ObjectSource;
  readonly isEncrypted: boolean;
  /** Undefined when the key is encrypted and no passphrase was given. */
  readonly key: KeyInfo | undefined;
  /** How an encrypted key is protected, as far as it can be read without the passphrase. */
  readonly encryption: EncryptionScheme | undefined;
  /** Why Symbolon would refuse to use the key (RSA 1024, secp256k1, ...), if it would. */
  readonly unsupportedReason: string | undefined;
}

export interface InspectedPublicKey {
  readonly kind: 'publicKey';
  readonly source: ObjectSource;
  readonly key: KeyInfo;
  readonly unsupportedReason: string | undefined;
}

/** One thing found in the input of `symbolon inspect`. */
export type InspectedObject = InspectedCertificate | InspectedCsr | InspectedPrivateKey | InspectedPublicKey;

export type ObjectKind = InspectedObject['kind'];
