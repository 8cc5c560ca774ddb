import type { Certificate, DistinguishedName, GeneralName } from '../../x509/index.js';
import { ipToBytes, OID } from '../../x509/index.js';
import { preparedRdns } from './name-comparison.js';
import type { WorkBudget } from '../work-limits.js';

// RFC 5280 4.2.1.10 and 6.1.3 (b)-(c): a name of a given form is acceptable below a CA when it
// is within one of the CA's permitted subtrees of that form (if the CA has any of that form)
// and within none of its excluded subtrees. Checking every CA above a certificate in turn is
// the same as RFC 5280's running intersection of permitted and union of excluded subtrees.

interface IpBlock {
  readonly address: Buffer;
  readonly mask: Buffer;
}

interface Subtrees {
  readonly dns: string[];
  readonly email: string[];
  readonly uri: string[];
  readonly ip: IpBlock[];
  readonly dirName: string[][];
  readonly registeredId: string[];
  /** GeneralName tags (otherName, x400Address, ediPartyName) Symbolon cannot compare. */
  readonly other: number[];
}

interface CompiledConstraints {
  readonly permitted: Subtrees;
  readonly excluded: Subtrees;
  readonly size: number;
}

/** `a.example.com.` (absolute) and `a.example.com` are the same DNS name (RFC 1034 3.1). */
export function withoutFinalDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function emptySubtrees(): Subtrees {
  return { dns: [], email: [], uri: [], ip: [], dirName: [], registeredId: [], other: [] };
}

function ipBlock(cidr: string): IpBlock | undefined {
  const [address, prefixText] = cidr.split('/');
  const bytes = ipToBytes(address ?? '');
  const prefix = Number(prefixText);
  if (bytes === undefined || !Number.isInteger(prefix)) return undefined;
  const mask = Buffer.alloc(bytes.length);
  for (let i = 0; i < prefix; i++) mask[i >> 3]! |= 0x80 >> (i & 7);
  return { address: bytes, mask };
}

function compileSubtrees(names: readonly GeneralName[]): Subtrees {
  const subtrees = emptySubtrees();
  for (const name of names) {
    switch (name.type) {
      case 'dns':
        subtrees.dns.push(withoutFinalDot(name.value.toLowerCase()));
        break;
      case 'email':
        subtrees.email.push(name.value);
        break;
      case 'uri':
        subtrees.uri.push(name.value.toLowerCase());
        break;
      case 'ip': {
        const block = ipBlock(name.value);
        // The decoder only yields well-formed blocks; one that is not would match nothing.
        if (block !== undefined) subtrees.ip.push(block);
        else subtrees.other.push(7);
        break;
      }
      case 'dirName':
        subtrees.dirName.push(preparedRdns(name.value));
        break;
      case 'registeredId':
        subtrees.registeredId.push(name.value);
        break;
      case 'other':
        subtrees.other.push(name.tag);
        break;
    }
  }
  return subtrees;
}

const compiled = new WeakMap<Certificate, CompiledConstraints | null>();

function constraintsOf(ca: Certificate): CompiledConstraints | null {
  let value = compiled.get(ca);
  if (value === undefined) {
    const nc = ca.nameConstraints;
    value =
      nc === undefined
        ? null
        : {
            permitted: compileSubtrees(nc.permitted),
            excluded: compileSubtrees(nc.excluded),
            size: nc.permitted.length + nc.excluded.length,
          };
    compiled.set(ca, value);
  }
  return value;
}

// RFC 1034 3.5 preferred syntax (underscores tolerated), optionally one leading "*." label.
const DNS_NAME = /^(?:\*\.)?(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.?$/;

/**
 * RFC 5280 4.2.1.10: a DNS name is within a subtree when it is the base with zero or more labels
 * added on the left. A base with a leading period (not defined by RFC 5280, common in practice
 * and read this way by OpenSSL and Go) admits only names strictly below it.
 */
function isDnsWithin(name: string, base: string): boolean {
  if (base === '') return true;
  if (base.startsWith('.')) return name.endsWith(base);
  return name === base || (name.endsWith(base) && name.charCodeAt(name.length - base.length - 1) === 0x2e);
}

/**
 * Could some name the wildcard `*.rest` stands for be within `base`? A wildcard matches exactly
 * one label (RFC 6125 6.4.3 as this validator reads it), so beyond the plain suffix test the base
 * must be that one label plus `rest`. Used for excluded subtrees, where the wildcard must be
 * refused if any name it covers is excluded.
 */
function isWildcardTouching(name: string, base: string): boolean {
  if (isDnsWithin(name, base)) return true;
  const rest = name.slice(1);
  const bare = base.startsWith('.') ? base.slice(1) : base;
  return bare.endsWith(rest) && bare.length > rest.length && !bare.slice(0, bare.length - rest.length).includes('.');
}

/**
 * RFC 5280 4.2.1.10 rfc822Name: a base with `@` is one mailbox, a base with a leading period any
 * host below that domain, any other base all mailboxes on that host. The domain part compares
 * without case (RFC 5280 7.5); the local part exactly.
 */
function isEmailWithin(mailbox: string, base: string): boolean {
  const at = mailbox.lastIndexOf('@');
  const host = mailbox.slice(at + 1).toLowerCase();
  const baseAt = base.lastIndexOf('@');
  if (baseAt >= 0) return mailbox.slice(0, at) === base.slice(0, baseAt) && host === base.slice(baseAt + 1).toLowerCase();
  const lowerBase = base.toLowerCase();
  if (lowerBase.startsWith('.')) return host.endsWith(lowerBase);
  return host === lowerBase;
}

/** The host of a URI with an authority (`scheme://[userinfo@]host[:port]/...`), lowercased. */
export function uriHost(uri: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri);
  if (match === null) return undefined;
  let authority = match[1]!;
  authority = authority.slice(authority.lastIndexOf('@') + 1);
  if (authority.startsWith('[')) return undefined;
  const host = authority.replace(/:\d*$/, '').toLowerCase();
  return host === '' ? undefined : host;
}

/** RFC 5280 4.2.1.10 URI: the constraint applies to the host; a leading period means below it. */
function isUriHostWithin(host: string, base: string): boolean {
  if (base.startsWith('.')) return host.endsWith(base);
  return host === base;
}

function isIpWithin(address: Buffer, block: IpBlock): boolean {
  if (address.length !== block.address.length) return false;
  for (let i = 0; i < address.length; i++) if ((address[i]! & block.mask[i]!) !== (block.address[i]! & block.mask[i]!)) return false;
  return true;
}

/** RFC 5280 7.1: a directory name is within a subtree when the base's RDNs are its first RDNs. */
function isDirectoryNameWithin(rdns: readonly string[], base: readonly string[]): boolean {
  if (base.length > rdns.length) return false;
  for (let i = 0; i < base.length; i++) if (rdns[i] !== base[i]) return false;
  return true;
}

/** One name of a certificate below the CA, in the form the checks want. */
type CheckedName =
  | { readonly form: 'dns'; readonly value: string; readonly shown: string }
  | { readonly form: 'email'; readonly value: string; readonly shown: string }
  | { readonly form: 'uri'; readonly value: string; readonly shown: string }
  | { readonly form: 'ip'; readonly value: Buffer | undefined; readonly shown: string }
  | { readonly form: 'dirName'; readonly value: string[]; readonly shown: string }
  | { readonly form: 'registeredId'; readonly value: string; readonly shown: string }
  | { readonly form: 'other'; readonly value: number; readonly shown: string };

const namesOfLeaf = new WeakMap<Certificate, readonly CheckedName[]>();
const namesOfCa = new WeakMap<Certificate, readonly CheckedName[]>();

/** The names of a certificate, worked out once per parsed certificate and role. */
function namesOf(certificate: Certificate, isLeaf: boolean): readonly CheckedName[] {
  const cache = isLeaf ? namesOfLeaf : namesOfCa;
  let names = cache.get(certificate);
  if (names === undefined) {
    names = collectNames(certificate, isLeaf);
    cache.set(certificate, names);
  }
  return names;
}

function collectNames(certificate: Certificate, isLeaf: boolean): CheckedName[] {
  const names: CheckedName[] = [];
  // RFC 5280 6.1.3 (b): the subject name, when not empty, is a directoryName.
  if (certificate.subject.length > 0) names.push({ form: 'dirName', value: preparedRdns(certificate.subject), shown: 'the subject name' });
  // Not in RFC 5280: a leaf without subjectAltName whose CN looks like a host name has that CN
  // held to DNS constraints, as OpenSSL and browsers do, since a relying party may read it as the
  // host's name. With a subjectAltName the CN names nothing (RFC 9525 6.3; CA/Browser Forum BR
  // 7.1.4.3), so it is left alone: an IP-only leaf with CN test.localhost under an excluded
  // `localhost` is valid.
  const isCnUsedAsName = isLeaf && certificate.subjectAltNames.length === 0;
  for (const name of certificate.subjectAltNames) {
    switch (name.type) {
      case 'dns':
        names.push({ form: 'dns', value: withoutFinalDot(name.value.toLowerCase()), shown: `DNS name ${name.value}` });
        break;
      case 'email':
        names.push({ form: 'email', value: name.value, shown: `email ${name.value}` });
        break;
      case 'uri':
        names.push({ form: 'uri', value: name.value, shown: `URI ${name.value}` });
        break;
      case 'ip':
        names.push({ form: 'ip', value: ipToBytes(name.value), shown: `IP address ${name.value}` });
        break;
      case 'dirName':
        names.push({ form: 'dirName', value: preparedRdns(name.value), shown: 'a directoryName alternative name' });
        break;
      case 'registeredId':
        names.push({ form: 'registeredId', value: name.value, shown: `registeredID ${name.value}` });
        break;
      case 'other':
        names.push({ form: 'other', value: name.tag, shown: `alternative name [${name.tag}]` });
        break;
    }
  }
  for (const rdn of certificate.subject) {
    for (const atv of rdn) {
      // RFC 5280 4.2.1.10: rfc822Name constraints also bind emailAddress in the subject. Applied
      // whether or not there is a subjectAltName: the stricter reading, and OpenSSL's.
      if (atv.type === OID.emailAddress) names.push({ form: 'email', value: atv.value, shown: `subject emailAddress ${atv.value}` });
      if (isCnUsedAsName && atv.type === OID.commonName && /\./.test(atv.value) && DNS_NAME.test(atv.value.toLowerCase())) {
        names.push({ form: 'dns', value: atv.value.toLowerCase(), shown: `subject CN ${atv.value}` });
      }
    }
  }
  return names;
}

function subtreeCount(subtrees: Subtrees, name: CheckedName): number {
  return name.form === 'other' ? subtrees.other.length : subtrees[name.form].length;
}

/** Within the subtrees of this form? `undefined` when the name cannot be compared at all. */
function isWithinAny(subtrees: Subtrees, name: CheckedName, isExcludedCheck: boolean): boolean | undefined {
  switch (name.form) {
    case 'dns': {
      if (!DNS_NAME.test(name.value)) return undefined;
      const isWildcard = name.value.startsWith('*.');
      return subtrees.dns.some((base) =>
        isWildcard && isExcludedCheck ? isWildcardTouching(name.value, base) : isDnsWithin(name.value, base),
      );
    }
    case 'email':
      if (name.value.lastIndexOf('@') <= 0) return undefined;
      return subtrees.email.some((base) => isEmailWithin(name.value, base));
    case 'uri': {
      const host = uriHost(name.value);
      if (host === undefined) return undefined;
      return subtrees.uri.some((base) => isUriHostWithin(host, base));
    }
    case 'ip': {
      const address = name.value;
      if (address === undefined) return undefined;
      return subtrees.ip.some((block) => isIpWithin(address, block));
    }
    case 'dirName':
      return subtrees.dirName.some((base) => isDirectoryNameWithin(name.value, base));
    case 'registeredId':
      return subtrees.registeredId.includes(name.value);
    case 'other':
      // RFC 5280 defines no matching rule Symbolon applies to these forms.
      return undefined;
  }
}

/**
 * Checks every name of `certificate` (subject, subject emailAddress, each subjectAltName) against
 * the name constraints of `ca`. Returns a sentence saying which name breaks which rule, or
 * undefined when all are acceptable. A name of a constrained form that cannot be compared (a
 * malformed DNS name, a URI without a host, an otherName) is refused. Throws PATH_LIMIT_EXCEEDED when
 * the comparisons would exceed the budget.
 */
export function nameConstraintViolation(
  ca: Certificate,
  certificate: Certificate,
  isLeaf: boolean,
  budget: WorkBudget,
): string | undefined {
  const constraints = constraintsOf(ca);
  if (constraints === null) return undefined;
  const names = namesOf(certificate, isLeaf);
  budget.compareNames(names.length * constraints.size);
  for (const name of names) {
    if (subtreeCount(constraints.permitted, name) > 0) {
      const within = isWithinAny(constraints.permitted, name, false);
      if (within === undefined) return `${name.shown} cannot be checked against the permitted ${name.form} subtrees`;
      if (!within) return `${name.shown} is outside the permitted ${name.form} subtrees`;
    }
    if (subtreeCount(constraints.excluded, name) > 0) {
      const within = isWithinAny(constraints.excluded, name, true);
      if (within === undefined) return `${name.shown} cannot be checked against the excluded ${name.form} subtrees`;
      if (within) return `${name.shown} is within an excluded ${name.form} subtree`;
    }
  }
  return undefined;
}

/** RFC 5280 4.2.1.10 applies to the dirName form too; exported for the tests of the rule. */
export function isDirectoryNameWithinSubtree(name: DistinguishedName, base: DistinguishedName): boolean {
  return isDirectoryNameWithin(preparedRdns(name), preparedRdns(base));
}

/** The DNS subtree rule, exported for the tests. */
export function isDnsNameWithinSubtree(name: string, base: string): boolean {
  return isDnsWithin(withoutFinalDot(name.toLowerCase()), withoutFinalDot(base.toLowerCase()));
}
