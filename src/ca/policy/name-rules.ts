import { compileNameGlob, ipToBytes } from '../../x509/index.js';

// RFC 1123 2.1 / RFC 5890: letters, digits and hyphens, 1 to 63 per label, no hyphen at either end.
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Whether `name` is a host name Symbolon puts in a certificate: LDH labels, at most 253 characters, no wildcard. */
export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name
    .toLowerCase()
    .split('.')
    .every((label) => LABEL.test(label));
}

/** Whether `pattern` is a DNS pattern of the form `NameRules` describes. */
export function isDnsPattern(pattern: string): boolean {
  if (pattern === '**') return true;
  const labels = pattern.toLowerCase().split('.');
  return labels.every((label, i) => LABEL.test(label) || label === '*' || (label === '**' && i === 0));
}

const DNS_GLOB = { separator: '.', isCaseInsensitive: true } as const;
const PATH_GLOB = { separator: '/', isCaseInsensitive: false } as const;

/**
 * Whether a DNS name matches a pattern, by the one name glob (x509's `compileNameGlob`): `*` one
 * non-empty label, `**` one or more; `**` alone matches any host name (`isDnsName`).
 */
export function matchesDnsPattern(name: string, pattern: string): boolean {
  if (pattern === '**') return isDnsName(name);
  return compileNameGlob(pattern, DNS_GLOB).matches(name);
}

/** Whether `text` is an address range in CIDR form (`10.0.0.0/8`, `fd00::/8`). */
export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

function parseCidr(text: string): { readonly network: Buffer; readonly prefix: number } | undefined {
  const [address, prefixText, extra] = text.split('/');
  const network = ipToBytes(address ?? '');
  if (network === undefined || extra !== undefined || !/^\d{1,3}$/.test(prefixText ?? '')) return undefined;
  const prefix = Number(prefixText);
  return prefix <= network.length * 8 ? { network, prefix } : undefined;
}

/** Whether an address (text) lies in a CIDR range of the same family. */
export function isIpInRange(address: string, cidr: string): boolean {
  const bytes = ipToBytes(address);
  const range = parseCidr(cidr);
  if (bytes === undefined || range === undefined || bytes.length !== range.network.length) return false;
  for (let bit = 0; bit < range.prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if ((bytes[bit >> 3]! & mask) !== (range.network[bit >> 3]! & mask)) return false;
  }
  return true;
}

/** Whether an email address's domain matches a domain pattern (see `matchesDnsPattern`). */
export function matchesEmailDomain(email: string, pattern: string): boolean {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at !== email.indexOf('@')) return false;
  return matchesDnsPattern(email.slice(at + 1), pattern);
}

/** A SPIFFE ID split into its trust domain and path. */
export interface SpiffeId {
  readonly trustDomain: string;
  readonly path: string;
}

// SPIFFE-ID 2.1 and 2.2: trust domain of lowercase letters, digits, '.', '-', '_'; path segments
// of letters, digits, '.', '-', '_', none empty, none '.' or '..'; no query, fragment, port or user.
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** The parts of a SPIFFE ID, or undefined when `uri` is not one (SPIFFE-ID 2). */
export function parseSpiffeId(uri: string): SpiffeId | undefined {
  if (!uri.startsWith('spiffe://') || uri.length > 2048) return undefined;
  const rest = uri.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (!TRUST_DOMAIN.test(trustDomain)) return undefined;
  if (
    path !== '' &&
    !path
      .slice(1)
      .split('/')
      .every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..')
  )
    return undefined;
  return { trustDomain, path };
}

/** Whether `pattern` is a SPIFFE path pattern: `/` then segments, `*` for one, a last `**` for one or more. */
export function isSpiffePathPattern(pattern: string): boolean {
  if (!pattern.startsWith('/')) return false;
  const segments = pattern.slice(1).split('/');
  return segments.every((segment, i) => SEGMENT.test(segment) || segment === '*' || (segment === '**' && i === segments.length - 1));
}

/** Whether a SPIFFE ID path matches a path pattern, by the one name glob (see `matchesDnsPattern`). */
export function matchesSpiffePath(path: string, pattern: string): boolean {
  if (path === '') return false;
  return compileNameGlob(pattern, PATH_GLOB).matches(path);
}
