import { DerNode, decodeNested, readInteger, Tag } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import type { IssuingDistributionPoint } from './crl-types.js';
import { decodeAuthorityKeyIdentifier } from '../extensions/decoding.js';
import { readGeneralNames, readNamedBitList } from '../extensions/decoding.js';
import { REASON_FLAGS } from '../extensions/decoding-locations.js';
import type { AuthorityKeyIdentifier, Extension } from '../extensions/types.js';
import type { GeneralName } from '../general-name.js';
import { decodeName } from '../name.js';
import type { NameAttribute } from '../name.js';
import { OID } from '../oids.js';
import { faultAt } from '../../asn1/index.js';

// The extensions of a CRL (RFC 5280 5.2), read by the one CRL reader (crl.ts).
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
    if (error instanceof SymbolonError && error.code !== 'CRL_BAD_EXTENSION')
      throw new SymbolonError('CRL_BAD_EXTENSION', `${name}: ${error.message}`, { cause: error });
    throw error;
  }
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
  if (node.isConstructed || node.content.length !== 1 || (node.content[0] !== 0x00 && node.content[0] !== 0xff))
    throw bad(node, 'a BOOLEAN is not 0x00 or 0xFF');
  return node.content[0] === 0xff;
}

function readDistributionPointName(node: DerNode): { fullName?: GeneralName[]; nameRelativeToCrlIssuer?: readonly NameAttribute[] } {
  if (node.children.length !== 1) throw bad(node, 'a DistributionPointName must hold exactly one choice');
  const choice = node.children[0]!;
  if (choice.tag === FULL_NAME) return { fullName: readGeneralNames('issuingDistributionPoint', choice, FULL_NAME) };
  if (choice.tag === NAME_RELATIVE_TO_CRL_ISSUER && choice.children.length > 0) {
    const rdn = choice.retag(Tag.SET);
    const [attributes] = decodeName(choice.retag(Tag.SEQUENCE, [rdn]));
    if (attributes !== undefined) return { nameRelativeToCrlIssuer: attributes };
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
  if (Number(idp.onlyContainsUserCerts) + Number(idp.onlyContainsCaCerts) + Number(idp.onlyContainsAttributeCerts) > 1)
    throw bad(node, 'more than one onlyContains flag is set');
  if (node.children.length === 0) throw bad(node, 'issuingDistributionPoint is empty');
  return idp;
}

export interface CrlExtensionViews {
  crlNumber: bigint | undefined;
  authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
  issuingDistributionPoint: IssuingDistributionPoint | undefined;
  deltaCrlIndicator: bigint | undefined;
}

export function readCrlExtensionViews(extensions: readonly Extension[], node: DerNode): CrlExtensionViews {
  const views: CrlExtensionViews = {
    crlNumber: undefined,
    authorityKeyIdentifier: undefined,
    issuingDistributionPoint: undefined,
    deltaCrlIndicator: undefined,
  };
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
        views.authorityKeyIdentifier = inExtension('authorityKeyIdentifier', () =>
          decodeAuthorityKeyIdentifier(extension.value, node.offset),
        );
        break;
      case OID.issuingDistributionPoint:
        views.issuingDistributionPoint = inExtension('issuingDistributionPoint', () =>
          readIssuingDistributionPoint(valueNode(extension, node)),
        );
        break;
    }
  }
  return views;
}
