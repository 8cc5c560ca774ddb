import { decodeDer, der, readOid, readString, Tag } from '../asn1/index.js';
import type { DerNode } from '../asn1/index.js';
import { SymbolonError } from '../errors.js';
import { OID } from './oids.js';

/** One attribute of a distinguished name: its type as a dotted OID and its value as text. */
export interface NameAttribute {
  readonly type: string;
  /** The string, or for a value that is not a string (RFC 4514 2.4) `#` and the hex of its DER. */
  readonly value: string;
  /** Set only when `value` is `#` + hex DER: a value of a type that is not a string. */
  readonly isHexEncoded?: true;
}

/**
 * A distinguished name as RDNs in encoding order (most significant first: C, O, ..., CN).
 * Almost every RDN holds one attribute; multi-valued RDNs keep all of theirs.
 */
export type DistinguishedName = readonly (readonly NameAttribute[])[];

/** Short names of the usual attribute types, as OpenSSL and RFC 4514 print them. */
export const ATTRIBUTE_SHORT_NAMES: Readonly<Record<string, string>> = {
  [OID.commonName]: 'CN',
  [OID.surname]: 'SN',
  [OID.serialNumber]: 'serialNumber',
  [OID.countryName]: 'C',
  [OID.localityName]: 'L',
  [OID.stateOrProvinceName]: 'ST',
  [OID.streetAddress]: 'street',
  [OID.organizationName]: 'O',
  [OID.organizationalUnitName]: 'OU',
  [OID.title]: 'title',
  [OID.postalCode]: 'postalCode',
  [OID.givenName]: 'GN',
  [OID.dnQualifier]: 'dnQualifier',
  [OID.pseudonym]: 'pseudonym',
  [OID.organizationIdentifier]: 'organizationIdentifier',
  [OID.domainComponent]: 'DC',
  [OID.userId]: 'UID',
  [OID.emailAddress]: 'emailAddress',
};

const OID_BY_SHORT_NAME = new Map<string, string>(Object.entries(ATTRIBUTE_SHORT_NAMES).map(([oid, short]) => [short.toLowerCase(), oid]));
OID_BY_SHORT_NAME.set('givenname', OID.givenName);
OID_BY_SHORT_NAME.set('email', OID.emailAddress);
OID_BY_SHORT_NAME.set('e', OID.emailAddress);

/** Upper bounds of RFC 5280 Appendix A (ub-*), enforced when building. */
const UPPER_BOUNDS: Readonly<Record<string, number>> = {
  [OID.commonName]: 64,
  [OID.organizationName]: 64,
  [OID.organizationalUnitName]: 64,
  [OID.localityName]: 128,
  [OID.stateOrProvinceName]: 128,
  [OID.countryName]: 2,
  [OID.emailAddress]: 255,
  [OID.serialNumber]: 64,
};

/** The dotted OID for an attribute short name (CN, O, ...) or a dotted OID given as is. */
export function attributeTypeOid(nameOrOid: string): string {
  if (/^\d+(\.\d+)+$/.test(nameOrOid)) return nameOrOid;
  const oid = OID_BY_SHORT_NAME.get(nameOrOid.toLowerCase());
  if (oid === undefined)
    throw new SymbolonError(
      'CERT_BAD_NAME',
      `"${nameOrOid}" is not a known name attribute (use CN, O, OU, C, ST, L, DC, emailAddress, serialNumber or a dotted OID)`,
    );
  return oid;
}

function encodeAttributeValue(type: string, value: string, isHexEncoded: boolean): Buffer {
  if (isHexEncoded)
    throw new SymbolonError(
      'CERT_BAD_NAME',
      `${ATTRIBUTE_SHORT_NAMES[type] ?? type} is given as #hex of a type that is not a string; only string values are encoded`,
    );
  const bound = UPPER_BOUNDS[type];
  if (bound !== undefined && [...value].length > bound) {
    throw new SymbolonError('CERT_BAD_NAME', `${ATTRIBUTE_SHORT_NAMES[type] ?? type} is limited to ${bound} characters by RFC 5280`);
  }
  if (value.length === 0) throw new SymbolonError('CERT_BAD_NAME', `${ATTRIBUTE_SHORT_NAMES[type] ?? type} is empty`);
  switch (type) {
    // RFC 5280 Appendix A: these are PrintableString.
    case OID.countryName:
    case OID.serialNumber:
    case OID.dnQualifier:
      if (!der.isPrintableString(value)) throw new SymbolonError('CERT_BAD_NAME', `${ATTRIBUTE_SHORT_NAMES[type]} must be printable ASCII`);
      if (type === OID.countryName && !/^[A-Z]{2}$/.test(value))
        throw new SymbolonError('CERT_BAD_NAME', `countryName must be two capital letters, not "${value}"`);
      return der.printableString(value);
    case OID.emailAddress:
    case OID.domainComponent:
      if (!/^[\x20-\x7e]*$/.test(value)) throw new SymbolonError('CERT_BAD_NAME', `${ATTRIBUTE_SHORT_NAMES[type]} must be ASCII`);
      return der.ia5String(value);
    default:
      // RFC 5280 4.1.2.4: new certificates use UTF8String for DirectoryString.
      return der.utf8String(value);
  }
}

/** DER of a Name (RDNSequence). */
export function encodeName(name: DistinguishedName): Buffer {
  const rdns = name.map((rdn) => {
    if (rdn.length === 0) throw new SymbolonError('CERT_BAD_NAME', 'a relative distinguished name is empty');
    const atvs = rdn.map((atv) => der.sequence(der.oid(atv.type), encodeAttributeValue(atv.type, atv.value, atv.isHexEncoded === true)));
    return atvs.length === 1 ? der.set(atvs[0]!) : der.setOf(atvs);
  });
  return der.sequenceOf(rdns);
}

/** Decodes a Name (RDNSequence) node. */
export function decodeName(node: DerNode): DistinguishedName {
  if (node.tag !== Tag.SEQUENCE) throw new SymbolonError('CERT_BAD_NAME', `a Name must be a SEQUENCE (at byte ${node.offset})`);
  return node.children.map((rdn) => {
    if (rdn.tag !== Tag.SET || rdn.children.length === 0)
      throw new SymbolonError('CERT_BAD_NAME', `a relative distinguished name must be a non-empty SET (at byte ${rdn.offset})`);
    return rdn.children.map((atv) => {
      if (atv.tag !== Tag.SEQUENCE || atv.children.length !== 2)
        throw new SymbolonError('CERT_BAD_NAME', `a name attribute must be a SEQUENCE of type and value (at byte ${atv.offset})`);
      const type = readOid(atv.children[0]!);
      return attributeOf(type, atv.children[1]!);
    });
  });
}

/** The ASN.1 string types a DirectoryString or an attribute value may take (X.520). */
const STRING_TAGS: ReadonlySet<number> = new Set([
  Tag.UTF8_STRING,
  Tag.PRINTABLE_STRING,
  Tag.T61_STRING,
  Tag.IA5_STRING,
  Tag.VISIBLE_STRING,
  Tag.UNIVERSAL_STRING,
  Tag.BMP_STRING,
]);

/**
 * A string value as its text; any other value as `#` + hex DER, marked (RFC 4514 2.4). A string
 * type whose bytes break its own rules (a UTF8String that is not UTF-8, a PrintableString with
 * `@`) is refused rather than shown as hex: its hex text would read as another value.
 */
function attributeOf(type: string, valueNode: DerNode): NameAttribute {
  if (!STRING_TAGS.has(valueNode.tag)) return Object.freeze({ type, value: '#' + valueNode.bytes.toString('hex'), isHexEncoded: true });
  try {
    return Object.freeze({ type, value: readString(valueNode) });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SymbolonError('CERT_BAD_NAME', `the ${ATTRIBUTE_SHORT_NAMES[type] ?? type} value is not a valid string: ${detail}`, {
      cause: error,
    });
  }
}

function escapeRfc4514(value: string): string {
  let escaped = value.replace(/[\\"+,;<>=]/g, (c) => '\\' + c);
  escaped = escaped.replace(/^[ #]/, (c) => '\\' + c).replace(/ $/, '\\ ');
  // eslint-disable-next-line no-control-regex -- control characters are the ones RFC 4514 2.4 output must hex-escape.
  return escaped.replace(/[\x00-\x1f\x7f]/g, (c) => '\\' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

/**
 * The name as RFC 4514 text, most specific RDN first (`CN=leaf,O=Acme,C=US`), as OpenSSL prints
 * with `-nameopt RFC2253`: a string that begins with `#` is escaped (`CN=\\#0c05...`), so that
 * only a value that is not a string is printed as `#` + hex DER. The one formatter of names:
 * route rules, XFCC, the store and `inspect` all print through it.
 */
export function formatName(name: DistinguishedName): string {
  return [...name]
    .reverse()
    .map((rdn) =>
      rdn
        .map((atv) => `${ATTRIBUTE_SHORT_NAMES[atv.type] ?? atv.type}=${atv.isHexEncoded === true ? atv.value : escapeRfc4514(atv.value)}`)
        .join('+'),
    )
    .join(',');
}

/**
 * Parses a name written as OpenSSL's `/C=US/O=Acme/CN=leaf` (encoding order) or RFC 4514's
 * `CN=leaf,O=Acme,C=US` (reverse order). Multi-valued RDNs use `+`. Backslash escapes a
 * character.
 */
export function parseName(text: string): DistinguishedName {
  const trimmed = trimUnescaped(text);
  if (trimmed === '' || trimmed === '/') return [];
  const isSlashForm = trimmed.startsWith('/');
  const separator = isSlashForm ? '/' : ',';
  const rdnTexts = splitUnescaped(isSlashForm ? trimmed.slice(1) : trimmed, separator);
  const rdns = rdnTexts.map((rdnText) =>
    splitUnescaped(rdnText, '+').map((atvText) => {
      const eq = indexOfUnescaped(atvText, '=');
      if (eq <= 0) throw new SymbolonError('CERT_BAD_NAME', `"${atvText}" is not of the form TYPE=value`);
      const type = attributeTypeOid(atvText.slice(0, eq).trim());
      const raw = trimUnescaped(atvText.slice(eq + 1));
      if (HEX_STRING.test(raw)) return hexAttribute(type, raw);
      return Object.freeze({ type, value: unescape(raw) });
    }),
  );
  return isSlashForm ? rdns : rdns.reverse();
}

/** RFC 4514 3: an unescaped `#` and hex pairs is the BER of the value. */
const HEX_STRING = /^#(?:[0-9a-fA-F]{2})+$/;

/** `#hex` text: a string value stands for its text (as an RFC 4514 reader takes it), any other value stays hex DER. */
function hexAttribute(type: string, text: string): NameAttribute {
  let node: DerNode;
  try {
    node = decodeDer(Buffer.from(text.slice(1), 'hex'));
  } catch (error) {
    throw new SymbolonError('CERT_BAD_NAME', `the value ${text.slice(0, 40)} is not hex DER`, { cause: error });
  }
  return attributeOf(type, node);
}

function indexOfUnescaped(text: string, char: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === char) return i;
  }
  return -1;
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts.filter((part) => part.trim() !== '');
}

/** Trims white space, except a trailing space kept by a backslash (RFC 4514 2.4). */
function trimUnescaped(text: string): string {
  let end = text.length;
  while (end > 0 && /\s/.test(text[end - 1]!)) {
    let backslashes = 0;
    while (end - 2 - backslashes >= 0 && text[end - 2 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 1) break;
    end--;
  }
  return text.slice(0, end).trimStart();
}

/** RFC 4514 2.4 unescaping: `\c` is `c`, and runs of `\XX` hex pairs are UTF-8 octets. */
function unescape(text: string): string {
  let out = '';
  const octets: number[] = [];
  const flush = (): void => {
    if (octets.length > 0) out += Buffer.from(octets).toString('utf8');
    octets.length = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      octets.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    flush();
    if (c === '\\' && i + 1 < text.length) out += text[++i];
    else out += c;
  }
  flush();
  return out;
}

/** The first value of an attribute (the CN, say), or undefined. */
export function nameAttribute(name: DistinguishedName, type: string): string | undefined {
  for (const rdn of name) for (const atv of rdn) if (atv.type === type) return atv.value;
  return undefined;
}
