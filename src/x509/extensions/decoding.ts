import { decodeNested, readBitString, readBoolean, readInteger, readNull, readOctetString, readOid, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import { KEY_USAGES } from './types.js';
import type { AuthorityKeyIdentifier, BasicConstraints, KeyUsage } from './types.js';
import { decodeGeneralName } from '../general-name.js';
import type { GeneralName } from '../general-name.js';
import { formatSerialNumber } from '../serial/serial-number.js';

// Every decoder here takes the DER inside an extension's extnValue OCTET STRING and the offset
// of its first byte in the whole input, so that a fault reports where it is. Any fault is
// CERT_BAD_EXTENSION naming the extension; the underlying error is kept as `cause`.

/** A fault inside an extension value. */
export function badExtension(name: string, node: DerNode, detail: string): SymbolonError {
  return new SymbolonError('CERT_BAD_EXTENSION', `${name}: ${detail} (at byte ${node.offset})`);
}

/** Decodes `value` as one DER element and hands it to `decode`, reporting faults as CERT_BAD_EXTENSION. */
export function decodeExtensionValue<T>(name: string, value: Uint8Array, offset: number, decode: (node: DerNode) => T): T {
  const content = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  try {
    return decode(decodeNested(content, offset));
  } catch (error) {
    if (error instanceof SymbolonError && error.code !== 'CERT_BAD_EXTENSION') {
      throw new SymbolonError('CERT_BAD_EXTENSION', `${name}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * The children of a SEQUENCE whose fields are all OPTIONAL (or DEFAULT), by tag: each in the
 * order `tags` gives, at most once, and nothing else. `skip` passes over leading required fields.
 */
export function optionalFields(name: string, node: DerNode, tags: readonly number[], skip = 0): (DerNode | undefined)[] {
  if (node.tag !== Tag.SEQUENCE) throw badExtension(name, node, 'a SEQUENCE was expected');
  const found: (DerNode | undefined)[] = tags.map(() => undefined);
  let next = 0;
  for (const child of node.children.slice(skip)) {
    const index = tags.indexOf(child.tag, next);
    if (index < 0) throw badExtension(name, child, `a field with tag 0x${child.tag.toString(16)} is out of place or repeated`);
    found[index] = child;
    next = index + 1;
  }
  return found;
}

/** The children of a `SEQUENCE SIZE (1..MAX) OF`. */
export function nonEmptySequence(name: string, node: DerNode, tag: number = Tag.SEQUENCE): readonly DerNode[] {
  if (node.tag !== tag) throw badExtension(name, node, `tag 0x${tag.toString(16)} was expected, found 0x${node.tag.toString(16)}`);
  if (node.children.length === 0) throw badExtension(name, node, 'a list that needs at least one entry is empty');
  return node.children;
}

/** RFC 5280 4.2.1.6 GeneralNames: `SEQUENCE SIZE (1..MAX) OF GeneralName`, under `tag` when implicitly tagged. */
export function readGeneralNames(name: string, node: DerNode, tag: number = Tag.SEQUENCE, isConstraint = false): GeneralName[] {
  return nonEmptySequence(name, node, tag).map((child) => decodeGeneralName(child, isConstraint));
}

/**
 * A named bit list (KeyUsage, ReasonFlags): the numbers of the set bits. DER (X.690 11.2.2)
 * drops trailing zero bits, so the last bit encoded must be a one.
 */
export function readNamedBitList(name: string, node: DerNode, tag: number): number[] {
  const { unusedBits, bytes } = readBitString(node, tag);
  if (bytes.length > 0 && (bytes[bytes.length - 1]! & (1 << unusedBits)) === 0) {
    throw badExtension(name, node, 'a named bit list has trailing zero bits, which DER removes');
  }
  const bits: number[] = [];
  for (let bit = 0; bit < bytes.length * 8 - unusedBits; bit++) if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) bits.push(bit);
  return bits;
}

/** An INTEGER (0..MAX) that fits a JavaScript number: path lengths, skip certs. */
export function readCount(name: string, node: DerNode, tag: number = Tag.INTEGER): number {
  const value = readInteger(node, tag);
  if (value < 0n) throw badExtension(name, node, 'a count is negative');
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw badExtension(name, node, 'a count is too large to represent');
  return Number(value);
}

/** RFC 5280 4.2.1.9 basicConstraints. */
export function decodeBasicConstraints(value: Uint8Array, offset = 0): BasicConstraints {
  const name = 'basicConstraints';
  return decodeExtensionValue(name, value, offset, (node) => {
    const [ca, pathLen] = optionalFields(name, node, [Tag.BOOLEAN, Tag.INTEGER]);
    const isCa = ca !== undefined && readBoolean(ca);
    if (pathLen === undefined) return { isCa };
    return { isCa, pathLenConstraint: readCount(name, pathLen) };
  });
}

/** RFC 5280 4.2.1.3 keyUsage: the names of the bits set, in bit order. */
export function decodeKeyUsage(value: Uint8Array, offset = 0): KeyUsage[] {
  const name = 'keyUsage';
  return decodeExtensionValue(name, value, offset, (node) => {
    const bits = readNamedBitList(name, node, Tag.BIT_STRING);
    // RFC 5280 4.2.1.3: when the extension appears, at least one bit is set.
    if (bits.length === 0) throw badExtension(name, node, 'no bit is set');
    return bits.map((bit) => {
      const usage = KEY_USAGES[bit];
      if (usage === undefined) throw badExtension(name, node, `bit ${bit} is not a defined key usage`);
      return usage;
    });
  });
}

/** RFC 5280 4.2.1.12 extKeyUsage: the KeyPurposeId OIDs, in order. */
export function decodeExtKeyUsage(value: Uint8Array, offset = 0): string[] {
  const name = 'extKeyUsage';
  return decodeExtensionValue(name, value, offset, (node) => nonEmptySequence(name, node).map((child) => readOid(child)));
}

/** RFC 5280 4.2.1.2 subjectKeyIdentifier. */
export function decodeSubjectKeyIdentifier(value: Uint8Array, offset = 0): Buffer {
  return decodeExtensionValue('subjectKeyIdentifier', value, offset, (node) => readOctetString(node));
}

// AuthorityKeyIdentifier fields, IMPLICIT (RFC 5280 Appendix A.2).
const KEY_IDENTIFIER = 0x80;
const AUTHORITY_CERT_ISSUER = 0xa1;
const AUTHORITY_CERT_SERIAL = 0x82;

/** RFC 5280 4.2.1.1 authorityKeyIdentifier. */
export function decodeAuthorityKeyIdentifier(value: Uint8Array, offset = 0): AuthorityKeyIdentifier {
  const name = 'authorityKeyIdentifier';
  return decodeExtensionValue(name, value, offset, (node) => {
    const [keyId, issuer, serial] = optionalFields(name, node, [KEY_IDENTIFIER, AUTHORITY_CERT_ISSUER, AUTHORITY_CERT_SERIAL]);
    if (serial !== undefined) readInteger(serial, AUTHORITY_CERT_SERIAL);
    return {
      ...(keyId !== undefined && { keyIdentifier: keyId.content }),
      ...(issuer !== undefined && { authorityCertIssuer: readGeneralNames(name, issuer, AUTHORITY_CERT_ISSUER) }),
      ...(serial !== undefined && { authorityCertSerialNumber: formatSerialNumber(serial.content) }),
    };
  });
}

/** RFC 6960 4.2.2.2.1 id-pkix-ocsp-nocheck: its value is NULL. */
export function decodeOcspNoCheck(value: Uint8Array, offset = 0): true {
  decodeExtensionValue('ocspNoCheck', value, offset, (node) => readNull(node));
  return true;
}
