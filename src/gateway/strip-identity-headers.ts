import { CLIENT_CERT_CHAIN_HEADER, CLIENT_CERT_HEADER } from './client-cert-headers.js';
import { XFCC_HEADER } from './xfcc.js';

/** Identity headers always removed from client requests, whatever the route's header mode. */
export const CLIENT_IDENTITY_HEADERS: readonly string[] = Object.freeze([XFCC_HEADER, CLIENT_CERT_HEADER, CLIENT_CERT_CHAIN_HEADER]);

export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

function strippedNames(extraNames: readonly string[]): Set<string> {
  return new Set([...CLIENT_IDENTITY_HEADERS, ...extraNames].map((name) => name.trim().toLowerCase()));
}

/**
 * A copy of `headers` without any client-sent identity header: every name compared
 * case-insensitively (RFC 9110 5.1), whatever the value (string, array of duplicates, empty).
 * A client must never be able to speak for the gateway.
 */
export function stripClientIdentityHeaders(headers: HeaderMap, extraNames: readonly string[] = []): Record<string, string | readonly string[]> {
  const names = strippedNames(extraNames);
  const kept: Record<string, string | readonly string[]> = Object.create(null) as Record<string, string | readonly string[]>;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || names.has(name.trim().toLowerCase())) continue;
    kept[name] = value;
  }
  return kept;
}

/** The same over Node's flat `rawHeaders` list (`[name, value, name, value, ...]`). */
export function stripClientIdentityRawHeaders(rawHeaders: readonly string[], extraNames: readonly string[] = []): string[] {
  const names = strippedNames(extraNames);
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (names.has(rawHeaders[i]!.trim().toLowerCase())) continue;
    kept.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  return kept;
}
