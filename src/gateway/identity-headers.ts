import type { Certificate } from '../x509/index.js';
import { buildClientCertChainHeader, buildClientCertHeader, CLIENT_CERT_CHAIN_HEADER, CLIENT_CERT_HEADER } from './client-cert-headers.js';
import { buildXfcc, XFCC_HEADER } from './xfcc.js';
import type { XfccOptions } from './xfcc.js';

/** Which identity headers a route sends upstream. */
export type IdentityHeaderMode = 'xfcc' | 'rfc9440' | 'both' | 'none';

export interface VerifiedClient {
  readonly certificate: Certificate;
  /** The intermediates the client sent, in chain order after the end-entity certificate. */
  readonly chain: readonly Certificate[];
}

/**
 * The identity headers for the upstream, lowercase names; the client's own copies are dropped by
 * `isStrippedRequestField`. Throws `GATEWAY_HEADER_UNSAFE` (see `buildXfcc`).
 */
export function identityHeaders(
  mode: IdentityHeaderMode,
  client: VerifiedClient | undefined,
  xfcc: XfccOptions = {},
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (client === undefined || mode === 'none') return headers;
  if (mode === 'xfcc' || mode === 'both') headers[XFCC_HEADER] = buildXfcc(client.certificate, xfcc);
  if (mode === 'rfc9440' || mode === 'both') {
    headers[CLIENT_CERT_HEADER] = buildClientCertHeader(client.certificate);
    const chain = buildClientCertChainHeader(client.chain);
    if (chain !== undefined) headers[CLIENT_CERT_CHAIN_HEADER] = chain;
  }
  return headers;
}
