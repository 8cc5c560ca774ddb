import { createHash, KeyObject } from 'node:crypto';
import { DerNode, decodeDer, decodeNested, readBitString, readBoolean, readInteger, readIntegerBytes, readOid, readSmallInteger, readTime, Tag } from '../asn1/index.js';
import { Asn1Error, SymbolonError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { CertificateList, IssuingDistributionPoint, RevocationReason, RevokedCertificate } from './crl-types.js';
import { CRL_REASONS } from './crl-types.js';
import { deepFreeze } from './deep-freeze.js';
import { decodeAuthorityKeyIdentifier } from './extensions/decoding.js';
import { readGeneralNames, readNamedBitList } from './extensions/decoding.js';
import { REASON_FLAGS } from './extensions/decoding-locations.js';
import type { AuthorityKeyIdentifier, Extension } from './extensions/types.js';
import type { GeneralName } from './general-name.js';
import { decodeName } from './name.js';
import type { NameAttribute } from './name.js';
import { OID } from './oids.js';
import { faultAt, withCode } from './parse-errors.js';
import { isPem, parsePem } from './pem.js';
import { formatSerialNumber } from './serial-number.js';
import { readSignatureAlgorithmField } from './signature-algorithm-field.js';
import { verifySignature } from './signature-algorithm.js';

/** Largest DER CRL accepted: about 700,000 entries, far more than any CA here revokes. */
export const MAX_CRL_BYTES = 32 * 1024 * 1024;

const EXTENSIONS = 0xa0;
// IssuingDistributionPoint fields (RFC 5280 5.2.5, IMPLICIT tags; [0] is explicit as a CHOICE).
const IDP_DISTRIBUTION_POINT = 0xa0;
const IDP_USER_CERTS = 0x81;
const IDP_CA_CERTS = 0x82;
const IDP_SOME_REASONS = 0x83;
const IDP_INDIRECT = 0x84;
const IDP_ATTRIBUTE_CERTS = 0x85;
const FULL_NAME = 0xa0;
const NAME_RELATIVE_TO_CRL_ISSUER = 0xa1;

function bad(node: DerNode, detail: string): SymbolonError {
  return faultAt('CRL_BAD_EXTENSION', node, detail);
}

/** Runs an extension decoder and reports any fault in it as CRL_BAD_EXTENSION. */
function inExtension<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SymbolonError && error.code !== 'CRL_BAD_EXTENSION') throw new SymbolonError('CRL_BAD_EXTENSION', `${name}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** RFC 5280 5.1: Extensions, each OID at most once; the values stay raw here. */
function readExtensions(node: DerNode, malformed: ErrorCode): Extension[] {
  if (node.tag !== Tag.SEQUENCE || node.children.length === 0) throw faultAt(malformed, node, 'Extensions is not a non-empty SEQUENCE');
  const seen = new Set<string>();
  return node.children.map((child) => {
    if (child.tag !== Tag.SEQUENCE || child.children.length < 2 || child.children.length > 3) throw faultAt(malformed, child, 'an Extension is not a SEQUENCE of extnID, critical and extnValue');
    const oid = readOid(child.children[0]!);
    const critical = child.children.length === 3 && readBoolean(child.children[1]!);
    const value = child.children[child.children.length - 1]!;
    if (value.tag !== Tag.OCTET_STRING) throw faultAt(malformed, value, 'an extnValue is not an OCTET STRING');
    // RFC 5280 5.2 and 5.3 (by 4.2): an extension appears at most once.
    if (seen.has(oid)) throw new SymbolonError('CRL_DUPLICATE_EXTENSION', `extension ${oid} appears more than once (at byte ${child.offset})`);
    seen.add(oid);
    return { oid, critical, value: value.content };
  });
}

function valueNode(extension: Extension, node: DerNode): DerNode {
  // The value's offset in the input is not kept in Extension; report the extension's own.
  return inExtension(extension.oid, () => decodeNested(extension.value, node.offset));
}

/** 5.2.3 cRLNumber and 5.2.4 BaseCRLNumber: INTEGER (0..MAX), at most 20 octets. */
function readCrlNumber(name: string, node: DerNode): bigint {
  const value = inExtension(name, () => readInteger(node));
  if (value < 0n || node.content.length > 20) throw bad(node, `${name} must be a non-negative INTEGER of at most 20 octets`);
  return value;
}

/** An implicitly tagged BOOLEAN with DEFAULT FALSE. */
function readTaggedBoolean(node: DerNode): boolean {
  if (node.isConstructed || node.content.length !== 1 || (node.content[0] !== 0x00 && node.content[0] !== 0xff)) throw bad(node, 'a BOOLEAN is not 0x00 or 0xFF');
  return node.content[0] === 0xff;
}

function readDistributionPointName(node: DerNode): { fullName?: GeneralName[]; nameRelativeToCrlIssuer?: readonly NameAttribute[] } {
  if (node.children.length !== 1) throw bad(node, 'a DistributionPointName must hold exactly one choice');
  const choice = node.children[0]!;
  if (choice.tag === FULL_NAME) return { fullName: readGeneralNames('issuingDistributionPoint', choice, FULL_NAME) };
  if (choice.tag === NAME_RELATIVE_TO_CRL_ISSUER && choice.children.length > 0) {
    const rdn = choice.retag(Tag.SET);
    const [attributes] = decodeName(choice.retag(Tag.SEQUENCE, [rdn]));
    return { nameRelativeToCrlIssuer: attributes! };
  }
  throw bad(choice, 'DistributionPointName is neither fullName nor a non-empty nameRelativeToCRLIssuer');
}

/** RFC 5280 5.2.5 issuingDistributionPoint, read strictly. */
function readIssuingDistributionPoint(node: DerNode): IssuingDistributionPoint {
  if (node.tag !== Tag.SEQUENCE) throw bad(node, 'issuingDistributionPoint is not a SEQUENCE');
  const order = [IDP_DISTRIBUTION_POINT, IDP_USER_CERTS, IDP_CA_CERTS, IDP_SOME_REASONS, IDP_INDIRECT, IDP_ATTRIBUTE_CERTS];
  const found = new Map<number, DerNode>();
  let next = 0;
  for (const child of node.children) {
    const index = order.indexOf(child.tag, next);
    if (index < 0) throw bad(child, `a field with tag 0x${child.tag.toString(16)} is out of place or repeated`);
    found.set(child.tag, child);
    next = index + 1;
  }
  const point = found.get(IDP_DISTRIBUTION_POINT);
  const name = point === undefined ? {} : readDistributionPointName(point);
  const flag = (tag: number): boolean => {
    const child = found.get(tag);
    return child !== undefined && readTaggedBoolean(child);
  };
  const reasonsNode = found.get(IDP_SOME_REASONS);
  const onlySomeReasons =
    reasonsNode === undefined
      ? undefined
      : readNamedBitList('issuingDistributionPoint', reasonsNode, IDP_SOME_REASONS).map((bit) => {
          const reason = REASON_FLAGS[bit];
          if (reason === undefined) throw bad(reasonsNode, `bit ${bit} is not a defined revocation reason`);
          return reason;
        });
  const idp: IssuingDistributionPoint = {
    fullName: name.fullName,
    nameRelativeToCrlIssuer: name.nameRelativeToCrlIssuer,
    onlyContainsUserCerts: flag(IDP_USER_CERTS),
    onlyContainsCaCerts: flag(IDP_CA_CERTS),
    onlySomeReasons,
    indirectCrl: flag(IDP_INDIRECT),
    onlyContainsAttributeCerts: flag(IDP_ATTRIBUTE_CERTS),
  };
  // RFC 5280 5.2.5: at most one of the three "only contains" flags is TRUE, and the extension is never empty.
  if (Number(idp.onlyContainsUserCerts) + Number(idp.onlyContainsCaCerts) + Number(idp.onlyContainsAttributeCerts) > 1) throw bad(node, 'more than one onlyContains flag is set');
  if (node.children.length === 0) throw bad(node, 'issuingDistributionPoint is empty');
  return idp;
}

interface CrlExtensionViews {
  crlNumber: bigint | undefined;
  authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
  issuingDistributionPoint: IssuingDistributionPoint | undefined;
  deltaCrlIndicator: bigint | undefined;
}

function readCrlExtensionViews(extensions: readonly Extension[], node: DerNode): CrlExtensionViews {
  const views: CrlExtensionViews = { crlNumber: undefined, authorityKeyIdentifier: undefined, issuingDistributionPoint: undefined, deltaCrlIndicator: undefined };
  for (const extension of extensions) {
    switch (extension.oid) {
      case OID.crlNumber:
        views.crlNumber = readCrlNumber('cRLNumber', valueNode(extension, node));
        break;
      case OID.deltaCrlIndicator:
        // RFC 5280 5.2.4: deltaCRLIndicator is always critical.
        if (!extension.critical) throw bad(node, 'deltaCRLIndicator must be critical');
        views.deltaCrlIndicator = readCrlNumber('deltaCRLIndicator', valueNode(extension, node));
        break;
      case OID.authorityKeyIdentifier:
        views.authorityKeyIdentifier = inExtension('authorityKeyIdentifier', () => decodeAuthorityKeyIdentifier(extension.value, node.offset));
        break;
      case OID.issuingDistributionPoint:
        views.issuingDistributionPoint = inExtension('issuingDistributionPoint', () => readIssuingDistributionPoint(valueNode(extension, node)));
        break;
    }
  }
  return views;
}

function readEntry(entry: DerNode, version: 1 | 2): RevokedCertificate {
  if (entry.tag !== Tag.SEQUENCE || entry.children.length < 2 || entry.children.length > 3) throw faultAt('CRL_MALFORMED', entry, 'a revoked certificate entry is not a SEQUENCE of serial, date and extensions');
  const serialNumberBytes = readIntegerBytes(entry.children[0]!);
  const revocationDate = readTime(entry.children[1]!);
  const extensionsNode = entry.children[2];
  let extensions: Extension[] = [];
  let reason: RevocationReason | undefined;
  let invalidityDate: Date | undefined;
  let certificateIssuer: GeneralName[] | undefined;
  if (extensionsNode !== undefined) {
    // RFC 5280 5.1.2.1: entry extensions only in v2 CRLs.
    if (version !== 2) throw faultAt('CRL_MALFORMED', extensionsNode, 'a v1 CRL entry carries extensions');
    extensions = readExtensions(extensionsNode, 'CRL_MALFORMED');
    for (const extension of extensions) {
      if (extension.oid === OID.crlReason) {
        const node = valueNode(extension, extensionsNode);
        const code = inExtension('reasonCode', () => readSmallInteger(node, Tag.ENUMERATED));
        const named = CRL_REASONS[code];
        if (named === undefined) throw bad(node, `reasonCode ${code} is not a CRLReason`);
        reason = named;
      } else if (extension.oid === OID.invalidityDate) {
        const node = valueNode(extension, extensionsNode);
        // RFC 5280 5.3.2: invalidityDate is a GeneralizedTime.
        if (node.tag !== Tag.GENERALIZED_TIME) throw bad(node, 'invalidityDate is not a GeneralizedTime');
        invalidityDate = inExtension('invalidityDate', () => readTime(node));
      } else if (extension.oid === OID.certificateIssuer) {
        certificateIssuer = inExtension('certificateIssuer', () => readGeneralNames('certificateIssuer', valueNode(extension, extensionsNode)));
      }
    }
  }
  return { serialNumber: formatSerialNumber(serialNumberBytes), serialNumberBytes, revocationDate, reason, invalidityDate, certificateIssuer, extensions };
}

function readCrl(root: DerNode, der: Buffer): CertificateList {
  if (root.tag !== Tag.SEQUENCE || root.children.length !== 3) throw faultAt('CRL_MALFORMED', root, 'a CertificateList is a SEQUENCE of tbsCertList, signatureAlgorithm and signature');
  const [tbs, outerAlgorithm, signatureNode] = root.children as [DerNode, DerNode, DerNode];
  if (tbs.tag !== Tag.SEQUENCE) throw faultAt('CRL_MALFORMED', tbs, 'tbsCertList is not a SEQUENCE');
  const fields = tbs.children;
  let at = 0;
  let version: 1 | 2 = 1;
  // RFC 5280 5.1.2.1: version is absent (v1) or v2 (INTEGER 1).
  if (fields[0]?.tag === Tag.INTEGER) {
    const value = readSmallInteger(fields[at++]!);
    if (value !== 1) throw new SymbolonError('CRL_UNSUPPORTED_VERSION', `CRL version ${value} is not v2 (at byte ${fields[0].offset})`);
    version = 2;
  }
  const field = (what: string): DerNode => {
    const node = fields[at++];
    if (node === undefined) throw faultAt('CRL_MALFORMED', tbs, `tbsCertList ends before its ${what}`);
    return node;
  };
  const innerAlgorithm = field('signature');
  // RFC 5280 5.1.1.2: signatureAlgorithm MUST be the same as tbsCertList's signature field.
  if (!innerAlgorithm.bytes.equals(outerAlgorithm.bytes)) throw faultAt('CRL_MALFORMED', innerAlgorithm, 'the signature algorithm inside tbsCertList differs from the outer one');
  const { algorithm, oid } = readSignatureAlgorithmField(outerAlgorithm, 'CRL_MALFORMED');
  const issuerNode = field('issuer');
  const issuer = withCode('CRL_MALFORMED', () => decodeName(issuerNode));
  // RFC 5280 5.1.2.3: the issuer is a non-empty name.
  if (issuer.length === 0) throw faultAt('CRL_MALFORMED', issuerNode, 'the CRL issuer name is empty');
  const thisUpdate = readTime(field('thisUpdate'));
  let nextUpdate: Date | undefined;
  if (fields[at]?.tag === Tag.UTC_TIME || fields[at]?.tag === Tag.GENERALIZED_TIME) nextUpdate = readTime(fields[at++]!);
  let revokedCertificates: RevokedCertificate[] = [];
  if (fields[at]?.tag === Tag.SEQUENCE) {
    // RFC 5280 5.1.2.6 says an empty list is left out; an empty SEQUENCE is harmless and accepted.
    revokedCertificates = fields[at++]!.children.map((entry) => readEntry(entry, version));
  }
  let extensions: Extension[] = [];
  if (fields[at]?.tag === EXTENSIONS) {
    const wrapper = fields[at++]!;
    // RFC 5280 5.1.2.7: crlExtensions only in v2.
    if (version !== 2) throw faultAt('CRL_MALFORMED', wrapper, 'a v1 CRL carries extensions');
    if (wrapper.children.length !== 1) throw faultAt('CRL_MALFORMED', wrapper, 'crlExtensions must hold one SEQUENCE');
    extensions = readExtensions(wrapper.children[0]!, 'CRL_MALFORMED');
  }
  if (at !== fields.length) throw faultAt('CRL_MALFORMED', fields[at]!, 'tbsCertList has a field out of place or unknown');
  const views = readCrlExtensionViews(extensions, tbs);
  const signature = readBitString(signatureNode);
  if (signature.unusedBits !== 0) throw faultAt('CRL_MALFORMED', signatureNode, 'the signature BIT STRING has unused bits');
  return {
    der,
    tbs: tbs.bytes,
    version,
    signatureAlgorithm: algorithm,
    signatureAlgorithmOid: oid,
    signature: signature.bytes,
    issuer,
    issuerDer: issuerNode.bytes,
    thisUpdate,
    nextUpdate,
    revokedCertificates,
    extensions,
    ...views,
    fingerprintSha256: createHash('sha256').update(der).digest('hex'),
  };
}

/**
 * Parses one DER CRL strictly (RFC 5280 5.1). Throws Asn1Error (ASN1_*) when the bytes are not one
 * well-framed DER element of at most MAX_CRL_BYTES; within the DER, CRL_MALFORMED,
 * CRL_UNSUPPORTED_VERSION, CRL_BAD_EXTENSION or CRL_DUPLICATE_EXTENSION. Unknown extensions,
 * critical or not, are kept raw: refusing a critical one is the user's job (path validation).
 */
export function parseCrl(input: Uint8Array): CertificateList {
  if (input.length > MAX_CRL_BYTES) throw new Asn1Error('ASN1_TOO_LARGE', 0, `a CRL of ${input.length} bytes is over the limit of ${MAX_CRL_BYTES}`);
  const der = Buffer.from(input);
  const root = decodeDer(der, { maxBytes: MAX_CRL_BYTES });
  return deepFreeze(withCode('CRL_MALFORMED', () => readCrl(root, der)));
}

/** Every CRL in a PEM text (`X509 CRL` blocks), or the one CRL of DER input. */
export function parseCrls(input: Uint8Array | string): CertificateList[] {
  if (typeof input === 'string') return parsePem(input, 'X509 CRL').map(parseCrl);
  if (isPem(input)) return parsePem(Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1'), 'X509 CRL').map(parseCrl);
  return [parseCrl(input)];
}

/**
 * Does `issuer` (a public key, or a certificate) verify the CRL's signature? False for a signature
 * that does not verify or a key that does not fit; throws SIG_UNSUPPORTED_ALGORITHM for an
 * algorithm Symbolon does not run and KEY_UNSUPPORTED_TYPE for a key it cannot load.
 */
export function verifyCrlSignature(crl: CertificateList, issuer: KeyObject | { readonly publicKey: { readonly keyObject: KeyObject | undefined } }): boolean {
  const algorithm = crl.signatureAlgorithm;
  if (algorithm === undefined) throw new SymbolonError('SIG_UNSUPPORTED_ALGORITHM', `signature algorithm ${crl.signatureAlgorithmOid} is not supported`);
  const key = issuer instanceof KeyObject ? issuer : issuer.publicKey.keyObject;
  if (key === undefined) throw new SymbolonError('KEY_UNSUPPORTED_TYPE', "the issuer's key cannot be used");
  return verifySignature(algorithm, key, crl.tbs, crl.signature);
}
