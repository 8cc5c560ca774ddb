import { CLIENT_CERT_CHAIN_HEADER, CLIENT_CERT_HEADER } from './client-cert-headers.js';
import { HOP_BY_HOP_FIELDS } from './hop-by-hop.js';
import { XFCC_HEADER } from './xfcc.js';

/** Identity headers always removed from client requests, whatever the route's header mode. */
export const CLIENT_IDENTITY_HEADERS: readonly string[] = Object.freeze([XFCC_HEADER, CLIENT_CERT_HEADER, CLIENT_CERT_CHAIN_HEADER]);

/** Hop-by-hop fields, identity headers and the one the gateway sets itself: never forwarded as a client sent them. */
const STRIPPED_REQUEST_FIELDS: ReadonlySet<string> = new Set([...HOP_BY_HOP_FIELDS, ...CLIENT_IDENTITY_HEADERS, 'x-forwarded-proto']);

const UNDERSCORE = 0x5f;

function hasUnderscore(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === UNDERSCORE) return true;
  return false;
}

/**
 * Whether a client's request field (its name lowercased) must not reach the upstream: hop-by-hop
 * fields (RFC 9110 7.6.1), the identity headers the gateway alone may send, `x-forwarded-proto`,
 * and every name with `_`. CGI, WSGI, Rack and PHP read `X_Forwarded_Client_Cert` and
 * `X-Forwarded-Client-Cert` as the same variable (HTTP_X_FORWARDED_CLIENT_CERT), so a client
 * could otherwise speak for the gateway; nginx drops such names by default
 * (underscores_in_headers off). The one check of both the HTTP/1.1 relay and the HTTP/2 proxy.
 */
export function isStrippedRequestField(lowerName: string): boolean {
  return STRIPPED_REQUEST_FIELDS.has(lowerName) || hasUnderscore(lowerName);
}
