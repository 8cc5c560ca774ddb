import { createHash } from 'node:crypto';
import { der, readIntegerBytes, readNull, readOid, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';
import type { Certificate } from '../certificate.js';
import { subjectPublicKeyBits } from '../extensions/encoding-key-ids.js';
import { OID } from '../oids.js';
import { faultAt } from '../../asn1/index.js';
import { formatSerialNumber } from '../serial/serial-number.js';
import type { CertId, CertIdHash } from './ocsp-types.js';

const HASH_OCTETS: Readonly<Record<CertIdHash, number>> = { sha1: 20, sha256: 32 };
const HASH_BY_OID = new Map<string, CertIdHash>([
  [OID.sha1, 'sha1'],
  [OID.sha256, 'sha256'],
]);
// RFC 6960 4.1.1 / RFC 5019 2.1.1: the hash AlgorithmIdentifier as OpenSSL and others write it,
// with NULL parameters.
const HASH_IDENTIFIERS: Readonly<Record<CertIdHash, Buffer>> = {
  sha1: der.sequence(der.oid(OID.sha1), der.nullValue()),
  sha256: der.sequence(der.oid(OID.sha256), der.nullValue()),
};

/** The two issuer hashes of a CertID for one issuer, to match requests against. */
export interface IssuerHashes {
  readonly hashAlgorithm: CertIdHash;
  readonly issuerNameHash: Buffer;
  readonly issuerKeyHash: Buffer;
}

/**
 * The issuer hashes RFC 6960 4.1.1 defines for certificates issued by `issuer`: the hash of its
 * subject Name DER (which is the issuer field of what it issues) and of its subjectPublicKey BIT
 * STRING value without the unused-bits octet, as OpenSSL computes it.
 */
export function issuerHashes(issuer: Pick<Certificate, 'subjectDer' | 'spki'>, hashAlgorithm: CertIdHash = 'sha1'): IssuerHashes {
  return {
    hashAlgorithm,
    issuerNameHash: createHash(hashAlgorithm).update(issuer.subjectDer).digest(),
    issuerKeyHash: createHash(hashAlgorithm).update(subjectPublicKeyBits(issuer.spki)).digest(),
  };
}

/**
 * A CertID from its parts; `serialNumberBytes` is the certificate's serialNumber INTEGER content
 * (`Certificate.serialNumberBytes`). Throws `OCSP_INVALID_INPUT` when a hash has the wrong length.
 */
export function encodeCertId(hashes: IssuerHashes, serialNumberBytes: Uint8Array): CertId {
  const { hashAlgorithm, issuerNameHash, issuerKeyHash } = hashes;
  const octets = HASH_OCTETS[hashAlgorithm];
  if (octets === undefined) throw new SymbolonError('OCSP_INVALID_INPUT', `${String(hashAlgorithm)} is not a CertID hash Symbolon writes`);
  if (issuerNameHash.length !== octets || issuerKeyHash.length !== octets)
    throw new SymbolonError('OCSP_INVALID_INPUT', `the issuer hashes of a ${hashAlgorithm} CertID are ${octets} octets`);
  if (serialNumberBytes.length === 0 || serialNumberBytes.length > 64)
    throw new SymbolonError('OCSP_INVALID_INPUT', 'a serial number is 1 to 64 INTEGER content octets');
  const serial = Buffer.from(serialNumberBytes);
  const certIdDer = der.sequence(
    HASH_IDENTIFIERS[hashAlgorithm],
    der.octetString(issuerNameHash),
    der.octetString(issuerKeyHash),
    der.tlv(Tag.INTEGER, serial),
  );
  return {
    hashAlgorithm,
    issuerNameHash: Buffer.from(issuerNameHash),
    issuerKeyHash: Buffer.from(issuerKeyHash),
    serialNumber: formatSerialNumber(serial),
    serialNumberBytes: serial,
    der: certIdDer,
  };
}

/**
 * The CertID of `certificate` as issued by `issuer` (RFC 6960 4.1.1). Throws `OCSP_INVALID_INPUT`
 * when the certificate's issuer name is not the issuer's subject.
 */
export function certIdFor(
  certificate: Pick<Certificate, 'issuerDer' | 'serialNumberBytes'>,
  issuer: Pick<Certificate, 'subjectDer' | 'spki'>,
  hashAlgorithm: CertIdHash = 'sha1',
): CertId {
  if (!certificate.issuerDer.equals(issuer.subjectDer))
    throw new SymbolonError('OCSP_INVALID_INPUT', "the certificate's issuer name is not the issuer certificate's subject");
  return encodeCertId(issuerHashes(issuer, hashAlgorithm), certificate.serialNumberBytes);
}

/**
 * Reads a CertID strictly: hashAlgorithm SHA-1 or SHA-256 with NULL or absent parameters, hashes
 * of that hash's length, a minimal INTEGER serial. Throws `malformed` for a bad shape and
 * `OCSP_UNSUPPORTED_HASH` for another hash.
 */
export function readCertId(node: DerNode, malformed: ErrorCode): CertId {
  if (node.tag !== Tag.SEQUENCE || node.children.length !== 4)
    throw faultAt(malformed, node, 'a CertID is not a SEQUENCE of hashAlgorithm, issuerNameHash, issuerKeyHash and serialNumber');
  const [algorithm, nameHash, keyHash, serial] = node.children as [DerNode, DerNode, DerNode, DerNode];
  if (algorithm.tag !== Tag.SEQUENCE || algorithm.children.length < 1 || algorithm.children.length > 2)
    throw faultAt(malformed, algorithm, 'the CertID hashAlgorithm is not an AlgorithmIdentifier');
  const oid = readOid(algorithm.children[0]!);
  const hashAlgorithm = HASH_BY_OID.get(oid);
  if (hashAlgorithm === undefined)
    throw new SymbolonError('OCSP_UNSUPPORTED_HASH', `the CertID hash ${oid} is not SHA-1 or SHA-256 (at byte ${algorithm.offset})`);
  // RFC 5754 2: SHA-2 parameters are absent or NULL (and so are SHA-1's, RFC 3279 2.1).
  if (algorithm.children[1] !== undefined) readNull(algorithm.children[1]);
  const octets = HASH_OCTETS[hashAlgorithm];
  for (const hash of [nameHash, keyHash]) {
    if (hash.tag !== Tag.OCTET_STRING) throw faultAt(malformed, hash, 'a CertID issuer hash is not an OCTET STRING');
    if (hash.content.length !== octets)
      throw faultAt(malformed, hash, `a ${hashAlgorithm} issuer hash is ${hash.content.length} octets, not ${octets}`);
  }
  const serialNumberBytes = readIntegerBytes(serial);
  return {
    hashAlgorithm,
    issuerNameHash: nameHash.content,
    issuerKeyHash: keyHash.content,
    serialNumber: formatSerialNumber(serialNumberBytes),
    serialNumberBytes,
    der: node.bytes,
  };
}
