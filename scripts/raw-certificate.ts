import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { der } from '../src/asn1/index.js';
import type { Signer } from '../src/keys/index.js';

/** Who signs a raw certificate: its signer's algorithm, its private key and its encoded name. */
export interface RawIssuer {
  readonly signer: Signer;
  readonly privateKey: KeyObject;
  readonly name: Buffer;
}

/** What a raw certificate certifies: an encoded subject name and SubjectPublicKeyInfo. */
export interface RawSubject {
  readonly spki: Buffer;
  readonly name: Buffer;
}

/**
 * A v3 certificate assembled field by field, for what the builder rightly refuses to write
 * (repeated extensions, malformed values, names outside the preferred syntax, rules of the
 * strict profile broken on purpose): the vector scripts' one way to make such a certificate.
 */
export function rawCertificate(
  issuer: RawIssuer,
  subject: RawSubject,
  serialNumber: bigint,
  validity: { readonly notBefore: Date; readonly notAfter: Date },
  extensions: readonly Buffer[],
): Buffer {
  const algorithm = issuer.signer.algorithm;
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.integer(serialNumber),
    algorithm.identifier,
    issuer.name,
    der.sequence(der.time(validity.notBefore), der.time(validity.notAfter)),
    subject.name,
    subject.spki,
    der.explicit(3, der.sequenceOf(extensions)),
  );
  return der.sequence(tbs, algorithm.identifier, der.bitString(sign(algorithm.hash, tbs, issuer.privateKey)));
}
