import { Asn1Error } from '../errors.js';
import { encodeOidContent } from './oid.js';
import { CONSTRUCTED, Tag, TagClass } from './tags.js';

/**
 * The one DER writer, built for speed: each function returns the finished TLV bytes of one
 * element, and a constructed element allocates its buffer once and copies its children in. No
 * element objects, no second pass. For output too large to build element by element (a CRL's
 * million entries), `headerLength`, `writeHeaderAt` and `writeTimeAt` write into a buffer the
 * caller measured. Every function here takes already-validated values; what cannot be encoded
 * in DER throws `ASN1_VALUE_OUT_OF_RANGE`.
 */

function lengthOfLength(length: number): number {
  if (length < 0x80) return 1;
  if (length < 0x100) return 2;
  if (length < 0x10000) return 3;
  if (length < 0x1000000) return 4;
  return 5;
}

/** Octets of the identifier and length of an element whose content is `length` octets. */
export function headerLength(length: number): number {
  return 1 + lengthOfLength(length);
}

/** Writes an identifier and a DER length at `at`; returns where the content starts. */
export function writeHeaderAt(out: Buffer, at: number, tag: number, length: number): number {
  out[at] = tag;
  if (length < 0x80) {
    out[at + 1] = length;
    return at + 2;
  }
  const n = lengthOfLength(length) - 1;
  out[at + 1] = 0x80 | n;
  for (let i = 0; i < n; i++) out[at + 2 + i] = (length >>> (8 * (n - 1 - i))) & 0xff;
  return at + 2 + n;
}

function writeHeader(out: Buffer, tag: number, length: number): number {
  return writeHeaderAt(out, 0, tag, length);
}

/** One TLV with the given identifier octet and content. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + lengthOfLength(content.length) + content.length);
  const start = writeHeader(out, tag, content.length);
  out.set(content, start);
  return out;
}

/** One constructed TLV whose content is the concatenation of `parts`, allocated once. */
export function constructed(tag: number, parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = Buffer.allocUnsafe(1 + lengthOfLength(length) + length);
  let at = writeHeader(out, tag, length);
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function sequence(...parts: Uint8Array[]): Buffer {
  return constructed(Tag.SEQUENCE, parts);
}

/** SEQUENCE OF, from an array (avoids spreading very long lists onto the stack). */
export function sequenceOf(parts: readonly Uint8Array[]): Buffer {
  return constructed(Tag.SEQUENCE, parts);
}

/** SET with members in the order given: use for SET of one element (a name's RDN). */
export function set(...parts: Uint8Array[]): Buffer {
  return constructed(Tag.SET, parts);
}

/** SET OF: X.690 11.6 orders the encodings ascending, as octet strings, shorter first on a tie. */
export function setOf(parts: readonly Uint8Array[]): Buffer {
  const sorted = [...parts].sort((a, b) => Buffer.compare(a, b));
  return constructed(Tag.SET, sorted);
}

const TRUE = Buffer.from([Tag.BOOLEAN, 1, 0xff]);
const FALSE = Buffer.from([Tag.BOOLEAN, 1, 0x00]);
const NULL = Buffer.from([Tag.NULL, 0]);

export function boolean(value: boolean): Buffer {
  return value ? TRUE : FALSE;
}

export function nullValue(): Buffer {
  return NULL;
}

/** Minimal two's-complement content octets of an integer. */
function integerContent(value: bigint): Buffer {
  if (value >= 0n && value < 0x80n) return Buffer.from([Number(value)]);
  if (value < 0n && value >= -0x80n) return Buffer.from([Number(value & 0xffn)]);
  let hex = (value < 0n ? -value : value).toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if (value > 0n) {
    return bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  }
  // Negative: two's complement over one byte more than the magnitude, then drop redundant 0xff.
  const width = bytes.length + 1;
  bytes = Buffer.from(((1n << BigInt(width * 8)) + value).toString(16).padStart(width * 2, '0'), 'hex');
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0xff && (bytes[start + 1]! & 0x80) !== 0) start++;
  return bytes.subarray(start);
}

/** INTEGER from a number or bigint (any sign). */
export function integer(value: number | bigint): Buffer {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, `${value} is not a safe integer`);
  }
  return tlv(Tag.INTEGER, integerContent(BigInt(value)));
}

/**
 * INTEGER holding a non-negative number given as big-endian magnitude bytes, as serial numbers
 * and RSA moduli are: leading zero bytes are dropped and one 0x00 is prepended when the high bit
 * is set, so the value stays positive (X.690 8.3.2, RFC 5280 4.1.2.2).
 */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  if (magnitude.length === 0) return tlv(Tag.INTEGER, Buffer.from([0]));
  const body = magnitude.subarray(start);
  if ((body[0]! & 0x80) === 0) return tlv(Tag.INTEGER, body);
  const content = Buffer.allocUnsafe(body.length + 1);
  content[0] = 0;
  content.set(body, 1);
  return tlv(Tag.INTEGER, content);
}

export function enumerated(value: number): Buffer {
  if (!Number.isSafeInteger(value)) throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, `${value} is not a safe integer`);
  return tlv(Tag.ENUMERATED, integerContent(BigInt(value)));
}

/** BIT STRING; `unusedBits` (0-7) low bits of the last byte are padding and must be zero. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, 'a BIT STRING has 0 to 7 unused bits, and none when empty');
  }
  const out = Buffer.allocUnsafe(1 + lengthOfLength(bytes.length + 1) + bytes.length + 1);
  let at = writeHeader(out, Tag.BIT_STRING, bytes.length + 1);
  out[at++] = unusedBits;
  out.set(bytes, at);
  if (unusedBits > 0) out[out.length - 1]! &= 0xff << unusedBits;
  return out;
}

/**
 * BIT STRING of named bits (keyUsage, reasonFlags): bit 0 is the most significant bit of the
 * first byte. X.690 11.2.2: trailing zero bits are removed.
 */
export function namedBitString(bits: readonly number[]): Buffer {
  let highest = -1;
  for (const bit of bits) {
    if (!Number.isInteger(bit) || bit < 0 || bit > 255)
      throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, `named bit ${bit} is out of range`);
    if (bit > highest) highest = bit;
  }
  if (highest < 0) return bitString(Buffer.alloc(0));
  const bytes = Buffer.alloc((highest >> 3) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return bitString(bytes, 7 - (highest & 7));
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(Tag.OCTET_STRING, bytes);
}

export function oid(dotted: string): Buffer {
  return tlv(Tag.OID, encodeOidContent(dotted));
}

export function utf8String(text: string): Buffer {
  return tlv(Tag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function isPrintableString(text: string): boolean {
  return PRINTABLE.test(text);
}

export function printableString(text: string): Buffer {
  if (!PRINTABLE.test(text)) throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, `"${text}" has characters PrintableString cannot hold`);
  return tlv(Tag.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

export function ia5String(text: string): Buffer {
  // eslint-disable-next-line no-control-regex -- X.680 41.4: IA5String is the 128 ASCII code points, controls included.
  if (!/^[\x00-\x7f]*$/.test(text)) throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, 'IA5String holds ASCII only');
  return tlv(Tag.IA5_STRING, Buffer.from(text, 'latin1'));
}

function writeTwoDigits(out: Buffer, at: number, value: number): void {
  out[at] = 48 + ((value / 10) | 0);
  out[at + 1] = 48 + (value % 10);
}

const MS_PER_DAY = 86_400_000;

/**
 * Writes the UTCTime (13 content octets) or GeneralizedTime (15) TLV of `ms` at `at`, in DER's
 * form (whole seconds, Z); returns the next offset. The caller has checked the range (a UTCTime
 * year 1950-2049, a GeneralizedTime year 0-9999). The civil date comes from the day count by the
 * proleptic Gregorian calendar (days from civil, inverted): Date's getUTC* methods cost more
 * than everything else a CRL entry needs.
 */
export function writeTimeAt(out: Buffer, at: number, ms: number, isGeneralized: boolean): number {
  const days = Math.floor(ms / MS_PER_DAY);
  const secondOfDay = Math.floor((ms - days * MS_PER_DAY) / 1000);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (isGeneralized) {
    out[at++] = Tag.GENERALIZED_TIME;
    out[at++] = 15;
    writeTwoDigits(out, at, (year / 100) | 0);
    at += 2;
  } else {
    out[at++] = Tag.UTC_TIME;
    out[at++] = 13;
  }
  writeTwoDigits(out, at, year % 100);
  writeTwoDigits(out, at + 2, month);
  writeTwoDigits(out, at + 4, day);
  writeTwoDigits(out, at + 6, (secondOfDay / 3600) | 0);
  writeTwoDigits(out, at + 8, ((secondOfDay / 60) | 0) % 60);
  writeTwoDigits(out, at + 10, secondOfDay % 60);
  out[at + 12] = 0x5a;
  return at + 13;
}

function timeElement(date: Date, isGeneralized: boolean): Buffer {
  const out = Buffer.allocUnsafe(isGeneralized ? 17 : 15);
  writeTimeAt(out, 0, date.getTime(), isGeneralized);
  return out;
}

function yearOf(date: Date): number {
  if (!Number.isFinite(date.getTime())) throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, 'the time is not a valid date');
  return date.getUTCFullYear();
}

/** UTCTime YYMMDDHHMMSSZ; only for years 1950-2049. Fractions of a second are dropped. */
export function utcTime(date: Date): Buffer {
  const year = yearOf(date);
  if (!(year >= 1950 && year <= 2049)) throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, `UTCTime holds years 1950 to 2049, not ${year}`);
  return timeElement(date, false);
}

/** GeneralizedTime YYYYMMDDHHMMSSZ, without fractions (RFC 5280 4.1.2.5.2). */
export function generalizedTime(date: Date): Buffer {
  const year = yearOf(date);
  if (year < 0 || year > 9999) throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, `year ${year} cannot be encoded`);
  return timeElement(date, true);
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on. */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? utcTime(date) : generalizedTime(date);
}

/** `[n] EXPLICIT`: a constructed context tag wrapping whole elements. */
export function explicit(n: number, ...inner: Uint8Array[]): Buffer {
  checkTagNumber(n);
  return constructed(TagClass.CONTEXT | CONSTRUCTED | n, inner);
}

/**
 * `[n] IMPLICIT` over an encoded element: the element's identifier octet is replaced by the
 * context tag, keeping its constructed bit. Works on the output of any function here.
 */
export function implicit(n: number, element: Buffer): Buffer {
  checkTagNumber(n);
  const out = Buffer.from(element);
  out[0] = TagClass.CONTEXT | (element[0]! & CONSTRUCTED) | n;
  return out;
}

/** `[n] IMPLICIT` primitive with the given content octets (GeneralName's dNSName, say). */
export function contextPrimitive(n: number, content: Uint8Array): Buffer {
  checkTagNumber(n);
  return tlv(TagClass.CONTEXT | n, content);
}

/** `[n] IMPLICIT` constructed with the given parts as content. */
export function contextConstructed(n: number, parts: readonly Uint8Array[]): Buffer {
  checkTagNumber(n);
  return constructed(TagClass.CONTEXT | CONSTRUCTED | n, parts);
}

function checkTagNumber(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, `context tag [${n}] is out of range`);
}
