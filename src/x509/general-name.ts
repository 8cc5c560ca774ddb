import { der, decodeOidContent, readIa5Content, TagClass } from '../asn1/index.js';
import type { DerNode } from '../asn1/index.js';
import { SymbolonError } from '../errors.js';
import { decodeName, encodeName, formatName } from './name.js';
import type { DistinguishedName } from './name.js';

/**
 * RFC 5280 4.2.1.6 GeneralName, for the forms Symbolon reads and writes. In name constraints an
 * `ip` value is a CIDR block (`10.0.0.0/8`, `fd00::/8`); elsewhere it is one address.
 */
export type GeneralName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly value: string }
  | { readonly type: 'uri'; readonly value: string }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'dirName'; readonly value: DistinguishedName }
  | { readonly type: 'registeredId'; readonly value: string }
  /** otherName [0], x400Address [3], ediPartyName [5]: kept as their DER. */
  | { readonly type: 'other'; readonly tag: number; readonly der: Buffer };

// GeneralName CHOICE tags (RFC 5280 4.2.1.6).
const OTHER_NAME = 0;
const RFC822_NAME = 1;
const DNS_NAME = 2;
const DIRECTORY_NAME = 4;
const URI = 6;
const IP_ADDRESS = 7;
const REGISTERED_ID = 8;

/** Bytes of an IPv4 or IPv6 address in text form, or undefined when it is neither. */
export function ipToBytes(text: string): Buffer | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    if (parts.some((p, i) => p > 255 || (text.split('.')[i]!.length > 1 && text.split('.')[i]!.startsWith('0')))) return undefined;
    return Buffer.from(parts);
  }
  if (!text.includes(':') || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  let v4Tail: Buffer | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4Tail = ipToBytes(text.slice(lastColon + 1));
    if (v4Tail === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return groups.map((g) => parseInt(g, 16));
  };
  const left = parseGroups(halves[0]!);
  const right = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (left === undefined || right === undefined) return undefined;
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const groups = [...left, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  if (v4Tail !== undefined) v4Tail.copy(bytes, 12);
  return bytes;
}

/** Text of a 4- or 16-byte address: dotted quad, or RFC 5952 IPv6. */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952 4.2: compress the longest run of two or more zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLength).join(':');
}

function prefixToMask(prefix: number, length: number): Buffer {
  const mask = Buffer.alloc(length);
  for (let i = 0; i < prefix; i++) mask[i >> 3]! |= 0x80 >> (i & 7);
  return mask;
}

function maskToPrefix(mask: Uint8Array): number | undefined {
  let prefix = 0;
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const isSet = ((byte >> bit) & 1) === 1;
      if (isSet && seenZero) return undefined;
      if (isSet) prefix++;
      else seenZero = true;
    }
  }
  return prefix;
}

function ascii(value: string, what: string): Buffer {
  if (!/^[\x21-\x7e]+$/.test(value))
    throw new SymbolonError('CERT_BAD_NAME', `${what} "${value}" must be non-empty printable ASCII without spaces`);
  return Buffer.from(value, 'latin1');
}

/** DER of one GeneralName. `isConstraint` selects the CIDR form of iPAddress (RFC 5280 4.2.1.10). */
export function encodeGeneralName(name: GeneralName, isConstraint = false): Buffer {
  switch (name.type) {
    case 'dns':
      return der.contextPrimitive(DNS_NAME, ascii(name.value, 'the DNS name'));
    case 'email':
      return der.contextPrimitive(RFC822_NAME, ascii(name.value, 'the email address'));
    case 'uri':
      return der.contextPrimitive(URI, ascii(name.value, 'the URI'));
    case 'ip': {
      if (isConstraint) {
        const [address, prefixText, extra] = name.value.split('/');
        const bytes = ipToBytes(address ?? '');
        const prefix = Number(prefixText);
        if (bytes === undefined || extra !== undefined || !/^\d+$/.test(prefixText ?? '') || prefix > bytes.length * 8) {
          throw new SymbolonError('CERT_BAD_NAME', `"${name.value}" is not an address block such as 10.0.0.0/8 or fd00::/8`);
        }
        return der.contextPrimitive(IP_ADDRESS, Buffer.concat([bytes, prefixToMask(prefix, bytes.length)]));
      }
      const bytes = ipToBytes(name.value);
      if (bytes === undefined) throw new SymbolonError('CERT_BAD_NAME', `"${name.value}" is not an IPv4 or IPv6 address`);
      return der.contextPrimitive(IP_ADDRESS, bytes);
    }
    case 'dirName':
      // Name is a CHOICE, so the tag is explicit (RFC 5280 Appendix A.2, X.680 31.2.7).
      return der.explicit(DIRECTORY_NAME, encodeName(name.value));
    case 'registeredId':
      return der.implicit(REGISTERED_ID, der.oid(name.value));
    case 'other':
      return name.der;
  }
}

/** Decodes one GeneralName node; `isConstraint` reads iPAddress as address and mask. */
export function decodeGeneralName(node: DerNode, isConstraint = false): GeneralName {
  if (node.tagClass !== TagClass.CONTEXT)
    throw new SymbolonError('CERT_BAD_NAME', `a GeneralName must have a context tag (at byte ${node.offset})`);
  const n = node.tagNumber;
  const isConstructedForm = n === OTHER_NAME || n === DIRECTORY_NAME || n === 3 || n === 5;
  if (node.isConstructed !== isConstructedForm)
    throw new SymbolonError('CERT_BAD_NAME', `GeneralName [${n}] has the wrong primitive/constructed form (at byte ${node.offset})`);
  switch (n) {
    case DNS_NAME:
      return { type: 'dns', value: readIa5Content(node) };
    case RFC822_NAME:
      return { type: 'email', value: readIa5Content(node) };
    case URI:
      return { type: 'uri', value: readIa5Content(node) };
    case IP_ADDRESS: {
      const c = node.content;
      if (isConstraint) {
        if (c.length !== 8 && c.length !== 32)
          throw new SymbolonError('CERT_BAD_NAME', `an iPAddress constraint is ${c.length} bytes, not 8 or 32 (at byte ${node.offset})`);
        const half = c.length / 2;
        const prefix = maskToPrefix(c.subarray(half));
        if (prefix === undefined)
          throw new SymbolonError('CERT_BAD_NAME', `an iPAddress constraint has a non-contiguous mask (at byte ${node.offset})`);
        return { type: 'ip', value: `${bytesToIp(c.subarray(0, half))}/${prefix}` };
      }
      if (c.length !== 4 && c.length !== 16)
        throw new SymbolonError('CERT_BAD_NAME', `an iPAddress is ${c.length} bytes, not 4 or 16 (at byte ${node.offset})`);
      return { type: 'ip', value: bytesToIp(c) };
    }
    case DIRECTORY_NAME: {
      if (node.children.length !== 1)
        throw new SymbolonError('CERT_BAD_NAME', `a directoryName must hold exactly one Name (at byte ${node.offset})`);
      return { type: 'dirName', value: decodeName(node.children[0]!) };
    }
    case REGISTERED_ID:
      return { type: 'registeredId', value: decodeOidContent(node.content, node.contentOffset) };
    case OTHER_NAME:
    case 3:
    case 5:
      return { type: 'other', tag: n, der: node.bytes };
    default:
      throw new SymbolonError('CERT_BAD_NAME', `GeneralName [${n}] does not exist (at byte ${node.offset})`);
  }
}

/** The name in the form OpenSSL prints it: `DNS:example.com`, `IP Address:10.0.0.1`, ... */
export function formatGeneralName(name: GeneralName): string {
  switch (name.type) {
    case 'dns':
      return `DNS:${name.value}`;
    case 'ip':
      return `IP:${name.value}`;
    case 'uri':
      return `URI:${name.value}`;
    case 'email':
      return `email:${name.value}`;
    case 'dirName':
      return `DirName:${formatName(name.value)}`;
    case 'registeredId':
      return `RID:${name.value}`;
    case 'other':
      return `othername[${name.tag}]`;
  }
}
