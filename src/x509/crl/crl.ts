import { createHash, KeyObject } from 'node:crypto';
import {
  DerNode,
  decodeNested,
  decodeOidContent,
  encodeOidContent,
  pemOrDerBlocks,
  readBitString,
  readHeader,
  readSmallInteger,
  readTime,
  Tag,
  withCode,
} from '../../asn1/index.js';
import { Asn1Error, SymbolonError } from '../../errors.js';
import { CRL_REASONS } from '../../revocation-reason.js';
import { readSignatureAlgorithmField, verifySignature } from '../../signatures/index.js';
import { readCrlExtensionViews } from './crl-extensions.js';
import type { CrlExtensionViews } from './crl-extensions.js';
import { crlEntryKey } from './crl-types.js';
import type { CertificateList, CrlEntries, RevokedCertificate, RevokedSerials } from './crl-types.js';
import { deepFreeze } from '../deep-freeze.js';
import { readGeneralNames } from '../extensions/decoding.js';
import { readRawExtensions } from '../extensions/raw-extensions.js';
import type { Extension } from '../extensions/types.js';
import type { GeneralName } from '../general-name.js';
import { decodeName } from '../name.js';
import { OID } from '../oids.js';
import { formatSerialNumber } from '../serial/serial-number.js';

// The one CRL reader (RFC 5280 5.1). It walks the DER by headers, without a node tree or an
// object per entry, and indexes the revoked serials as it goes (CrlEntries). Two faces share it:
// `parseCrl` also builds each entry's RevokedCertificate (what `inspect`, the CRL publisher and
// the tests look at); `readRevokedSerials` keeps only the index, which is what a gateway needs
// of a CRL of millions of entries. Both accept and refuse the same bytes, but for the cap and
// for critical extensions the revoked-serial view cannot carry (see readRevokedSerials).

/**
 * Largest DER CRL `parseCrl` accepts: about 700,000 entries. It builds a frozen object per entry
 * (a few hundred bytes each), so a bigger CRL is read with `readRevokedSerials`.
 */
export const MAX_CRL_BYTES = 32 * 1024 * 1024;

/**
 * Largest DER CRL `readRevokedSerials` takes: room for about 5,000,000 entries. It keeps one
 * string per entry and no tree, so it can afford eight times `parseCrl`'s cap.
 */
export const MAX_REVOKED_SET_CRL_BYTES = 256 * 1024 * 1024;

/** CRL extensions the revoked-serial view processes; RFC 5280 5.2 forbids using a CRL with any other critical one. */
const KNOWN_CRL_EXTENSIONS = new Set<string>([
  OID.crlNumber,
  OID.deltaCrlIndicator,
  OID.authorityKeyIdentifier,
  OID.issuingDistributionPoint,
  OID.freshestCrl,
  OID.issuerAltName,
  OID.authorityInfoAccess,
]);
const EXTENSIONS = 0xa0;
const REASON_OID = encodeOidContent(OID.crlReason);
const CERTIFICATE_ISSUER_OID = encodeOidContent(OID.certificateIssuer);
const INVALIDITY_DATE_OID = encodeOidContent(OID.invalidityDate);
const REMOVE_FROM_CRL = CRL_REASONS.indexOf('removeFromCRL');

export interface ReadRevokedSerialsOptions {
  /** Largest input accepted, in bytes; MAX_REVOKED_SET_CRL_BYTES when left out. */
  readonly maxBytes?: number;
}

function malformed(at: number, detail: string): SymbolonError {
  return new SymbolonError('CRL_MALFORMED', `${detail} (at byte ${at})`);
}

function badExtension(at: number, detail: string): SymbolonError {
  return new SymbolonError('CRL_BAD_EXTENSION', `${detail} (at byte ${at})`);
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
  for (let i = 0; i < digits; i++)
    if (!isDigit(der[start + i]!)) throw new Asn1Error('ASN1_BAD_VALUE', at, 'a revocationDate has a non-digit');
  const year = tag === Tag.UTC_TIME ? twoDigits(der, start) : twoDigits(der, start) * 100 + twoDigits(der, start + 2);
  const rest = start + digits - 10;
  const month = twoDigits(der, rest);
  const day = twoDigits(der, rest + 2);
  // A UTCTime year is 1950-2049 (RFC 5280 4.1.2.5.1), where every fourth year is a leap year.
  const isLeap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0 || tag === Tag.UTC_TIME);
  const monthDays = month === 2 && !isLeap ? 28 : DAYS_IN_MONTH[month - 1];
  if (
    monthDays === undefined ||
    day < 1 ||
    day > monthDays ||
    twoDigits(der, rest + 4) > 23 ||
    twoDigits(der, rest + 6) > 59 ||
    twoDigits(der, rest + 8) > 59
  ) {
    throw new Asn1Error('ASN1_BAD_VALUE', at, 'a revocationDate names a date or hour that does not exist');
  }
}

function equalsAt(der: Buffer, at: number, length: number, expected: Buffer): boolean {
  return length === expected.length && der.compare(expected, 0, expected.length, at, at + length) === 0;
}

/** What one entry's crlEntryExtensions say (RFC 5280 5.3). */
interface EntryExtensions {
  /** 5.3.1 reasonCode, as its ENUMERATED value. */
  reason: number | undefined;
  /** 5.3.2 invalidityDate. */
  invalidityDate: Date | undefined;
  /** 5.3.3 certificateIssuer (an indirect CRL's entry for another issuer). */
  certificateIssuer: GeneralName[] | undefined;
  /** The first critical extension other than those three: 5.3 forbids using the CRL. */
  unprocessedCritical: string | undefined;
  /** Every extension as it stands, when asked for. */
  extensions: Extension[] | undefined;
}

/**
 * RFC 5280 5.3: one entry's crlEntryExtensions, walked without a tree. The three entry
 * extensions RFC 5280 defines are read and checked; any other is checked for framing and a
 * well-formed extnID, and kept raw when `isDetailed`. An extnID seen twice is refused (4.2).
 */
// Without `isDetailed` the answer is read before the next entry's: one object and one list of
// extnID offsets serve every entry, so a million entries allocate nothing here.
const scratch: EntryExtensions = {
  reason: undefined,
  invalidityDate: undefined,
  certificateIssuer: undefined,
  unprocessedCritical: undefined,
  extensions: undefined,
};
const seen: number[] = [];

function readEntryExtensions(der: Buffer, at: number, end: number, isDetailed: boolean): EntryExtensions {
  const found: EntryExtensions = isDetailed
    ? { reason: undefined, invalidityDate: undefined, certificateIssuer: undefined, unprocessedCritical: undefined, extensions: [] }
    : scratch;
  if (!isDetailed) {
    scratch.reason = undefined;
    scratch.invalidityDate = undefined;
    scratch.certificateIssuer = undefined;
    scratch.unprocessedCritical = undefined;
  }
  seen.length = 0;
  if (at === end) throw malformed(at, 'crlEntryExtensions is empty');
  while (at < end) {
    const ext = readHeader(der, at, end);
    if (ext.tag !== Tag.SEQUENCE) throw malformed(at, 'an entry Extension is not a SEQUENCE');
    const extEnd = at + ext.headerLength + ext.length;
    let cursor = at + ext.headerLength;
    const id = readHeader(der, cursor, extEnd);
    if (id.tag !== Tag.OID || id.length === 0) throw malformed(cursor, 'an entry Extension does not start with its extnID');
    const idAt = cursor + id.headerLength;
    // `seen` holds the offset and length of each extnID before this one.
    for (let i = 0; i < seen.length; i += 2) {
      const start = seen[i]!;
      if (seen[i + 1] === id.length && der.compare(der, start, start + id.length, idAt, idAt + id.length) === 0) {
        throw new SymbolonError('CRL_DUPLICATE_EXTENSION', `an entry extension appears twice in one entry (at byte ${at})`);
      }
    }
    seen.push(idAt, id.length);
    cursor = idAt + id.length;
    let critical = false;
    let field = readHeader(der, cursor, extEnd);
    if (field.tag === Tag.BOOLEAN) {
      const value = der[cursor + 2];
      // X.690 11.1: a DER BOOLEAN is 0x00 or 0xFF (an explicit FALSE, which DER leaves out, is tolerated).
      if (field.length !== 1 || (value !== 0xff && value !== 0x00))
        throw malformed(cursor, 'an entry Extension critical flag is not a DER BOOLEAN');
      critical = value === 0xff;
      cursor += 3;
      field = readHeader(der, cursor, extEnd);
    }
    if (field.tag !== Tag.OCTET_STRING || cursor + field.headerLength + field.length !== extEnd)
      throw malformed(cursor, 'an entry Extension does not end with one extnValue OCTET STRING');
    const valueAt = cursor + field.headerLength;
    const valueEnd = valueAt + field.length;
    let oid: string | undefined;
    if (equalsAt(der, idAt, id.length, REASON_OID)) {
      // RFC 5280 5.3.1: reasonCode ::= ENUMERATED, one octet for every defined value.
      const code = der[valueAt + 2]!;
      if (field.length !== 3 || der[valueAt] !== Tag.ENUMERATED || der[valueAt + 1] !== 1 || CRL_REASONS[code] === undefined)
        throw badExtension(valueAt, 'reasonCode is not a one-octet CRLReason');
      found.reason = code;
    } else if (equalsAt(der, idAt, id.length, CERTIFICATE_ISSUER_OID)) {
      try {
        found.certificateIssuer = readGeneralNames('certificateIssuer', decodeNested(der.subarray(valueAt, valueEnd), valueAt));
      } catch (error) {
        throw new SymbolonError('CRL_BAD_EXTENSION', `certificateIssuer: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    } else if (equalsAt(der, idAt, id.length, INVALIDITY_DATE_OID)) {
      try {
        const node = decodeNested(der.subarray(valueAt, valueEnd), valueAt);
        // RFC 5280 5.3.2: invalidityDate is a GeneralizedTime.
        if (node.tag !== Tag.GENERALIZED_TIME) throw badExtension(valueAt, 'invalidityDate is not a GeneralizedTime');
        found.invalidityDate = readTime(node);
      } catch (error) {
        if (error instanceof SymbolonError && error.code === 'CRL_BAD_EXTENSION') throw error;
        throw new SymbolonError('CRL_BAD_EXTENSION', `invalidityDate: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    } else {
      oid = decodeOidContent(der.subarray(idAt, idAt + id.length), idAt);
      if (critical) found.unprocessedCritical ??= oid;
    }
    found.extensions?.push({
      oid: oid ?? decodeOidContent(der.subarray(idAt, idAt + id.length), idAt),
      critical,
      value: der.subarray(valueAt, valueEnd),
    });
    at = extEnd;
  }
  return found;
}

/** The entry list's index, and each entry's RevokedCertificate when asked for. */
interface ReadEntries {
  readonly entries: CrlEntries;
  readonly revokedCertificates: RevokedCertificate[] | undefined;
}

/** RFC 5280 5.1.2.6: revokedCertificates, each SEQUENCE { userCertificate, revocationDate, crlEntryExtensions OPTIONAL }. */
function readEntries(der: Buffer, at: number, end: number, version: 1 | 2, isDelta: boolean, isDetailed: boolean): ReadEntries {
  const byKey = new Map<string, number>();
  const certificateIssuers: GeneralName[][] = [];
  const revokedCertificates: RevokedCertificate[] | undefined = isDetailed ? [] : undefined;
  let unprocessedCriticalEntryExtension: string | undefined;
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
    if (
      serial.length > 1 &&
      ((der[serialAt] === 0 && der[serialAt + 1]! < 0x80) || (der[serialAt] === 0xff && der[serialAt + 1]! >= 0x80))
    ) {
      throw malformed(cursor, 'a serial INTEGER is not minimally encoded');
    }
    const hex =
      der[serialAt]! < 0x80
        ? der.toString('hex', der[serialAt] === 0 && serial.length > 1 ? serialAt + 1 : serialAt, serialAt + serial.length)
        : formatSerialNumber(der.subarray(serialAt, serialAt + serial.length));
    cursor = serialAt + serial.length;
    const dateAt = cursor;
    const date = readHeader(der, cursor, entryEnd);
    checkRevocationDate(der, cursor, date.tag, date.headerLength, date.length);
    cursor += date.headerLength + date.length;
    let found: EntryExtensions | undefined;
    if (cursor < entryEnd) {
      const extensions = readHeader(der, cursor, entryEnd);
      // RFC 5280 5.1.2.1: entry extensions only in v2 CRLs.
      if (version !== 2 || extensions.tag !== Tag.SEQUENCE || cursor + extensions.headerLength + extensions.length !== entryEnd) {
        throw malformed(cursor, 'an entry has a field after its date that is not v2 crlEntryExtensions');
      }
      found = readEntryExtensions(der, cursor + extensions.headerLength, entryEnd, isDetailed);
      if (found.certificateIssuer !== undefined) certificateIssuers.push(found.certificateIssuer);
      unprocessedCriticalEntryExtension ??= found.unprocessedCritical;
    }
    const reason = found?.reason ?? -1;
    // RFC 5280 5.3.1: removeFromCRL appears only in delta CRLs.
    if (reason === REMOVE_FROM_CRL && !isDelta) throw badExtension(at, 'removeFromCRL in a CRL that is not a delta CRL');
    byKey.set(crlEntryKey(certificateIssuers.length, hex), reason);
    size++;
    revokedCertificates?.push({
      serialNumber: hex,
      serialNumberBytes: der.subarray(serialAt, serialAt + serial.length),
      revocationDate: readTime(nodeAt(der, dateAt, date.headerLength, date.length)),
      reason: reason < 0 ? undefined : CRL_REASONS[reason],
      invalidityDate: found?.invalidityDate,
      certificateIssuer: found?.certificateIssuer,
      extensions: found?.extensions ?? [],
    });
    at = entryEnd;
  }
  return { entries: { byKey, certificateIssuers, size, unprocessedCriticalEntryExtension }, revokedCertificates };
}

interface ReadList {
  readonly list: RevokedSerials;
  readonly revokedCertificates: RevokedCertificate[] | undefined;
}

/** The outer frame: one SEQUENCE and nothing after it. Its faults keep their ASN1_* codes in `parseCrl`. */
function checkFrame(der: Buffer): void {
  const root = readHeader(der, 0, der.length);
  if (root.headerLength + root.length !== der.length)
    throw new Asn1Error(
      'ASN1_TRAILING_DATA',
      root.headerLength + root.length,
      `${der.length - root.headerLength - root.length} bytes follow the CRL`,
    );
}

/** RFC 5280 5.1: CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }. */
function readList(der: Buffer, isDetailed: boolean): ReadList {
  const root = readHeader(der, 0, der.length);
  if (root.tag !== Tag.SEQUENCE) throw malformed(0, 'a CertificateList is not a SEQUENCE');
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
  const nodeOf = (field: { headerLength: number; length: number; at: number }): DerNode =>
    nodeAt(der, field.at, field.headerLength, field.length);
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
  if (!der.subarray(field.at, field.at + field.headerLength + field.length).equals(algorithmNode.bytes))
    throw malformed(field.at, 'the signature algorithm inside tbsCertList differs from the outer one');
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
  // RFC 5280 5.1.2.6 says an empty list is left out; an empty SEQUENCE is harmless and accepted.
  if (optional?.tag === Tag.SEQUENCE) {
    revoked = optional;
    optional = at < tbsEnd ? next('') : undefined;
  }
  if (optional?.tag === EXTENSIONS) {
    extensionsField = optional;
    optional = at < tbsEnd ? next('') : undefined;
  }
  if (optional !== undefined) throw malformed(optional.at, 'tbsCertList has a field out of place or unknown');

  let views: CrlExtensionViews = {
    crlNumber: undefined,
    authorityKeyIdentifier: undefined,
    issuingDistributionPoint: undefined,
    deltaCrlIndicator: undefined,
  };
  let extensions: Extension[] = [];
  if (extensionsField !== undefined) {
    const wrapper = nodeOf(extensionsField);
    // RFC 5280 5.1.2.7: crlExtensions only in v2.
    if (version !== 2) throw malformed(wrapper.offset, 'a v1 CRL carries extensions');
    if (wrapper.children.length !== 1) throw malformed(wrapper.offset, 'crlExtensions must hold one SEQUENCE');
    extensions = readRawExtensions(wrapper.children[0]!, 'CRL_MALFORMED', 'CRL_DUPLICATE_EXTENSION');
    views = readCrlExtensionViews(extensions, wrapper);
  }
  const read: ReadEntries =
    revoked === undefined
      ? {
          entries: { byKey: new Map(), certificateIssuers: [], size: 0, unprocessedCriticalEntryExtension: undefined },
          revokedCertificates: isDetailed ? [] : undefined,
        }
      : readEntries(
          der,
          revoked.at + revoked.headerLength,
          revoked.at + revoked.headerLength + revoked.length,
          version,
          views.deltaCrlIndicator !== undefined,
          isDetailed,
        );

  const signatureAt = tbsEnd + algorithmNode.byteLength;
  const signatureHeader = readHeader(der, signatureAt, der.length);
  const signatureNode = nodeAt(der, signatureAt, signatureHeader.headerLength, signatureHeader.length);
  if (signatureAt + signatureNode.byteLength !== der.length)
    throw malformed(signatureAt + signatureNode.byteLength, 'a CertificateList has a field after its signature');
  const signature = readBitString(signatureNode);
  if (signature.unusedBits !== 0) throw malformed(signatureAt, 'the signature BIT STRING has unused bits');
  return {
    list: {
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
      entries: read.entries,
    },
    revokedCertificates: read.revokedCertificates,
  };
}

/** Runs the reader; a fault of a shared reader (a name's, DER's) is reported as the CRL's. */
function readAsCrl(der: Buffer, isDetailed: boolean): ReadList {
  try {
    return withCode('CRL_MALFORMED', () => readList(der, isDetailed));
  } catch (error) {
    if (error instanceof SymbolonError && !error.code.startsWith('CRL_'))
      throw new SymbolonError('CRL_MALFORMED', error.message, { cause: error });
    throw error;
  }
}

/**
 * Parses one DER CRL strictly (RFC 5280 5.1), every entry included. Throws ASN1_TOO_LARGE over
 * MAX_CRL_BYTES and ASN1_* when the bytes are not one DER element; within it, CRL_MALFORMED (the
 * DER fault as cause), CRL_UNSUPPORTED_VERSION, CRL_BAD_EXTENSION or CRL_DUPLICATE_EXTENSION.
 * Unknown extensions, critical or not, are kept raw: refusing a critical one is the user's job
 * (path validation; `entries.unprocessedCriticalEntryExtension` names one on an entry).
 */
export function parseCrl(input: Uint8Array): CertificateList {
  if (input.length > MAX_CRL_BYTES)
    throw new Asn1Error('ASN1_TOO_LARGE', 0, `a CRL of ${input.length} bytes is over the limit of ${MAX_CRL_BYTES}`);
  const der = Buffer.from(input);
  checkFrame(der);
  const { list, revokedCertificates } = readAsCrl(der, true);
  return deepFreeze({
    der,
    ...list,
    revokedCertificates: revokedCertificates ?? [],
    fingerprintSha256: createHash('sha256').update(der).digest('hex'),
  });
}

/** Every CRL in a PEM text (`X509 CRL` blocks), or the one CRL of DER input. */
export function parseCrls(input: Uint8Array | string): CertificateList[] {
  return pemOrDerBlocks(input, 'X509 CRL').map(parseCrl);
}

/**
 * The same reader as `parseCrl`, keeping only the revoked serials, indexed (`entries`), and the
 * fields to check the CRL with: what a gateway does with a CRL of a million entries. Byte fields
 * are views into the caller's input. Does not check the signature: pass the result to
 * `verifyCrlSignature`. Throws CRL_TOO_LARGE over the size cap, CRL_MALFORMED (for any DER
 * fault, the ASN1_* fault as its cause), CRL_UNSUPPORTED_VERSION, CRL_BAD_EXTENSION,
 * CRL_DUPLICATE_EXTENSION, or CRL_CRITICAL_EXTENSION_UNSUPPORTED: a critical CRL or entry
 * extension this view does not process, which RFC 5280 5.2 and 5.3 forbid using the CRL with.
 */
export function readRevokedSerials(input: Uint8Array, options: ReadRevokedSerialsOptions = {}): RevokedSerials {
  const maxBytes = options.maxBytes ?? MAX_REVOKED_SET_CRL_BYTES;
  if (input.length > maxBytes) throw new SymbolonError('CRL_TOO_LARGE', `a CRL of ${input.length} bytes is over the limit of ${maxBytes}`);
  const der = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  withCode('CRL_MALFORMED', () => checkFrame(der));
  const { list } = readAsCrl(der, false);
  const unknown = list.extensions.find((extension) => extension.critical && !KNOWN_CRL_EXTENSIONS.has(extension.oid));
  if (unknown !== undefined)
    throw new SymbolonError(
      'CRL_CRITICAL_EXTENSION_UNSUPPORTED',
      `the CRL carries critical extension ${unknown.oid}, which the revoked-serial reader does not process`,
    );
  const entryExtension = list.entries.unprocessedCriticalEntryExtension;
  if (entryExtension !== undefined)
    throw new SymbolonError(
      'CRL_CRITICAL_EXTENSION_UNSUPPORTED',
      `an entry carries critical extension ${entryExtension}, which the revoked-serial reader does not process`,
    );
  return list;
}

/**
 * Does `issuer` (a public key, or a certificate) verify the CRL's signature? False for a signature
 * that does not verify or a key that does not fit; throws SIG_UNSUPPORTED_ALGORITHM for an
 * algorithm Symbolon does not run and KEY_UNSUPPORTED_TYPE for a key it cannot load.
 */
export function verifyCrlSignature(
  crl: Pick<RevokedSerials, 'signatureAlgorithm' | 'signatureAlgorithmOid' | 'tbs' | 'signature'>,
  issuer: KeyObject | { readonly publicKey: { readonly keyObject: KeyObject | undefined } },
): boolean {
  const algorithm = crl.signatureAlgorithm;
  if (algorithm === undefined)
    throw new SymbolonError('SIG_UNSUPPORTED_ALGORITHM', `signature algorithm ${crl.signatureAlgorithmOid} is not supported`);
  const key = issuer instanceof KeyObject ? issuer : issuer.publicKey.keyObject;
  if (key === undefined) throw new SymbolonError('KEY_UNSUPPORTED_TYPE', "the issuer's key cannot be used");
  return verifySignature(algorithm, key, crl.tbs, crl.signature);
}
