import { decodeDer, readBitString, readOid, readSmallInteger, readString, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import { Asn1Error, SymbolonError } from '../../errors.js';
import { verifySignature } from '../../signatures/index.js';
import type { SignatureAlgorithm } from '../../signatures/index.js';
import { deepFreeze } from '../deep-freeze.js';
import { decodeExtensions, noExtensionViews } from '../extensions/extension-set.js';
import type { ExtensionViews } from '../extensions/extension-set.js';
import type { Extension } from '../extensions/types.js';
import { decodeName } from '../name.js';
import type { DistinguishedName } from '../name.js';
import { OID } from '../oids.js';
import { faultAt, withCode } from '../../asn1/index.js';
import { isPem, parsePemBlocks } from '../../asn1/index.js';
import { readSignatureAlgorithmField } from '../../signatures/index.js';
import { parsePublicKeyInfo } from '../../signatures/index.js';
import type { PublicKeyInfo } from '../../signatures/index.js';

/** Largest DER CSR accepted. */
export const MAX_CSR_BYTES = 64 * 1024;
/** Largest PEM text accepted for one CSR. */
const MAX_CSR_TEXT_BYTES = 4 * MAX_CSR_BYTES;
/** PEM labels of a CSR: RFC 7468 7, and the older one Netscape and Microsoft tools still write. */
const CSR_LABELS: readonly string[] = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'];

/** One attribute of the request (RFC 2986 4.1): its type and the DER of each value. */
export interface CsrAttribute {
  readonly oid: string;
  readonly values: readonly Buffer[];
}

/**
 * A PKCS#10 certificate request (RFC 2986), parsed and deeply frozen. The extension views read
 * the extensions it requests (PKCS#9 extensionRequest); byte fields are read-only views.
 */
export interface Csr extends ExtensionViews {
  readonly der: Buffer;
  /** The DER of certificationRequestInfo: what the requester signed. */
  readonly certificationRequestInfo: Buffer;
  /** v1, the only version (encoded as 0). */
  readonly version: 1;
  readonly subject: DistinguishedName;
  readonly subjectDer: Buffer;
  /** The DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
  readonly publicKey: PublicKeyInfo;
  /** Undefined when the algorithm is not one Symbolon verifies. */
  readonly signatureAlgorithm: SignatureAlgorithm | undefined;
  readonly signatureAlgorithmOid: string;
  readonly signature: Buffer;
  readonly attributes: readonly CsrAttribute[];
  /** The requested extensions, raw. */
  readonly extensions: readonly Extension[];
  /** PKCS#9 challengePassword (RFC 2985 5.4.1), when present. */
  readonly challengePassword: string | undefined;
}

export interface CsrParseOptions {
  /** Check that the CSR is signed by the key it carries; on by default. */
  readonly checkSignature?: boolean;
}

type Fields = Omit<Csr, keyof ExtensionViews>;

/** The single value of a single-valued PKCS#9 attribute (RFC 2985 5.4). */
function onlyValue(attribute: CsrAttribute, node: DerNode): DerNode {
  const values = node.children[1]!.children;
  if (values.length !== 1) throw faultAt('CSR_MALFORMED', node, `attribute ${attribute.oid} must have exactly one value`);
  return values[0]!;
}

function readAttributes(node: DerNode): {
  attributes: CsrAttribute[];
  extensionsNode: DerNode | undefined;
  challengePassword: string | undefined;
} {
  const attributes: CsrAttribute[] = [];
  let extensionsNode: DerNode | undefined;
  let challengePassword: string | undefined;
  for (const child of node.children) {
    // Attribute ::= SEQUENCE { type OBJECT IDENTIFIER, values SET SIZE(1..MAX) OF ANY } (RFC 2986 4.1)
    if (
      child.tag !== Tag.SEQUENCE ||
      child.children.length !== 2 ||
      child.children[1]!.tag !== Tag.SET ||
      child.children[1]!.children.length === 0
    ) {
      throw faultAt('CSR_MALFORMED', child, 'an attribute is not a SEQUENCE of a type and a non-empty SET of values');
    }
    const attribute: CsrAttribute = { oid: readOid(child.children[0]!), values: child.children[1]!.children.map((value) => value.bytes) };
    if (attributes.some((other) => other.oid === attribute.oid))
      throw faultAt('CSR_MALFORMED', child, `attribute ${attribute.oid} appears more than once`);
    attributes.push(attribute);
    if (attribute.oid === OID.extensionRequest) extensionsNode = onlyValue(attribute, child);
    if (attribute.oid === OID.challengePassword) challengePassword = readString(onlyValue(attribute, child));
  }
  return { attributes, extensionsNode, challengePassword };
}

function readCsr(root: DerNode, der: Buffer): Csr {
  if (root.tag !== Tag.SEQUENCE || root.children.length !== 3) {
    throw faultAt(
      'CSR_MALFORMED',
      root,
      'a CertificationRequest is a SEQUENCE of certificationRequestInfo, signatureAlgorithm and signature',
    );
  }
  const [info, algorithmNode, signatureNode] = root.children as [DerNode, DerNode, DerNode];
  // CertificationRequestInfo ::= SEQUENCE { version, subject, subjectPKInfo, attributes [0] IMPLICIT }
  if (info.tag !== Tag.SEQUENCE || info.children.length !== 4) {
    throw faultAt('CSR_MALFORMED', info, 'certificationRequestInfo is not a SEQUENCE of version, subject, subjectPKInfo and attributes');
  }
  const [versionNode, subjectNode, spkiNode, attributesNode] = info.children as [DerNode, DerNode, DerNode, DerNode];
  const version = readSmallInteger(versionNode);
  if (version !== 0) throw new SymbolonError('CSR_UNSUPPORTED_VERSION', `CSR version ${version} is not 0 (at byte ${versionNode.offset})`);
  const subject = withCode('CERT_BAD_NAME', () => decodeName(subjectNode));
  const publicKey = parsePublicKeyInfo(spkiNode, 'CSR_MALFORMED');
  if (attributesNode.tag !== 0xa0) throw faultAt('CSR_MALFORMED', attributesNode, 'the attributes field [0] is missing');
  const { attributes, extensionsNode, challengePassword } = readAttributes(attributesNode);
  const decoded =
    extensionsNode === undefined ? { extensions: [], views: noExtensionViews() } : decodeExtensions(extensionsNode, 'CSR_MALFORMED');
  const { algorithm, oid } = readSignatureAlgorithmField(algorithmNode, 'CSR_MALFORMED');
  const signature = readBitString(signatureNode);
  if (signature.unusedBits !== 0) throw faultAt('CSR_MALFORMED', signatureNode, 'the signature BIT STRING has unused bits');
  const parsed: Fields = {
    der,
    certificationRequestInfo: info.bytes,
    version: 1,
    subject,
    subjectDer: subjectNode.bytes,
    spki: spkiNode.bytes,
    publicKey,
    signatureAlgorithm: algorithm,
    signatureAlgorithmOid: oid,
    signature: signature.bytes,
    attributes,
    extensions: decoded.extensions,
    challengePassword,
  };
  return { ...decoded.views, ...parsed };
}

function csrDer(input: Uint8Array | string): Uint8Array {
  if (typeof input !== 'string' && !isPem(input)) return input;
  if (input.length > MAX_CSR_TEXT_BYTES)
    throw new SymbolonError('INPUT_TOO_LARGE', `a CSR text of ${input.length} bytes is over the limit of ${MAX_CSR_TEXT_BYTES}`);
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  const blocks = parsePemBlocks(text).filter((block) => CSR_LABELS.includes(block.label));
  if (blocks.length === 0) throw new SymbolonError('PEM_NOT_FOUND', 'no "-----BEGIN CERTIFICATE REQUEST-----" block was found');
  if (blocks.length > 1) throw new SymbolonError('CSR_MALFORMED', `the input holds ${blocks.length} CSRs, not one`);
  return blocks[0]!.der;
}

/**
 * Throws CSR_SIGNATURE_INVALID unless the CSR is signed by the key it carries (RFC 2986 3);
 * SIG_UNSUPPORTED_ALGORITHM or KEY_UNSUPPORTED_TYPE when Symbolon cannot run the check.
 */
export function verifyCsr(csr: Csr): void {
  if (csr.signatureAlgorithm === undefined)
    throw new SymbolonError('SIG_UNSUPPORTED_ALGORITHM', `signature algorithm ${csr.signatureAlgorithmOid} is not supported`);
  if (csr.publicKey.keyObject === undefined)
    throw new SymbolonError('KEY_UNSUPPORTED_TYPE', `a ${csr.publicKey.algorithm} key cannot be used`);
  if (!verifySignature(csr.signatureAlgorithm, csr.publicKey.keyObject, csr.certificationRequestInfo, csr.signature)) {
    throw new SymbolonError('CSR_SIGNATURE_INVALID');
  }
}

/**
 * Parses a PKCS#10 CSR from PEM (CERTIFICATE REQUEST or NEW CERTIFICATE REQUEST) or DER, and by
 * default checks its signature. Throws PEM_* and Asn1Error (ASN1_*) for input that is not one
 * well-framed CSR of at most MAX_CSR_BYTES; CSR_MALFORMED, CSR_UNSUPPORTED_VERSION,
 * CERT_BAD_NAME, CERT_BAD_EXTENSION or CERT_DUPLICATE_EXTENSION for its content; then the
 * errors of `verifyCsr`.
 */
export function parseCsr(input: Uint8Array | string, options: CsrParseOptions = {}): Csr {
  const bytes = csrDer(input);
  if (bytes.length > MAX_CSR_BYTES)
    throw new Asn1Error('ASN1_TOO_LARGE', 0, `a CSR of ${bytes.length} bytes is over the limit of ${MAX_CSR_BYTES}`);
  const der = Buffer.from(bytes);
  const root = decodeDer(der, { maxBytes: MAX_CSR_BYTES });
  const csr = deepFreeze(withCode('CSR_MALFORMED', () => readCsr(root, der)));
  if (options.checkSignature ?? true) verifyCsr(csr);
  return csr;
}
