import { DerNode, decodeNested, encodeOidContent, readBitString, readHeader, readSmallInteger, readTime, Tag } from '../asn1/index.js';
import { Asn1Error, SymbolonError } from '../errors.js';
import { readCrlExtensionViews } from './crl-extensions.js';
import { readRawExtensions } from './extensions/raw-extensions.js';
import type { CrlExtensionViews } from './crl-extensions.js';
import { crlEntryKey } from './crl-types.js';
import { CRL_REASONS } from '../revocation-reason.js';
import type { CrlEntries } from './crl-types.js';
import { readGeneralNames } from './extensions/decoding.js';
import type { Extension } from './extensions/types.js';
import type { GeneralName } from './general-name.js';
import { decodeName } from './name.js';
import type { DistinguishedName } from './name.js';
import { OID } from './oids.js';
import { withCode } from '../asn1/index.js';
import { formatSerialNumber } from './serial-number.js';
import { readSignatureAlgorithmField } from '../signatures/index.js';
import type { SignatureAlgorithm } from '../signatures/index.js';

/**
 * Largest DER CRL the revoked-serial reader takes: room for about 5,000,000 entries. It keeps
 * one string per entry and no tree, so it can afford eight times the full parser's cap.
 */
export const MAX_REVOKED_SET_CRL_BYTES = 256 * 1024 * 1024;

/** CRL extensions the reader processes; RFC 5280 5.2 forbids using a CRL with any other critical one. */
const KNOWN_CRL_EXTENSIONS = new Set<string>([OID.crlNumber, OID.deltaCrlIndicator, OID.authorityKeyIdentifier, OID.issuingDistributionPoint, OID.freshestCrl, OID.issuerAltName, OID.authorityInfoAccess]);
const EXTENSIONS = 0xa0;
const REASON_OID = encodeOidContent(OID.crlReason);
const CERTIFICATE_ISSUER_OID = encodeOidContent(OID.certificateIssuer);
const REMOVE_FROM_CRL = CRL_REASONS.indexOf('removeFromCRL');

export interface ReadRevokedSerialsOptions {
  /** Largest input accepted, in bytes; MAX_REVOKED_SET_CRL_BYTES when left out. */
  readonly maxBytes?: number;
}

/**
 * What a gateway needs from a CRL: the revoked serials indexed and the fields to check the CRL
 * with (the one revocation check, src/path/revocation.ts, takes this as it takes a CertificateList). Byte fields are views into the caller's input; `verifyCrlSignature` takes this object.
 */
export interface RevokedSerials extends CrlExtensionViews {
  readonly version: 1 | 2;
  /** The DER of tbsCertList: what the issuer signed. */
  readonly tbs: Buffer;
  /** Undefined when the algorithm is not one Symbolon verifies. */
  readonly signatureAlgorithm: SignatureAlgorithm | undefined;
  readonly signatureAlgorithmOid: string;
  readonly signature: Buffer;
  readonly issuer: DistinguishedName;
  readonly issuerDer: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** Every crlExtension as it stands, including the decoded ones. */
  readonly extensions: readonly Extension[];
  /** The revoked certificates, serials as `formatSerialNumber` writes them (as Certificate.serialNumber), with their reason codes. */
  readonly entries: CrlEntries;
}

function malformed(at: number, detail: string): SymbolonError {
  return new SymbolonError('CRL_MALFORMED', `${detail} (at byte ${at})`);
}

/** The element at `at` as a small node tree: for the few fields outside the entry list. */
function nodeAt(der: Buffer, at: number, headerLength: number, length: number): DerNode {
  return decodeNested(der.subarray(at, at + headerLength + length), at);
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

function twoDigits(der: Buffer, at: number): number {
  return (der[at]! - 0x30) * 10 + (der[at + 1]! - 0x30);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A revocationDate checked without allocating: the DER forms RFC 5280 4.1.2.5 prescribes
 * (YYMMDDHHMMSSZ, YYYYMMDDHHMMSSZ). Anything else (a fraction, say) goes to the full readTime.
 */
function checkRevocationDate(der: Buffer, at: number, tag: number, headerLength: number, length: number): void {
  const start = at + headerLength;
  const digits = tag === Tag.UTC_TIME ? 12 : 14;
  if ((tag !== Tag.UTC_TIME && tag !== Tag.GENERALIZED_TIME) || length !== digits + 1 || der[start + digits] !== 0x5a) {
    readTime(nodeAt(der, at, headerLength, length));
    return;
  }
  for (let i = 0; i < digits; i++) if (!isDigit(der[start + i]!)) throw new Asn1Error('ASN1_BAD_VALUE', at, 'a revocationDate has a non-digit');
  const year = tag === Tag.UTC_TIME ? twoDigits(der, start) : twoDigits(der, start) * 100 + twoDigits(der, start + 2);
  const rest = start + digits - 10;
  const month = twoDigits(der, rest);
  const day = twoDigits(der, rest + 2);
  // A UTCTime year is 1950-2049 (RFC 5280 4.1.2.5.1), where every fourth year is a leap year.
  const isLeap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0 || tag === Tag.UTC_TIME);
  const monthDays = month === 2 && !isLeap ? 28 : DAYS_IN_MONTH[month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays || twoDigits(der, rest + 4) > 23 || twoDigits(der, rest + 6) > 59 || twoDigits(der, rest + 8) > 59) {
    throw new Asn1Error('ASN1_BAD_VALUE', at, 'a revocationDate names a date or hour that does not exist');
  }
}

function equalsAt(der: Buffer, at: number, length: number, expected: Buffer): boolean {
  return length === expected.length && der.compare(expected, 0, expected.length, at, at + length) === 0;
}

/**
 * RFC 5280 5.3: one entry's crlEntryExtensions, walked without a tree. Returns the reasonCode
 * when there is one, and the names of a certificateIssuer (an indirect CRL's entry for another
 * issuer, 5.3.3). Any other critical entry extension is refused (5.3: such a CRL is not used).
 */
function readEntryExtensions(der: Buffer, at: number, end: number): { reason: number | undefined; certificateIssuer: GeneralName[] | undefined } {
  let reason: number | undefined;
  let certificateIssuer: GeneralName[] | undefined;
  if (at === end) throw malformed(at, 'crlEntryExtensions is empty');
  while (at < end) {
    const ext = readHeader(der, at, end);
    if (ext.tag !== Tag.SEQUENCE) throw malformed(at, 'an entry Extension is not a SEQUENCE');
    const extEnd = at + ext.headerLength + ext.length;
    let cursor = at + ext.headerLength;
    const id = readHeader(der, cursor, extEnd);
    if (id.tag !== Tag.OID || id.length === 0) throw malformed(cursor, 'an entry Extension does not start with its extnID');
    const idAt = cursor + id.headerLength;
    cursor = idAt + id.length;
    let critical = false;
    let field = readHeader(der, cursor, extEnd);
    if (field.tag === Tag.BOOLEAN) {
      const value = der[cursor + 2];
      // X.690 11.1: a DER BOOLEAN is 0x00 or 0xFF (an explicit FALSE is tolerated, as parseCrl does).
      if (field.length !== 1 || (value !== 0xff && value !== 0x00)) throw malformed(cursor, 'an entry Extension critical flag is not a DER BOOLEAN');
      critical = value === 0xff;
      cursor += 3;
      field = readHeader(der, cursor, extEnd);
    }
    if (field.tag !== Tag.OCTET_STRING || cursor + field.headerLength + field.length !== extEnd) throw malformed(cursor, 'an entry Extension does not end with one extnValue OCTET STRING');
    const valueAt = cursor + field.headerLength;
    if (equalsAt(der, idAt, id.length, REASON_OID)) {
      // RFC 5280 5.3.1: reasonCode ::= ENUMERATED, one octet for every defined value.
      if (reason !== undefined) throw new SymbolonError('CRL_DUPLICATE_EXTENSION', `reasonCode appears twice in one entry (at byte ${at})`);
      const code = der[valueAt + 2]!;
      if (field.length !== 3 || der[valueAt] !== Tag.ENUMERATED || der[valueAt + 1] !== 1 || CRL_REASONS[code] === undefined) {
        throw new SymbolonError('CRL_BAD_EXTENSION', `reasonCode is not a one-octet CRLReason (at byte ${valueAt})`);
      }
      reason = code;
    } else if (equalsAt(der, idAt, id.length, CERTIFICATE_ISSUER_OID)) {
      if (certificateIssuer !== undefined) throw new SymbolonError('CRL_DUPLICATE_EXTENSION', `certificateIssuer appears twice in one entry (at byte ${at})`);
      const node = decodeNested(der.subarray(valueAt, valueAt + field.length), valueAt);
      try {
        certificateIssuer = readGeneralNames('certificateIssuer', node);
      } catch (error) {
        throw new SymbolonError('CRL_BAD_EXTENSION', `certificateIssuer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    } else if (critical) {
      throw new SymbolonError('CRL_CRITICAL_EXTENSION_UNSUPPORTED', `an entry carries a critical extension the revoked-serial reader does not process (at byte ${at})`);
    }
    at = extEnd;
  }
  return { reason, certificateIssuer };
}

/** RFC 5280 5.1.2.6: revokedCertificates, each SEQUENCE { userCertificate, revocationDate, crlEntryExtensions OPTIONAL }. */
function readEntries(der: Buffer, at: number, end: number, version: 1 | 2, isDelta: boolean): CrlEntries {
  const byKey = new Map<string, number>();
  const certificateIssuers: GeneralName[][] = [];
  let size = 0;
  while (at < end) {
    const entry = readHeader(der, at, end);
    if (entry.tag !== Tag.SEQUENCE) throw malformed(at, 'a revoked certificate entry is not a SEQUENCE');
    const entryEnd = at + entry.headerLength + entry.length;
    let cursor = at + entry.headerLength;
    const serial = readHeader(der, cursor, entryEnd);
    const serialAt = cursor + serial.headerLength;
    if (serial.tag !== Tag.INTEGER || serial.length === 0) throw malformed(cursor, 'an entry does not start with its serial INTEGER');
    // X.690 8.3.2: the first nine bits of an INTEGER are never all zero or all one.
    if (serial.length > 1 && ((der[serialAt] === 0 && der[serialAt + 1]! < 0x80) || (der[serialAt] === 0xff && der[serialAt + 1]! >= 0x80))) {
      throw malformed(cursor, 'a serial INTEGER is not minimally encoded');
    }
    const hex =
      der[serialAt]! < 0x80
        ? der.toString('hex', der[serialAt] === 0 && serial.length > 1 ? serialAt + 1 : serialAt, serialAt + serial.length)
        : formatSerialNumber(der.subarray(serialAt, serialAt + serial.length));
    cursor = serialAt + serial.length;
    const date = readHeader(der, cursor, entryEnd);
    checkRevocationDate(der, cursor, date.tag, date.headerLength, date.length);
    cursor += date.headerLength + date.length;
    let reason = -1;
    if (cursor < entryEnd) {
      const extensions = readHeader(der, cursor, entryEnd);
      // RFC 5280 5.1.2.1: entry extensions only in v2 CRLs.
      if (version !== 2 || extensions.tag !== Tag.SEQUENCE || cursor + extensions.headerLength + extensions.length !== entryEnd) {
        throw malformed(cursor, 'an entry has a field after its date that is not v2 crlEntryExtensions');
      }
      const found = readEntryExtensions(der, cursor + extensions.headerLength, entryEnd);
      if (found.certificateIssuer !== undefined) certificateIssuers.push(found.certificateIssuer);
      reason = found.reason ?? -1;
    }
    // RFC 5280 5.3.1: removeFromCRL appears only in delta CRLs.
    if (reason === REMOVE_FROM_CRL && !isDelta) throw new SymbolonError('CRL_BAD_EXTENSION', `removeFromCRL in a CRL that is not a delta CRL (at byte ${at})`);
    byKey.set(crlEntryKey(certificateIssuers.length, hex), reason);
    size++;
    at = entryEnd;
  }
  return { byKey, certificateIssuers, size, unprocessedCriticalEntryExtension: undefined };
}

function readList(der: Buffer): RevokedSerials {
  const root = readHeader(der, 0, der.length);
  if (root.tag !== Tag.SEQUENCE) throw malformed(0, 'a CertificateList is not a SEQUENCE');
  if (root.headerLength + root.length !== der.length) throw new Asn1Error('ASN1_TRAILING_DATA', root.headerLength + root.length, `${der.length - root.headerLength - root.length} bytes follow the CRL`);
  const tbsAt = root.headerLength;
  const tbs = readHeader(der, tbsAt, der.length);
  if (tbs.tag !== Tag.SEQUENCE) throw malformed(tbsAt, 'tbsCertList is not a SEQUENCE');
  const tbsEnd = tbsAt + tbs.headerLength + tbs.length;
  let at = tbsAt + tbs.headerLength;
  const next = (what: string): { tag: number; headerLength: number; length: number; at: number } => {
    if (at >= tbsEnd) throw malformed(tbsAt, `tbsCertList ends before its ${what}`);
    const header = readHeader(der, at, tbsEnd);
    const field = { ...header, at };
    at += header.headerLength + header.length;
    return field;
  };
  const nodeOf = (field: { headerLength: number; length: number; at: number }): DerNode => nodeAt(der, field.at, field.headerLength, field.length);
  let field = next('version or signature');
  let version: 1 | 2 = 1;
  // RFC 5280 5.1.2.1: version is absent (v1) or v2 (INTEGER 1).
  if (field.tag === Tag.INTEGER) {
    const value = readSmallInteger(nodeOf(field));
    if (value !== 1) throw new SymbolonError('CRL_UNSUPPORTED_VERSION', `CRL version ${value} is not v2 (at byte ${field.at})`);
    version = 2;
    field = next('signature');
  }
  const algorithmHeader = readHeader(der, tbsEnd, der.length);
  const algorithmNode = nodeAt(der, tbsEnd, algorithmHeader.headerLength, algorithmHeader.length);
  // RFC 5280 5.1.1.2: signatureAlgorithm MUST be the same as tbsCertList's signature field.
  if (!der.subarray(field.at, field.at + field.headerLength + field.length).equals(algorithmNode.bytes)) throw malformed(field.at, 'the signature algorithm inside tbsCertList differs from the outer one');
  const { algorithm, oid } = readSignatureAlgorithmField(algorithmNode, 'CRL_MALFORMED');
  const issuerField = next('issuer');
  const issuerNode = nodeOf(issuerField);
  const issuer = decodeName(issuerNode);
  // RFC 5280 5.1.2.3: the issuer is a non-empty name.
  if (issuer.length === 0) throw malformed(issuerField.at, 'the CRL issuer name is empty');
  const thisUpdate = readTime(nodeOf(next('thisUpdate')));
  let nextUpdate: Date | undefined;
  let revoked: { at: number; headerLength: number; length: number } | undefined;
  let extensionsField: { at: number; headerLength: number; length: number } | undefined;
  let optional = at < tbsEnd ? next('') : undefined;
  if (optional !== undefined && (optional.tag === Tag.UTC_TIME || optional.tag === Tag.GENERALIZED_TIME)) {
    nextUpdate = readTime(nodeOf(optional));
    optional = at < tbsEnd ? next('') : undefined;
  }
  if (optional?.tag === Tag.SEQUENCE) {
    revoked = optional;
    optional = at < tbsEnd ? next('') : undefined;
  }
  if (optional?.tag === EXTENSIONS) {
    extensionsField = optional;
    optional = at < tbsEnd ? next('') : undefined;
  }
  if (optional !== undefined) throw malformed(optional.at, 'tbsCertList has a field out of place or unknown');

  let views: CrlExtensionViews = { crlNumber: undefined, authorityKeyIdentifier: undefined, issuingDistributionPoint: undefined, deltaCrlIndicator: undefined };
  let extensions: Extension[] = [];
  if (extensionsField !== undefined) {
    const wrapper = nodeOf(extensionsField);
    // RFC 5280 5.1.2.7: crlExtensions only in v2.
    if (version !== 2) throw malformed(wrapper.offset, 'a v1 CRL carries extensions');
    if (wrapper.children.length !== 1) throw malformed(wrapper.offset, 'crlExtensions must hold one SEQUENCE');
    extensions = readRawExtensions(wrapper.children[0]!, 'CRL_MALFORMED', 'CRL_DUPLICATE_EXTENSION');
    views = readCrlExtensionViews(extensions, wrapper);
    const unknown = extensions.find((extension) => extension.critical && !KNOWN_CRL_EXTENSIONS.has(extension.oid));
    if (unknown !== undefined) throw new SymbolonError('CRL_CRITICAL_EXTENSION_UNSUPPORTED', `the CRL carries critical extension ${unknown.oid}, which the revoked-serial reader does not process`);
  }
  const entries: CrlEntries =
    revoked === undefined
      ? { byKey: new Map(), certificateIssuers: [], size: 0, unprocessedCriticalEntryExtension: undefined }
      : readEntries(der, revoked.at + revoked.headerLength, revoked.at + revoked.headerLength + revoked.length, version, views.deltaCrlIndicator !== undefined);

  const signatureAt = tbsEnd + algorithmNode.byteLength;
  const signatureHeader = readHeader(der, signatureAt, der.length);
  const signatureNode = nodeAt(der, signatureAt, signatureHeader.headerLength, signatureHeader.length);
  if (signatureAt + signatureNode.byteLength !== der.length) throw malformed(signatureAt + signatureNode.byteLength, 'a CertificateList has a field after its signature');
  const signature = readBitString(signatureNode);
  if (signature.unusedBits !== 0) throw malformed(signatureAt, 'the signature BIT STRING has unused bits');
  return {
    version,
    tbs: der.subarray(tbsAt, tbsEnd),
    signatureAlgorithm: algorithm,
    signatureAlgorithmOid: oid,
    signature: signature.bytes,
    issuer,
    issuerDer: issuerNode.bytes,
    thisUpdate,
    nextUpdate,
    extensions,
    ...views,
    entries,
  };
}

/**
 * Reads a DER CRL (RFC 5280 5.1) into the set of its revoked serials without building a tree or
 * an object per entry: what a gateway does with a CRL of a million entries. Framing, lengths,
 * tags, each entry's shape and DER integers and times are checked as strictly as `parseCrl`
 * does; entry extensions other than reasonCode are checked for framing only. Does not check the
 * signature: pass the result to `verifyCrlSignature`. Throws CRL_TOO_LARGE over the size cap,
 * CRL_MALFORMED (the ASN1_* fault is the cause), CRL_UNSUPPORTED_VERSION, CRL_BAD_EXTENSION,
 * CRL_DUPLICATE_EXTENSION, or CRL_CRITICAL_EXTENSION_UNSUPPORTED (a critical CRL or entry
 * extension this reader does not process).
 */
export function readRevokedSerials(input: Uint8Array, options: ReadRevokedSerialsOptions = {}): RevokedSerials {
  const maxBytes = options.maxBytes ?? MAX_REVOKED_SET_CRL_BYTES;
  if (input.length > maxBytes) throw new SymbolonError('CRL_TOO_LARGE', `a CRL of ${input.length} bytes is over the limit of ${maxBytes}`);
  const der = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  try {
    return withCode('CRL_MALFORMED', () => readList(der));
  } catch (error) {
    // A fault in a shared reader (a name's, say) speaks in its own family; report it as the CRL's.
    if (error instanceof SymbolonError && !error.code.startsWith('CRL_')) throw new SymbolonError('CRL_MALFORMED', error.message, { cause: error });
    throw error;
  }
}
