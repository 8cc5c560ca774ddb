import { BoundedCache } from '../bounded-cache.js';
import { Asn1Error } from '../errors.js';

// Keys come from outside input too (the attribute types of a CSR subject), hence the bound.
const encodedOids = new BoundedCache<string, Buffer>(4096);

/**
 * The content octets of an OBJECT IDENTIFIER in dotted form (X.690 8.19). Memoised (bounded): a
 * CA encodes the same few dozen OIDs millions of times.
 */
export function encodeOidContent(dotted: string): Buffer {
  const cached = encodedOids.get(dotted);
  if (cached !== undefined) return cached;
  const arcs = dotted.split('.');
  if (arcs.length < 2 || arcs.some((arc) => !/^(0|[1-9][0-9]*)$/.test(arc))) {
    throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, `"${dotted}" is not a dotted object identifier`);
  }
  const values = arcs.map((arc) => BigInt(arc));
  const first = values[0]!;
  const second = values[1]!;
  if (first > 2n || (first < 2n && second > 39n)) {
    throw new Asn1Error('ASN1_VALUE_OUT_OF_RANGE', 0, `"${dotted}" has an impossible first or second arc`);
  }
  const bytes: number[] = [];
  const subidentifiers = [first * 40n + second, ...values.slice(2)];
  for (const sub of subidentifiers) {
    const base128: number[] = [Number(sub & 0x7fn)];
    let rest = sub >> 7n;
    while (rest > 0n) {
      base128.unshift(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    bytes.push(...base128);
  }
  const encoded = Buffer.from(bytes);
  encodedOids.set(dotted, encoded);
  return encoded;
}

/** Dotted form of OBJECT IDENTIFIER content octets; strict on DER's minimal subidentifiers. */
export function decodeOidContent(content: Uint8Array, offset: number): string {
  if (content.length === 0) throw new Asn1Error('ASN1_BAD_VALUE', offset, 'an OBJECT IDENTIFIER is empty');
  if (content.length > 256) throw new Asn1Error('ASN1_BAD_VALUE', offset, 'an OBJECT IDENTIFIER is longer than 256 bytes');
  const arcs: string[] = [];
  let value = 0n;
  let isStart = true;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!;
    // X.690 8.19.2: a subidentifier never starts with 0x80 (that would be a non-minimal encoding).
    if (isStart && byte === 0x80) throw new Asn1Error('ASN1_BAD_VALUE', offset + i, 'an OBJECT IDENTIFIER arc is not minimally encoded');
    value = (value << 7n) | BigInt(byte & 0x7f);
    isStart = (byte & 0x80) === 0;
    if (isStart) {
      if (arcs.length === 0) {
        const first = value < 40n ? 0n : value < 80n ? 1n : 2n;
        arcs.push(first.toString(), (value - first * 40n).toString());
      } else {
        arcs.push(value.toString());
      }
      value = 0n;
    }
  }
  if (!isStart) throw new Asn1Error('ASN1_BAD_VALUE', offset + content.length - 1, 'an OBJECT IDENTIFIER ends inside an arc');
  return arcs.join('.');
}
