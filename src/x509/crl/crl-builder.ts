import { der, Tag } from '../../asn1/index.js';
import { Asn1Error, SymbolonError } from '../../errors.js';
import type { Signer } from '../../signatures/index.js';
import { CRL_REASONS } from '../../revocation-reason.js';
import type { RevocationReason } from '../../revocation-reason.js';
import { encodeExtension } from '../extensions/encoding.js';
import { encodeAuthorityKeyIdentifier } from '../extensions/encoding-key-ids.js';
import { encodeCrlDistributionPoints } from '../extensions/encoding-locations.js';
import { encodeCheckedGeneralName } from '../extensions/encoding-names.js';
import { REASON_FLAGS } from '../extensions/decoding-locations.js';
import type { DistinguishedName } from '../name.js';
import { OID } from '../oids.js';
import type { SignatureAlgorithm } from '../../signatures/index.js';
import { isEmptyNameDer, templateNameDer } from '../template-der.js';

/** One revoked certificate to list (RFC 5280 5.1.2.6) with its entry extensions (5.3). */
export interface RevokedEntry {
  /**
   * The certificate's serial number: big-endian magnitude bytes, hex text (digits only, either
   * case), or a bigint. Positive, at most 20 octets once encoded (RFC 5280 4.1.2.2).
   */
  readonly serialNumber: Uint8Array | string | bigint;
  readonly revocationDate: Date;
  /** 5.3.1 reasonCode; `unspecified` (or nothing) writes no reasonCode, as 5.3.1 asks. */
  readonly reason?: RevocationReason;
  /** 5.3.2 invalidityDate: when the key is known or suspected to have been compromised. */
  readonly invalidityDate?: Date;
}

/** RFC 5280 5.2.5 issuingDistributionPoint, in the forms Symbolon writes. */
export interface IssuingDistributionPointTemplate {
  /** URIs this CRL is published at (distributionPoint fullName). */
  readonly fullName?: readonly string[];
  readonly onlyContainsUserCerts?: boolean;
  readonly onlyContainsCaCerts?: boolean;
  /** Reason flags by their ASN.1 names (RFC 5280 4.2.1.13 ReasonFlags). */
  readonly onlySomeReasons?: readonly Exclude<(typeof REASON_FLAGS)[number], 'unused'>[];
}

/** What goes into a CRL (RFC 5280 5.1): always version 2. */
export interface CrlTemplate {
  /** The issuing CA's subject, as a name or as its DER (pass the CA certificate's subject bytes). */
  readonly issuer: DistinguishedName | Uint8Array;
  readonly thisUpdate: Date;
  /** RFC 5280 5.1.2.5: conforming CRL issuers MUST include nextUpdate. */
  readonly nextUpdate: Date;
  /** 5.2.3 cRLNumber, monotonically increasing per issuer: 0 or more, at most 20 octets. */
  readonly crlNumber: bigint | number;
  /** 5.2.1: the issuing CA's subjectKeyIdentifier; conforming issuers MUST include it. */
  readonly authorityKeyIdentifier: Uint8Array;
  /** Kept in the order given (RFC 5280 does not order them). Empty or absent: none revoked. */
  readonly revokedCertificates?: readonly RevokedEntry[];
  readonly issuingDistributionPoint?: IssuingDistributionPointTemplate;
  /**
   * 5.2.4 deltaCRLIndicator: makes this a delta CRL over the complete CRL with this cRLNumber
   * (BaseCRLNumber), which must be lower than this CRL's own number.
   */
  readonly deltaCrlIndicator?: bigint | number;
  /** 5.2.6 freshestCRL: where the delta CRLs for this complete CRL are published (URIs). */
  readonly freshestCrl?: readonly string[];
}

function invalid(message: string, cause?: unknown): SymbolonError {
  return new SymbolonError('CRL_INVALID_INPUT', message, cause === undefined ? undefined : { cause });
}

// ---------------------------------------------------------------------------------------------
// Entries are the bulk of a CRL (a million of them must take a second or two), so they are not
// built as elements: a first pass measures each one exactly, a second writes its octets straight
// into the finished tbsCertList buffer with the DER writer's in-place functions (der.writeHeaderAt,
// der.writeTimeAt). Every entry is shorter than 128 octets, so its SEQUENCE header is always two
// octets.

const MAX_SERIAL_OCTETS = 20;
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

/** A validated serial, as where its magnitude starts in the input and how long it is. */
interface SerialShape {
  /** Magnitude octets (without a sign octet). */
  octets: number;
  /** Does the INTEGER need a leading 0x00 to stay positive? */
  hasSignOctet: boolean;
}

const shape: SerialShape = { octets: 0, hasSignOctet: false };

function badSerial(index: number, detail: string): SymbolonError {
  return invalid(`revokedCertificates[${index}]: the serial number ${detail}`);
}

/** Measures a serial into `shape` (one shared object: no allocation per entry). */
function measureSerial(serial: RevokedEntry['serialNumber'], index: number): void {
  if (typeof serial === 'string') {
    let start = 0;
    while (start < serial.length && serial.charCodeAt(start) === 48) start++;
    const digits = serial.length - start;
    if (serial.length === 0) throw badSerial(index, 'is empty');
    if (digits === 0) throw badSerial(index, 'is zero; RFC 5280 4.1.2.2 wants it positive');
    shape.octets = (digits + 1) >> 1;
    const first = serial.charCodeAt(start);
    shape.hasSignOctet = digits % 2 === 0 && first < 128 && HEX[first]! >= 8;
  } else if (serial instanceof Uint8Array) {
    let start = 0;
    while (start < serial.length && serial[start] === 0) start++;
    if (start === serial.length) throw badSerial(index, 'is zero or empty; RFC 5280 4.1.2.2 wants it positive');
    shape.octets = serial.length - start;
    shape.hasSignOctet = (serial[start]! & 0x80) !== 0;
  } else if (typeof serial === 'bigint') {
    if (serial <= 0n) throw badSerial(index, 'is not positive (RFC 5280 4.1.2.2)');
    measureSerial(serial.toString(16), index);
    return;
  } else {
    throw badSerial(index, 'is not bytes, hex text or a bigint');
  }
  if (shape.octets + (shape.hasSignOctet ? 1 : 0) > MAX_SERIAL_OCTETS)
    throw badSerial(index, `takes more than the ${MAX_SERIAL_OCTETS} octets RFC 5280 4.1.2.2 allows`);
}

/** Writes the serial's INTEGER at `at`; `shape` holds its measure. Returns the next offset. */
function writeSerial(out: Buffer, at: number, serial: RevokedEntry['serialNumber'], index: number): number {
  const content = shape.octets + (shape.hasSignOctet ? 1 : 0);
  at = der.writeHeaderAt(out, at, Tag.INTEGER, content);
  if (shape.hasSignOctet) out[at++] = 0;
  if (typeof serial === 'bigint') serial = serial.toString(16);
  if (typeof serial === 'string') {
    let i = serial.length - shape.octets * 2;
    // An odd count of significant digits: the first octet holds one digit (i is then -1 or a '0').
    if (i < 0 || serial.charCodeAt(i) === 48) {
      const digit = serial.charCodeAt(i + 1);
      const value = digit < 128 ? HEX[digit]! : -1;
      if (value < 0) throw badSerial(index, 'is not hex text');
      out[at++] = value;
      i += 2;
    }
    for (; i < serial.length; i += 2) {
      const high = serial.charCodeAt(i);
      const low = serial.charCodeAt(i + 1);
      const value = high < 128 && low < 128 ? (HEX[high]! << 4) | HEX[low]! : -1;
      if (value < 0 || HEX[high]! < 0 || HEX[low]! < 0) throw badSerial(index, 'is not hex text');
      out[at++] = value;
    }
    return at;
  }
  for (let i = serial.length - shape.octets; i < serial.length; i++) out[at++] = serial[i]!;
  return at;
}

// Times are written from the millisecond count (der.writeTimeAt).
const EARLIEST_MS = Date.parse('0000-01-01T00:00:00Z');
const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');
/** RFC 5280 5.1.2.4 and 5.1.2.6: UTCTime for 1950 through 2049, GeneralizedTime otherwise. */
const UTC_TIME_FROM_MS = Date.parse('1950-01-01T00:00:00Z');
const UTC_TIME_UNTIL_MS = Date.parse('2050-01-01T00:00:00Z');

function checkDate(date: unknown, what: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalid(`${what} is not a valid date`);
  if (ms < EARLIEST_MS || ms > LATEST_MS) throw invalid(`${what} is outside the years 0 to 9999 that an ASN.1 time can hold`);
  return ms;
}

function isUtcTime(ms: number): boolean {
  return ms >= UTC_TIME_FROM_MS && ms < UTC_TIME_UNTIL_MS;
}

const REASON_CODES = new Map<string, number>();
CRL_REASONS.forEach((reason, code) => {
  if (reason !== undefined) REASON_CODES.set(reason, code);
});

// 5.3.1 reasonCode: Extension { id-ce-cRLReasons, extnValue OCTET STRING { ENUMERATED } }.
const REASON_EXTENSIONS: readonly (Buffer | undefined)[] = CRL_REASONS.map((reason, code) =>
  reason === undefined || reason === 'unspecified' ? undefined : encodeExtension(OID.crlReason, false, der.enumerated(code)),
);
// 5.3.2 invalidityDate: Extension { id-ce-invalidityDate, extnValue OCTET STRING { GeneralizedTime } },
// written as this prefix and the 15 time digits.
const INVALIDITY_PREFIX = encodeExtension(OID.invalidityDate, false, der.generalizedTime(new Date(0))).subarray(0, -17);
const INVALIDITY_EXTENSION_LENGTH = INVALIDITY_PREFIX.length + 17;

function reasonExtension(entry: RevokedEntry, index: number, isDelta: boolean): Buffer | undefined {
  const reason = entry.reason;
  if (reason === undefined) return undefined;
  const code = REASON_CODES.get(reason);
  if (code === undefined) throw invalid(`revokedCertificates[${index}]: "${String(reason)}" is not an RFC 5280 5.3.1 CRLReason`);
  // RFC 5280 5.3.1: removeFromCRL is only used in delta CRLs.
  if (code === 8 && !isDelta) throw invalid(`revokedCertificates[${index}]: removeFromCRL belongs in delta CRLs only`);
  return REASON_EXTENSIONS[code];
}

/** Total octets of the revokedCertificates content; validates every entry on the way. */
function measureEntries(entries: readonly RevokedEntry[], isDelta: boolean): number {
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    measureSerial(entry.serialNumber, i);
    const revocationMs = checkDate(entry.revocationDate, `revokedCertificates[${i}].revocationDate`);
    let content = 2 + shape.octets + (shape.hasSignOctet ? 1 : 0) + (isUtcTime(revocationMs) ? 15 : 17);
    const extensions =
      (reasonExtension(entry, i, isDelta)?.length ?? 0) + (entry.invalidityDate === undefined ? 0 : INVALIDITY_EXTENSION_LENGTH);
    if (entry.invalidityDate !== undefined) checkDate(entry.invalidityDate, `revokedCertificates[${i}].invalidityDate`);
    if (extensions > 0) content += 2 + extensions;
    total += 2 + content;
  }
  return total;
}

/** Writes every entry from `at`; returns the next offset. Expects `measureEntries` to have passed. */
function writeEntries(out: Buffer, at: number, entries: readonly RevokedEntry[], isDelta: boolean): number {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    measureSerial(entry.serialNumber, i);
    const revocationMs = entry.revocationDate.getTime();
    const isUtc = isUtcTime(revocationMs);
    const reason = reasonExtension(entry, i, isDelta);
    const invalidityDate = entry.invalidityDate;
    const extensions = (reason?.length ?? 0) + (invalidityDate === undefined ? 0 : INVALIDITY_EXTENSION_LENGTH);
    const content = 2 + shape.octets + (shape.hasSignOctet ? 1 : 0) + (isUtc ? 15 : 17) + (extensions > 0 ? 2 + extensions : 0);
    at = der.writeHeaderAt(out, at, Tag.SEQUENCE, content);
    at = writeSerial(out, at, entry.serialNumber, i);
    at = der.writeTimeAt(out, at, revocationMs, !isUtc);
    if (extensions > 0) {
      at = der.writeHeaderAt(out, at, Tag.SEQUENCE, extensions);
      if (reason !== undefined) {
        out.set(reason, at);
        at += reason.length;
      }
      if (invalidityDate !== undefined) {
        out.set(INVALIDITY_PREFIX, at);
        // RFC 5280 5.3.2: invalidityDate is always a GeneralizedTime.
        at = der.writeTimeAt(out, at + INVALIDITY_PREFIX.length, invalidityDate.getTime(), true);
      }
    }
  }
  return at;
}

// ---------------------------------------------------------------------------------------------
// The small fields of tbsCertList.

const VERSION_2 = der.integer(1);
const MAX_CRL_NUMBER_OCTETS = 20;

/** 5.2.3 CRLNumber and 5.2.4 BaseCRLNumber: INTEGER (0..MAX), at most 20 octets. */
function crlNumberValue(value: bigint | number, what: string): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw invalid(`${what} ${value} is not a whole number`);
  if (typeof value !== 'number' && typeof value !== 'bigint') throw invalid(`${what} is not a number`);
  const number = BigInt(value);
  if (number < 0n) throw invalid(`${what} must not be negative (RFC 5280 5.2.3)`);
  if (der.integer(number).length - 2 > MAX_CRL_NUMBER_OCTETS)
    throw invalid(`${what} is longer than the ${MAX_CRL_NUMBER_OCTETS} octets RFC 5280 5.2.3 allows`);
  return number;
}

function uriNames(uris: readonly string[], what: string): Buffer[] {
  if (uris.length === 0) throw invalid(`${what} needs at least one URI`);
  try {
    return uris.map((uri) => encodeCheckedGeneralName({ type: 'uri', value: uri }));
  } catch (error) {
    if (error instanceof SymbolonError) throw invalid(`${what}: ${error.message}`, error);
    throw error;
  }
}

const IDP_USER_CERTS = der.contextPrimitive(1, Buffer.from([0xff]));
const IDP_CA_CERTS = der.contextPrimitive(2, Buffer.from([0xff]));

/** extnValue of issuingDistributionPoint (RFC 5280 5.2.5); its fields are IMPLICIT. */
function encodeIssuingDistributionPoint(idp: IssuingDistributionPointTemplate): Buffer {
  const parts: Buffer[] = [];
  // distributionPoint [0] is a CHOICE, hence explicit; its fullName [0] is implicit GeneralNames.
  if (idp.fullName !== undefined)
    parts.push(der.explicit(0, der.contextConstructed(0, uriNames(idp.fullName, 'issuingDistributionPoint'))));
  // RFC 5280 5.2.5: at most one of the onlyContains flags; DER leaves out a FALSE (its DEFAULT).
  if (idp.onlyContainsUserCerts === true && idp.onlyContainsCaCerts === true)
    throw invalid('issuingDistributionPoint: onlyContainsUserCerts and onlyContainsCaCerts exclude each other');
  if (idp.onlyContainsUserCerts === true) parts.push(IDP_USER_CERTS);
  if (idp.onlyContainsCaCerts === true) parts.push(IDP_CA_CERTS);
  if (idp.onlySomeReasons !== undefined) {
    const bits = idp.onlySomeReasons.map((name) => {
      const bit = REASON_FLAGS.indexOf(name);
      if (bit < 1) throw invalid(`issuingDistributionPoint: "${String(name)}" is not a ReasonFlags name`);
      return bit;
    });
    if (bits.length === 0) throw invalid('issuingDistributionPoint: onlySomeReasons needs at least one reason');
    parts.push(der.implicit(3, der.namedBitString(bits)));
  }
  // RFC 5280 5.2.5: the extension is never an empty SEQUENCE.
  if (parts.length === 0) throw invalid('issuingDistributionPoint needs a name, a scope flag or reasons');
  return der.sequenceOf(parts);
}

/** crlExtensions (RFC 5280 5.2), in a fixed order. */
function encodeCrlExtensions(template: CrlTemplate, crlNumber: bigint, baseCrlNumber: bigint | undefined): Buffer {
  const aki = template.authorityKeyIdentifier;
  if (!(aki instanceof Uint8Array)) throw invalid('authorityKeyIdentifier is required (RFC 5280 5.2.1) and must be bytes');
  const list: Buffer[] = [];
  try {
    // 5.2.1 and 5.2.3: both non-critical.
    list.push(encodeExtension(OID.authorityKeyIdentifier, false, encodeAuthorityKeyIdentifier(aki)));
  } catch (error) {
    if (error instanceof SymbolonError) throw invalid(error.message, error);
    throw error;
  }
  list.push(encodeExtension(OID.crlNumber, false, der.integer(crlNumber)));
  // 5.2.4: deltaCRLIndicator is critical.
  if (baseCrlNumber !== undefined) list.push(encodeExtension(OID.deltaCrlIndicator, true, der.integer(baseCrlNumber)));
  // 5.2.5: issuingDistributionPoint is critical.
  if (template.issuingDistributionPoint !== undefined)
    list.push(encodeExtension(OID.issuingDistributionPoint, true, encodeIssuingDistributionPoint(template.issuingDistributionPoint)));
  if (template.freshestCrl !== undefined) {
    // 5.2.6: non-critical, and it SHOULD NOT appear in delta CRLs.
    if (baseCrlNumber !== undefined) throw invalid('freshestCrl belongs in complete CRLs, not in a delta CRL (RFC 5280 5.2.6)');
    uriNames(template.freshestCrl, 'freshestCrl');
    list.push(encodeExtension(OID.freshestCrl, false, encodeCrlDistributionPoints(template.freshestCrl)));
  }
  return der.explicit(0, der.sequenceOf(list));
}

function timeElement(date: Date, what: string): Buffer {
  checkDate(date, what);
  try {
    return der.time(date);
  } catch (error) {
    if (error instanceof Asn1Error) throw invalid(`${what} cannot be encoded: ${error.message}`, error);
    throw error;
  }
}

/**
 * DER of the tbsCertList (RFC 5280 5.1.2), version 2, signed with `signatureAlgorithm`. Entries
 * are written in the order given. Throws `CRL_INVALID_INPUT`, naming the field or entry.
 */
export function encodeTbsCertList(template: CrlTemplate, signatureAlgorithm: SignatureAlgorithm): Buffer {
  let issuer: Uint8Array;
  try {
    issuer = templateNameDer(template.issuer, 'issuer');
  } catch (error) {
    if (error instanceof SymbolonError) throw invalid(error.message, error);
    throw error;
  }
  // RFC 5280 5.1.2.3: the issuer is a non-empty name.
  if (isEmptyNameDer(issuer)) throw invalid('the CRL issuer name is empty');
  const thisUpdate = timeElement(template.thisUpdate, 'thisUpdate');
  const nextUpdate = timeElement(template.nextUpdate, 'nextUpdate');
  if (template.nextUpdate.getTime() < template.thisUpdate.getTime())
    throw invalid(`nextUpdate ${template.nextUpdate.toISOString()} is before thisUpdate ${template.thisUpdate.toISOString()}`);
  const crlNumber = crlNumberValue(template.crlNumber, 'crlNumber');
  let baseCrlNumber: bigint | undefined;
  if (template.deltaCrlIndicator !== undefined) {
    baseCrlNumber = crlNumberValue(template.deltaCrlIndicator, 'deltaCrlIndicator');
    // 5.2.4: a delta CRL is issued after its base, in the same cRLNumber sequence.
    if (baseCrlNumber >= crlNumber)
      throw invalid(`the base CRL number ${baseCrlNumber} must be lower than the delta CRL's own number ${crlNumber}`);
  }
  const extensions = encodeCrlExtensions(template, crlNumber, baseCrlNumber);
  const entries = template.revokedCertificates ?? [];
  const isDelta = baseCrlNumber !== undefined;
  const entriesLength = measureEntries(entries, isDelta);
  const head = [VERSION_2, signatureAlgorithm.identifier, issuer, thisUpdate, nextUpdate];
  let length = extensions.length;
  for (const part of head) length += part.length;
  // RFC 5280 5.1.2.6: with no revoked certificate the list is absent, not empty.
  if (entries.length > 0) length += der.headerLength(entriesLength) + entriesLength;
  const out = Buffer.allocUnsafe(der.headerLength(length) + length);
  let at = der.writeHeaderAt(out, 0, Tag.SEQUENCE, length);
  for (const part of head) {
    out.set(part, at);
    at += part.length;
  }
  if (entries.length > 0) {
    at = der.writeHeaderAt(out, at, Tag.SEQUENCE, entriesLength);
    const end = writeEntries(out, at, entries, isDelta);
    if (end - at !== entriesLength)
      throw new SymbolonError('CRL_INVALID_INPUT', 'the revoked certificates changed while the CRL was being written');
    at = end;
  }
  out.set(extensions, at);
  return out;
}

/**
 * DER of a CRL built from `template` and signed by `signer` (RFC 5280 5.1). PEM it with
 * `toPem('X509 CRL', der)`. Throws `CRL_INVALID_INPUT`, or `KEY_SIGN_FAILED` from the signer.
 */
export async function buildCrl(template: CrlTemplate, signer: Signer): Promise<Buffer> {
  const tbs = encodeTbsCertList(template, signer.algorithm);
  const signature = await signer.sign(tbs);
  return der.sequence(tbs, signer.algorithm.identifier, der.bitString(signature));
}
