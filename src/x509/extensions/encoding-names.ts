import { der } from '../../asn1/index.js';
import { Asn1Error, SymbolonError } from '../../errors.js';
import type { NameConstraints } from './types.js';
import { encodeGeneralName } from '../general-name.js';
import type { GeneralName } from '../general-name.js';

// RFC 5280 4.2.1.6: dNSName in the preferred name syntax of RFC 1034 3.5 (letters, digits,
// hyphens; IDNs as A-labels). Underscores are tolerated, as in service names that real
// deployments put in certificates.
const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
// RFC 3986 3.1: scheme ":" followed by a non-empty scheme-specific part.
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;
const LOCAL_PART = /^[\x21-\x3f\x41-\x7e]+$/;

/** Is this an absolute URI (scheme, colon, the rest) in printable ASCII? */
export function isAbsoluteUri(text: string): boolean {
  return ABSOLUTE_URI.test(text);
}

function isHostName(text: string): boolean {
  return text.length <= 253 && HOST_NAME.test(text);
}

/** Host name, or `.host` meaning "any name below host" as OpenSSL and Go read constraints. */
function isDomainConstraint(text: string): boolean {
  return isHostName(text.startsWith('.') ? text.slice(1) : text);
}

function isMailbox(text: string): boolean {
  const at = text.lastIndexOf('@');
  return at > 0 && LOCAL_PART.test(text.slice(0, at)) && isHostName(text.slice(at + 1));
}

function badName(name: { readonly type: string; readonly value: string }, expected: string): SymbolonError {
  return new SymbolonError('CERT_BAD_NAME', `${name.type} name "${name.value}" is not ${expected}`);
}

function checkSyntax(name: GeneralName, isConstraint: boolean): void {
  switch (name.type) {
    case 'dns':
      if (isConstraint ? !isDomainConstraint(name.value) : !isHostName(name.value.startsWith('*.') ? name.value.slice(2) : name.value)) {
        throw badName(
          name,
          isConstraint
            ? 'a DNS domain such as example.com or .example.com'
            : 'an ASCII DNS name such as api.example.com or *.example.com (IDNs as xn-- A-labels)',
        );
      }
      return;
    case 'email':
      // RFC 5280 4.2.1.10: a constraint is a mailbox, a host or a domain (leading period).
      if (isConstraint ? !isMailbox(name.value) && !isDomainConstraint(name.value) : !isMailbox(name.value)) {
        throw badName(name, isConstraint ? 'a mailbox, host or .domain' : 'an ASCII mailbox such as user@example.com');
      }
      return;
    case 'uri':
      // RFC 5280 4.2.1.10: a URI constraint names a host or a domain, not a whole URI.
      if (isConstraint ? !isDomainConstraint(name.value) : !isAbsoluteUri(name.value)) {
        throw badName(name, isConstraint ? 'a host or .domain (URI constraints apply to the host part)' : 'an absolute URI with a scheme');
      }
      return;
    default:
      return;
  }
}

/**
 * DER of one GeneralName written by the builder: the syntax RFC 5280 4.2.1.6 and 4.2.1.10 ask
 * for is checked first. Throws `CERT_BAD_NAME`.
 */
export function encodeCheckedGeneralName(name: GeneralName, isConstraint = false): Buffer {
  checkSyntax(name, isConstraint);
  let element: Buffer;
  try {
    element = encodeGeneralName(name, isConstraint);
  } catch (error) {
    if (error instanceof Asn1Error)
      throw new SymbolonError('CERT_BAD_NAME', `${name.type} name cannot be encoded: ${error.message}`, { cause: error });
    throw error;
  }
  if (isConstraint && name.type === 'ip') {
    // The content is address then mask; an address bit outside the mask is almost surely a typo.
    const half = (element.length - 2) / 2;
    for (let i = 0; i < half; i++) {
      if ((element[2 + i]! & ~element[2 + half + i]!) !== 0)
        throw badName(name, 'a network address (it has bits set past the prefix length)');
    }
  }
  return element;
}

/** extnValue of subjectAltName (RFC 5280 4.2.1.6): GeneralNames, at least one. */
export function encodeSubjectAltName(names: readonly GeneralName[]): Buffer {
  if (names.length === 0) throw new SymbolonError('CERT_BAD_NAME', 'subjectAltName needs at least one name');
  return der.sequenceOf(names.map((name) => encodeCheckedGeneralName(name)));
}

function generalSubtrees(tag: number, names: readonly GeneralName[]): Buffer {
  // GeneralSubtree with minimum and maximum absent: RFC 5280 4.2.1.10 fixes minimum at its
  // DEFAULT 0 and forbids maximum.
  return der.contextConstructed(
    tag,
    names.map((name) => der.sequence(encodeCheckedGeneralName(name, true))),
  );
}

/** extnValue of nameConstraints (RFC 5280 4.2.1.10); IP blocks in CIDR form. */
export function encodeNameConstraints(value: NameConstraints): Buffer {
  const { permitted, excluded } = value;
  // RFC 5280 4.2.1.10: either permittedSubtrees or excludedSubtrees is present.
  if (permitted.length === 0 && excluded.length === 0)
    throw new SymbolonError('CERT_INVALID_INPUT', 'nameConstraints needs at least one permitted or excluded name');
  const parts: Buffer[] = [];
  if (permitted.length > 0) parts.push(generalSubtrees(0, permitted));
  if (excluded.length > 0) parts.push(generalSubtrees(1, excluded));
  return der.sequenceOf(parts);
}
