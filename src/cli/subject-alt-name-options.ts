import { SymbolonError } from '../errors.js';
import { ipToBytes } from '../x509/index.js';
import type { GeneralName } from '../x509/index.js';

/** The repeatable name options of `csr create`, as given. */
export interface SubjectAltNameOptions {
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
  readonly uri?: readonly string[];
  readonly email?: readonly string[];
}

// RFC 1035 2.3.1 labels (with the underscore service names use), at most 253 characters in all;
// a leading `*.` asks for a wildcard (RFC 6125 6.4.3).
const DNS_LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
// RFC 3986 3.1: scheme ":" then no white space or control characters.
// eslint-disable-next-line no-control-regex -- the class names the control characters a URI must not hold.
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]+$/;
// SPIFFE ID (spiffe.io, SPIFFE-ID 2): lowercase trust domain, path segments of [A-Za-z0-9._-]
// other than . and .., no query, fragment, port or user info, no trailing slash.
const SPIFFE_ID = /^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
// RFC 5280 4.2.1.6: an rfc822Name is a Mailbox (local-part "@" domain).
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function badName(message: string): SymbolonError {
  return new SymbolonError('CERT_BAD_NAME', message);
}

function dnsName(value: string): GeneralName {
  const host = value.startsWith('*.') ? value.slice(2) : value;
  if (value.length > 253 || !host.split('.').every((label) => DNS_LABEL.test(label))) {
    throw badName(`"${value}" is not a DNS name (letters, digits and hyphens in dot-separated labels, optionally after "*.")`);
  }
  return { type: 'dns', value };
}

function ipAddress(value: string): GeneralName {
  if (ipToBytes(value) === undefined) throw badName(`"${value}" is not an IPv4 or IPv6 address`);
  return { type: 'ip', value };
}

function uri(value: string): GeneralName {
  if (!URI.test(value)) throw badName(`"${value}" is not a URI (scheme:rest, no spaces)`);
  const isSpiffeId = /^spiffe:/i.test(value);
  if (isSpiffeId && (!SPIFFE_ID.test(value) || value.endsWith('/.') || /\/\.\.?(\/|$)/.test(value))) {
    throw badName(
      `"${value}" is not a SPIFFE ID such as spiffe://example.org/ns/prod/sa/api (lowercase trust domain, no trailing slash, query or port)`,
    );
  }
  return { type: 'uri', value };
}

function email(value: string): GeneralName {
  if (!EMAIL.test(value)) throw badName(`"${value}" is not an email address`);
  return { type: 'email', value };
}

/**
 * The subjectAltName entries the options ask for, DNS names first, then IP addresses, URIs and
 * email addresses, each in the order given. Throws `CERT_BAD_NAME` for a value that is not what
 * its option says.
 */
export function subjectAltNamesFrom(options: SubjectAltNameOptions): GeneralName[] {
  return [
    ...(options.dns ?? []).map(dnsName),
    ...(options.ip ?? []).map(ipAddress),
    ...(options.uri ?? []).map(uri),
    ...(options.email ?? []).map(email),
  ];
}
