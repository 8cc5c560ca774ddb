import { createHash, KeyObject } from 'node:crypto';
import { decodeDer, readBitString, readIntegerBytes, readSmallInteger, readTime, Tag } from '../asn1/index.js';
import type { DerNode } from '../asn1/index.js';
import { Asn1Error, SymbolonError } from '../errors.js';
import { verifySignature } from '../signatures/index.js';
import type { SignatureAlgorithm } from '../signatures/index.js';
import { deepFreeze } from './deep-freeze.js';
import { decodeExtensions, noExtensionViews } from './extensions/extension-set.js';
import type { ExtensionViews } from './extensions/extension-set.js';
import type { Extension } from './extensions/types.js';
import { decodeName } from './name.js';
import type { DistinguishedName } from './name.js';
import { pemOrDerBlocks } from '../asn1/index.js';
import { parsePublicKeyInfo } from '../signatures/index.js';
import type { PublicKeyInfo } from '../signatures/index.js';
import { faultAt, withCode } from '../asn1/index.js';
import { readSignatureAlgorithmField } from '../signatures/index.js';
import { formatSerialNumber, isConformingSerialNumber } from './serial/serial-number.js';

/** Largest DER certificate accepted: real ones are a few kilobytes. */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;
/** Largest PEM chain or trust bundle text accepted by `parseCertificates`. */
export const MAX_CERTIFICATE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * An X.509 certificate (RFC 5280), parsed and deeply frozen. Byte fields are views into a
 * private copy of the input; like Dates they cannot be frozen, so treat them as read-only.
 */
export interface Certificate extends ExtensionViews {
  readonly der: Buffer;
  /** The DER of tbsCertificate: what the issuer signed. */
  readonly tbs: Buffer;
  readonly version: 1 | 2 | 3;
  /** Lowercase hex of the magnitude, as OpenSSL prints it (`-` first when negative). */
  readonly serialNumber: string;
  /** The INTEGER content octets as encoded, for exact comparison. */
  readonly serialNumberBytes: Buffer;
  /** RFC 5280 4.1.2.2: positive and at most 20 octets. Others are parsed, not refused. */
  readonly hasConformingSerialNumber: boolean;
  /** Undefined when the algorithm is not one Symbolon verifies (SHA-1 RSA in an old root, say). */
  readonly signatureAlgorithm: SignatureAlgorithm | undefined;
  readonly signatureAlgorithmOid: string;
  readonly signature: Buffer;
  readonly issuer: DistinguishedName;
  readonly issuerDer: Buffer;
  readonly subject: DistinguishedName;
  readonly subjectDer: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
  readonly publicKey: PublicKeyInfo;
  readonly extensions: readonly Extension[];
  /** SHA-256 of the DER, lowercase hex. */
  readonly fingerprintSha256: string;
  /** The same, uppercase and colon-separated, as OpenSSL and node:crypto print it. */
  readonly fingerprintSha256Colons: string;
  /** Issuer and subject are the same name, byte for byte (RFC 5280 3.2, 6.1). */
  readonly isSelfIssued: boolean;
}

type Fields = Omit<Certificate, keyof ExtensionViews>;

function field(fields: readonly DerNode[], index: number, tbs: DerNode, what: string): DerNode {
  const node = fields[index];
  if (node === undefined) throw faultAt('CERT_MALFORMED', tbs, `tbsCertificate ends before its ${what}`);
  return node;
}

function readName(node: DerNode): DistinguishedName {
  return withCode('CERT_BAD_NAME', () => decodeName(node));
}

function readVersion(node: DerNode): 1 | 2 | 3 {
  if (node.children.length !== 1) throw faultAt('CERT_MALFORMED', node, 'the version field must hold one INTEGER');
  const version = readSmallInteger(node.children[0]!);
  // RFC 5280 4.1.2.1: v1(0), v2(1), v3(2).
  if (version < 0 || version > 2)
    throw new SymbolonError('CERT_UNSUPPORTED_VERSION', `certificate version ${version} is not v1, v2 or v3 (at byte ${node.offset})`);
  return (version + 1) as 1 | 2 | 3;
}

function readCertificate(root: DerNode, der: Buffer): Certificate {
  if (root.tag !== Tag.SEQUENCE || root.children.length !== 3) {
    throw faultAt('CERT_MALFORMED', root, 'a Certificate is a SEQUENCE of tbsCertificate, signatureAlgorithm and signature');
  }
  const [tbs, outerAlgorithm, signatureNode] = root.children as [DerNode, DerNode, DerNode];
  if (tbs.tag !== Tag.SEQUENCE) throw faultAt('CERT_MALFORMED', tbs, 'tbsCertificate is not a SEQUENCE');
  const fields = tbs.children;
  let at = 0;
  // RFC 5280 4.1: version [0] EXPLICIT DEFAULT v1 (an explicit v1 is accepted, as every DEFAULT is).
  const version = fields[0]?.tag === 0xa0 ? readVersion(fields[at++]!) : 1;
  const serialNumberBytes = readIntegerBytes(field(fields, at++, tbs, 'serialNumber'));
  const innerAlgorithm = field(fields, at++, tbs, 'signature');
  // RFC 5280 4.1.1.2: signatureAlgorithm MUST be the same as tbsCertificate's signature field.
  if (!innerAlgorithm.bytes.equals(outerAlgorithm.bytes))
    throw faultAt('CERT_MALFORMED', innerAlgorithm, 'the signature algorithm inside tbsCertificate differs from the outer one');
  const { algorithm, oid } = readSignatureAlgorithmField(outerAlgorithm, 'CERT_MALFORMED');
  const issuerNode = field(fields, at++, tbs, 'issuer');
  const issuer = readName(issuerNode);
  const validity = field(fields, at++, tbs, 'validity');
  if (validity.tag !== Tag.SEQUENCE || validity.children.length !== 2)
    throw faultAt('CERT_MALFORMED', validity, 'validity is not a SEQUENCE of notBefore and notAfter');
  const notBefore = readTime(validity.children[0]!);
  const notAfter = readTime(validity.children[1]!);
  const subjectNode = field(fields, at++, tbs, 'subject');
  const subject = readName(subjectNode);
  const spkiNode = field(fields, at++, tbs, 'subjectPublicKeyInfo');
  const publicKey = parsePublicKeyInfo(spkiNode, 'CERT_MALFORMED');
  // RFC 5280 4.1.2.8: issuerUniqueID [1] and subjectUniqueID [2] only in v2 and v3.
  for (const tag of [0x81, 0x82]) {
    if (fields[at]?.tag !== tag) continue;
    if (version === 1) throw faultAt('CERT_MALFORMED', fields[at]!, 'a v1 certificate carries a unique identifier');
    readBitString(fields[at++]!, tag);
  }
  let decoded = { extensions: [] as readonly Extension[], views: noExtensionViews() };
  if (fields[at]?.tag === 0xa3) {
    const wrapper = fields[at++]!;
    // RFC 5280 4.1.2.9: extensions only in v3.
    if (version !== 3) throw faultAt('CERT_MALFORMED', wrapper, `a v${version} certificate carries extensions`);
    if (wrapper.children.length !== 1) throw faultAt('CERT_MALFORMED', wrapper, 'the extensions field must hold one SEQUENCE');
    decoded = decodeExtensions(wrapper.children[0]!, 'CERT_MALFORMED');
  }
  if (at !== fields.length) throw faultAt('CERT_MALFORMED', fields[at]!, 'tbsCertificate has a field out of place or unknown');
  const signature = readBitString(signatureNode);
  if (signature.unusedBits !== 0) throw faultAt('CERT_MALFORMED', signatureNode, 'the signature BIT STRING has unused bits');
  const fingerprint = createHash('sha256').update(der).digest('hex');
  const parsed: Fields = {
    der,
    tbs: tbs.bytes,
    version,
    serialNumber: formatSerialNumber(serialNumberBytes),
    serialNumberBytes,
    hasConformingSerialNumber: isConformingSerialNumber(serialNumberBytes),
    signatureAlgorithm: algorithm,
    signatureAlgorithmOid: oid,
    signature: signature.bytes,
    issuer,
    issuerDer: issuerNode.bytes,
    subject,
    subjectDer: subjectNode.bytes,
    notBefore,
    notAfter,
    spki: spkiNode.bytes,
    publicKey,
    extensions: decoded.extensions,
    fingerprintSha256: fingerprint,
    fingerprintSha256Colons: fingerprint.toUpperCase().replace(/(..)(?!$)/g, '$1:'),
    isSelfIssued: issuerNode.bytes.equals(subjectNode.bytes),
  };
  return { ...decoded.views, ...parsed };
}

/**
 * Parses one DER certificate strictly. Throws Asn1Error (ASN1_*) when the bytes are not one
 * well-framed DER element of at most MAX_CERTIFICATE_BYTES; within the DER, CERT_MALFORMED,
 * CERT_UNSUPPORTED_VERSION, CERT_BAD_NAME, CERT_BAD_EXTENSION or CERT_DUPLICATE_EXTENSION.
 */
export function parseCertificate(input: Uint8Array): Certificate {
  if (input.length > MAX_CERTIFICATE_BYTES)
    throw new Asn1Error('ASN1_TOO_LARGE', 0, `a certificate of ${input.length} bytes is over the limit of ${MAX_CERTIFICATE_BYTES}`);
  const der = Buffer.from(input);
  const root = decodeDer(der, { maxBytes: MAX_CERTIFICATE_BYTES });
  return deepFreeze(withCode('CERT_MALFORMED', () => readCertificate(root, der)));
}

/**
 * Every certificate in a PEM text (CERTIFICATE blocks; other blocks are passed over), or the one
 * certificate of DER input, in order: a chain file or a trust bundle. Throws PEM_* for bad PEM
 * and the errors of `parseCertificate`.
 */
export function parseCertificates(input: Uint8Array | string): Certificate[] {
  if (input.length > MAX_CERTIFICATE_FILE_BYTES)
    throw new SymbolonError('INPUT_TOO_LARGE', `the input is over ${MAX_CERTIFICATE_FILE_BYTES} bytes`);
  return pemOrDerBlocks(input, 'CERTIFICATE').map(parseCertificate);
}

/**
 * Does `issuer` (its public key, or its certificate) verify `certificate`'s signature? False for
 * a signature that does not verify or a key that does not fit the algorithm. Throws
 * SIG_UNSUPPORTED_ALGORITHM when the certificate's algorithm is not one Symbolon runs and
 * KEY_UNSUPPORTED_TYPE when the issuer's key could not be loaded.
 */
export function verifyCertificateSignature(certificate: Certificate, issuer: KeyObject | Certificate): boolean {
  const algorithm = certificate.signatureAlgorithm;
  if (algorithm === undefined)
    throw new SymbolonError('SIG_UNSUPPORTED_ALGORITHM', `signature algorithm ${certificate.signatureAlgorithmOid} is not supported`);
  const key = issuer instanceof KeyObject ? issuer : issuer.publicKey.keyObject;
  if (key === undefined)
    throw new SymbolonError(
      'KEY_UNSUPPORTED_TYPE',
      `the issuer's ${issuer instanceof KeyObject ? '' : issuer.publicKey.algorithm + ' '}key cannot be used`,
    );
  return verifySignature(algorithm, key, certificate.tbs, certificate.signature);
}
