import { Asn1Error } from '../errors.js';
import { decodeOidContent } from './oid.js';
import { CONSTRUCTED, Tag, TagClass } from './tags.js';

/** Nesting deeper than this is refused: no X.509, CRL, OCSP or CMS structure comes near it. */
export const MAX_DER_DEPTH = 32;
/** Default cap on the size of one DER input. Parsers of small objects pass smaller caps. */
export const DEFAULT_MAX_DER_BYTES = 64 * 1024 * 1024;

export interface DecodeOptions {
  /** Largest input accepted, in bytes. */
  readonly maxBytes?: number;
}

/**
 * One decoded DER element. `bytes` (the whole TLV) and `content` (its value) are views into the
 * input made when asked for: a node holds only numbers and a reference to the input, so a
 * million-entry CRL decodes without a million typed arrays for the collector. Constructed
 * elements carry their decoded `children`.
 */
export class DerNode {
  constructor(
    /** The identifier octet. */
    readonly tag: number,
    /** Offset of the identifier octet in the decoded input (for error messages). */
    readonly offset: number,
    /** Length of the identifier and length octets. */
    readonly headerLength: number,
    /** Length of the content octets. */
    readonly length: number,
    readonly children: readonly DerNode[],
    private readonly source: Buffer,
    private readonly start: number,
  ) {}

  /** The whole TLV. */
  get bytes(): Buffer {
    return this.source.subarray(this.start, this.start + this.headerLength + this.length);
  }

  /** The content octets. */
  get content(): Buffer {
    return this.source.subarray(this.start + this.headerLength, this.start + this.headerLength + this.length);
  }

  /** Length of the whole TLV. */
  get byteLength(): number {
    return this.headerLength + this.length;
  }

  get isConstructed(): boolean {
    return (this.tag & CONSTRUCTED) !== 0;
  }

  get tagClass(): number {
    return this.tag & 0xc0;
  }

  /** The tag number within its class (low five bits). */
  get tagNumber(): number {
    return this.tag & 0x1f;
  }

  /** Offset of the first content octet in the decoded input. */
  get contentOffset(): number {
    return this.offset + this.headerLength;
  }

  /** Is this a context-specific `[n]` tag? */
  isContext(n: number): boolean {
    return this.tagClass === TagClass.CONTEXT && this.tagNumber === n;
  }

  /**
   * The same element read under another tag, as an IMPLICIT tag is read as the type it
   * replaces (a DistributionPointName's nameRelativeToCRLIssuer as a SET, say).
   */
  retag(tag: number, children: readonly DerNode[] = this.children): DerNode {
    return new DerNode(tag, this.offset, this.headerLength, this.length, children, this.source, this.start);
  }
}

interface Header {
  readonly tag: number;
  readonly headerLength: number;
  readonly length: number;
}

/** Reads one identifier and length at `at`, strictly; the content must fit before `end`. */
export function readHeader(input: Uint8Array, at: number, end: number, base = 0): Header {
  if (at >= end) throw new Asn1Error('ASN1_TRUNCATED', base + at, 'a DER element was expected but the data ended');
  const tag = input[at]!;
  if ((tag & 0x1f) === 0x1f) throw new Asn1Error('ASN1_BAD_TAG', base + at, 'high tag numbers are not used by X.509 and are refused');
  if (at + 1 >= end) throw new Asn1Error('ASN1_TRUNCATED', base + at + 1, 'the data ends before the length of an element');
  const first = input[at + 1]!;
  let length: number;
  let headerLength: number;
  if (first < 0x80) {
    length = first;
    headerLength = 2;
  } else if (first === 0x80) {
    throw new Asn1Error('ASN1_INDEFINITE_LENGTH', base + at + 1);
  } else {
    const n = first & 0x7f;
    if (n > 4) throw new Asn1Error('ASN1_BAD_LENGTH', base + at + 1, `a length of ${n} octets is beyond any input accepted`);
    if (at + 2 + n > end) throw new Asn1Error('ASN1_TRUNCATED', base + at + 2, 'the data ends inside the length of an element');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + input[at + 2 + i]!;
    // X.690 10.1: the length is encoded in the fewest octets, and the long form only from 128 on.
    if (input[at + 2] === 0 || length < 0x80)
      throw new Asn1Error('ASN1_BAD_LENGTH', base + at + 1, 'a DER length is not encoded in its minimal form');
    headerLength = 2 + n;
  }
  if (at + headerLength + length > end) {
    throw new Asn1Error(
      'ASN1_BAD_LENGTH',
      base + at + 1,
      `an element of ${length} bytes runs past the ${end - at - headerLength} bytes that remain`,
    );
  }
  return { tag, headerLength, length };
}

function isConstructedAllowed(tag: number): boolean {
  if ((tag & CONSTRUCTED) === 0) return true;
  // DER (X.690 10.2): universal string and other primitive types are never constructed.
  return (tag & 0xc0) !== TagClass.UNIVERSAL || tag === Tag.SEQUENCE || tag === Tag.SET;
}

const NO_CHILDREN: readonly DerNode[] = Object.freeze([]);

function decodeAt(buffer: Buffer, at: number, end: number, depth: number, base = 0): DerNode {
  if (depth > MAX_DER_DEPTH) throw new Asn1Error('ASN1_TOO_DEEP', base + at, `DER nesting deeper than ${MAX_DER_DEPTH} levels`);
  const { tag, headerLength, length } = readHeader(buffer, at, end, base);
  if (!isConstructedAllowed(tag))
    throw new Asn1Error('ASN1_BAD_TAG', base + at, 'a universal primitive type is encoded constructed, which DER forbids');
  if (tag === 0 && length === 0)
    throw new Asn1Error('ASN1_BAD_TAG', base + at, 'an end-of-contents marker belongs to BER indefinite lengths, not DER');
  const contentStart = at + headerLength;
  const contentEnd = contentStart + length;
  if ((tag & CONSTRUCTED) === 0) return new DerNode(tag, base + at, headerLength, length, NO_CHILDREN, buffer, at);
  const children: DerNode[] = [];
  let cursor = contentStart;
  while (cursor < contentEnd) {
    const child = decodeAt(buffer, cursor, contentEnd, depth + 1, base);
    children.push(child);
    cursor += child.byteLength;
  }
  return new DerNode(tag, base + at, headerLength, length, children, buffer, at);
}

/**
 * Decodes one complete DER element: every length checked, the whole tree built, trailing bytes
 * refused. Throws `Asn1Error` with a stable code and the byte offset of the fault.
 */
export function decodeDer(input: Uint8Array, options: DecodeOptions = {}): DerNode {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DER_BYTES;
  if (input.length > maxBytes)
    throw new Asn1Error('ASN1_TOO_LARGE', 0, `the input is ${input.length} bytes, over the limit of ${maxBytes}`);
  const buffer = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const node = decodeAt(buffer, 0, buffer.length, 0);
  if (node.byteLength !== buffer.length)
    throw new Asn1Error('ASN1_TRAILING_DATA', node.byteLength, `${buffer.length - node.byteLength} bytes follow the DER element`);
  return node;
}

/**
 * Decodes DER that sits inside another element's content (an extension's OCTET STRING, say).
 * Offsets, in the nodes and in errors, count from the start of the outer input.
 */
export function decodeNested(content: Buffer, baseOffset: number): DerNode {
  const node = decodeAt(content, 0, content.length, 0, baseOffset);
  if (node.byteLength !== content.length) {
    throw new Asn1Error(
      'ASN1_TRAILING_DATA',
      baseOffset + node.byteLength,
      `${content.length - node.byteLength} bytes follow the DER element`,
    );
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// Typed readers: each checks the tag and the DER rules of its type.

export function expectTag(node: DerNode | undefined, tag: number, what: string, parentOffset = 0): DerNode {
  if (node === undefined) throw new Asn1Error('ASN1_UNEXPECTED_TAG', parentOffset, `${what} is missing`);
  if (node.tag !== tag) {
    throw new Asn1Error(
      'ASN1_UNEXPECTED_TAG',
      node.offset,
      `${what} was expected (tag 0x${tag.toString(16)}), found tag 0x${node.tag.toString(16)}`,
    );
  }
  return node;
}

export function expectSequence(node: DerNode | undefined, what: string, parentOffset = 0): DerNode {
  return expectTag(node, Tag.SEQUENCE, what, parentOffset);
}

function checkMinimalInteger(node: DerNode): void {
  const c = node.content;
  if (c.length === 0) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'an INTEGER has no content octets');
  // X.690 8.3.2: the first nine bits are never all zero or all one.
  if (c.length > 1 && ((c[0] === 0x00 && (c[1]! & 0x80) === 0) || (c[0] === 0xff && (c[1]! & 0x80) !== 0))) {
    throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'an INTEGER is not minimally encoded');
  }
}

/** INTEGER as a bigint (any sign). */
export function readInteger(node: DerNode, tag: number = Tag.INTEGER): bigint {
  expectTag(node, tag, 'an INTEGER');
  checkMinimalInteger(node);
  if (node.content.length > 1024) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'an INTEGER is longer than 1024 octets');
  let value = BigInt('0x' + node.content.toString('hex'));
  if (node.content[0]! & 0x80) value -= 1n << BigInt(node.content.length * 8);
  return value;
}

/** INTEGER that must fit a JavaScript number (versions, path lengths, CRL reasons). */
export function readSmallInteger(node: DerNode, tag: number = Tag.INTEGER): number {
  const value = readInteger(node, tag);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'an INTEGER is too large for this field');
  }
  return Number(value);
}

/**
 * INTEGER content as its two's-complement octets, unmodified (serial numbers, read as hex).
 * Minimal encoding is checked; the sign is the caller's business.
 */
export function readIntegerBytes(node: DerNode): Buffer {
  expectTag(node, Tag.INTEGER, 'an INTEGER');
  checkMinimalInteger(node);
  return node.content;
}

export function readBoolean(node: DerNode): boolean {
  expectTag(node, Tag.BOOLEAN, 'a BOOLEAN');
  if (node.content.length !== 1) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a BOOLEAN is not one octet long');
  const value = node.content[0]!;
  // X.690 11.1: DER encodes TRUE as 0xFF, and nothing else.
  if (value !== 0x00 && value !== 0xff) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a BOOLEAN is neither 0x00 nor 0xFF');
  return value === 0xff;
}

export function readNull(node: DerNode): null {
  expectTag(node, Tag.NULL, 'a NULL');
  if (node.content.length !== 0) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a NULL has content');
  return null;
}

export function readOid(node: DerNode): string {
  expectTag(node, Tag.OID, 'an OBJECT IDENTIFIER');
  return decodeOidContent(node.content, node.contentOffset);
}

export interface BitString {
  readonly unusedBits: number;
  readonly bytes: Buffer;
}

export function readBitString(node: DerNode, tag: number = Tag.BIT_STRING): BitString {
  expectTag(node, tag, 'a BIT STRING');
  const c = node.content;
  if (c.length === 0) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a BIT STRING has no content octets');
  const unusedBits = c[0]!;
  if (unusedBits > 7 || (c.length === 1 && unusedBits !== 0))
    throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a BIT STRING has an impossible count of unused bits');
  // X.690 11.2.1: the unused bits are zero.
  if (unusedBits > 0 && (c[c.length - 1]! & ((1 << unusedBits) - 1)) !== 0) {
    throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a BIT STRING has non-zero padding bits');
  }
  return { unusedBits, bytes: c.subarray(1) };
}

/** Named bits set in a BIT STRING (keyUsage, reasonFlags): bit 0 is the first byte's high bit. */
export function readNamedBits(node: DerNode): number[] {
  const { unusedBits, bytes } = readBitString(node, node.tag);
  const bits: number[] = [];
  const total = bytes.length * 8 - unusedBits;
  for (let bit = 0; bit < total; bit++) if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) bits.push(bit);
  return bits;
}

export function readOctetString(node: DerNode, tag: number = Tag.OCTET_STRING): Buffer {
  expectTag(node, tag, 'an OCTET STRING');
  return node.content;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true });

/** Any of the directory string types, as text; each type's character set is enforced. */
export function readString(node: DerNode): string {
  const c = node.content;
  switch (node.tag) {
    case Tag.UTF8_STRING:
      try {
        return fatalUtf8.decode(c);
      } catch {
        throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a UTF8String is not valid UTF-8');
      }
    case Tag.PRINTABLE_STRING: {
      const text = c.toString('latin1');
      if (!PRINTABLE.test(text)) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a PrintableString has characters outside its set');
      return text;
    }
    case Tag.IA5_STRING:
    case Tag.VISIBLE_STRING: {
      for (const byte of c)
        if (byte > 0x7f) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'an IA5String or VisibleString has non-ASCII bytes');
      return c.toString('latin1');
    }
    case Tag.T61_STRING:
      // Teletex is treated as Latin-1, as OpenSSL and browsers do.
      return c.toString('latin1');
    case Tag.BMP_STRING:
      if (c.length % 2 !== 0) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a BMPString has an odd length');
      try {
        return utf16be.decode(c);
      } catch {
        throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a BMPString is not valid UCS-2');
      }
    case Tag.UNIVERSAL_STRING: {
      if (c.length % 4 !== 0) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a UniversalString length is not a multiple of 4');
      let text = '';
      for (let i = 0; i < c.length; i += 4) {
        const cp = c.readUInt32BE(i);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
          throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a UniversalString has an invalid code point');
        text += String.fromCodePoint(cp);
      }
      return text;
    }
    default:
      throw new Asn1Error('ASN1_UNEXPECTED_TAG', node.offset, `a string was expected, found tag 0x${node.tag.toString(16)}`);
  }
}

/** IA5String content with an implicit tag (GeneralName's dNSName, rfc822Name, URI). */
export function readIa5Content(node: DerNode): string {
  for (const byte of node.content) if (byte > 0x7f) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'an IA5String has non-ASCII bytes');
  return node.content.toString('latin1');
}

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/;

function toDate(node: DerNode, year: number, parts: readonly string[], fraction: string | undefined): Date {
  const [month, day, hour, minute, second] = parts.map(Number) as [number, number, number, number, number];
  const ms = fraction === undefined ? 0 : Math.floor(Number('0.' + fraction) * 1000);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  if (year < 100) date.setUTCFullYear(year);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a time names a date or hour that does not exist');
  }
  return date;
}

/** UTCTime or GeneralizedTime in their DER forms (Z, seconds, no trailing zero fraction). */
export function readTime(node: DerNode): Date {
  const text = node.content.toString('latin1');
  if (node.tag === Tag.UTC_TIME) {
    const m = UTC_TIME.exec(text);
    if (m === null) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a UTCTime is not of the form YYMMDDHHMMSSZ');
    const yy = Number(m[1]);
    // RFC 5280 4.1.2.5.1: YY of 50 or more is 19YY, less than 50 is 20YY.
    return toDate(node, yy >= 50 ? 1900 + yy : 2000 + yy, m.slice(2, 7), undefined);
  }
  if (node.tag === Tag.GENERALIZED_TIME) {
    const m = GENERALIZED_TIME.exec(text);
    if (m === null) throw new Asn1Error('ASN1_BAD_VALUE', node.offset, 'a GeneralizedTime is not of the form YYYYMMDDHHMMSS[.f]Z');
    return toDate(node, Number(m[1]), m.slice(2, 7), m[7]);
  }
  throw new Asn1Error('ASN1_UNEXPECTED_TAG', node.offset, `a time was expected, found tag 0x${node.tag.toString(16)}`);
}
