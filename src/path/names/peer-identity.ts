import type { Certificate } from '../../x509/index.js';
import { ipToBytes } from '../../x509/index.js';
import { uriHost, withoutFinalDot } from './name-constraints.js';

/** The name a relying party expects its peer to have (RFC 6125's reference identity). */
export type PeerIdentity =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly value: string }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'uri'; readonly value: string };

/**
 * RFC 6125 6.4: a DNS-ID matches the reference name without regard to case. A wildcard is
 * honoured only as the whole left-most label (6.4.3, as RFC 9525 now requires: no `f*o` partial
 * labels), matches exactly one label, and is never honoured right above a top-level label
 * (`*.com`) nor against an IDN A-label.
 */
export function isDnsNameMatch(presented: string, reference: string): boolean {
  const name = withoutFinalDot(presented.toLowerCase());
  const wanted = withoutFinalDot(reference.toLowerCase());
  if (name === '' || wanted === '') return false;
  if (!name.includes('*')) return name === wanted;
  if (!name.startsWith('*.') || name.indexOf('*', 1) >= 0) return false;
  const rest = name.slice(1);
  if (rest.split('.').length < 3) return false;
  const dot = wanted.indexOf('.');
  if (dot <= 0) return false;
  const label = wanted.slice(0, dot);
  if (label.startsWith('xn--')) return false;
  return wanted.slice(dot) === rest;
}

function isEmailMatch(presented: string, reference: string): boolean {
  // RFC 5280 4.2.1.6 and 7.5: the local part compares exactly, the domain without case.
  const at = presented.lastIndexOf('@');
  const refAt = reference.lastIndexOf('@');
  if (at <= 0 || refAt <= 0) return false;
  return (
    presented.slice(0, at) === reference.slice(0, refAt) &&
    presented.slice(at + 1).toLowerCase() === reference.slice(refAt + 1).toLowerCase()
  );
}

function isUriMatch(presented: string, reference: string): boolean {
  if (presented === reference) return true;
  // RFC 3986 6.2.2.1: the scheme and host compare without case, the rest exactly.
  const presentedHost = uriHost(presented);
  const referenceHost = uriHost(reference);
  if (presentedHost === undefined || presentedHost !== referenceHost) return false;
  const normalise = (uri: string): string =>
    uri.replace(
      /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i,
      (_all, scheme: string, authority: string) => scheme.toLowerCase() + authority.toLowerCase(),
    );
  return normalise(presented) === normalise(reference);
}

/**
 * Does the certificate carry this identity in its subjectAltName? The subject CN is never used
 * as a DNS name, with or without SANs: RFC 6125 6.4.4 allows it only as a fallback, CA/Browser
 * Forum certificates always carry SANs, and every validator that used it has had bypasses.
 * Returns a sentence when it does not match.
 */
export function peerIdentityMismatch(certificate: Certificate, identity: PeerIdentity): string | undefined {
  switch (identity.type) {
    case 'dns':
      if (certificate.dnsNames.some((name) => isDnsNameMatch(name, identity.value))) return undefined;
      return `the certificate has no DNS name matching ${identity.value}`;
    case 'ip': {
      const wanted = ipToBytes(identity.value);
      if (wanted !== undefined && certificate.ipAddresses.some((address) => ipToBytes(address)?.equals(wanted) === true)) return undefined;
      return `the certificate has no IP address ${identity.value}`;
    }
    case 'email':
      if (certificate.emails.some((mailbox) => isEmailMatch(mailbox, identity.value))) return undefined;
      return `the certificate has no email address ${identity.value}`;
    case 'uri':
      if (certificate.uris.some((uri) => isUriMatch(uri, identity.value))) return undefined;
      return `the certificate has no URI ${identity.value}`;
  }
}
