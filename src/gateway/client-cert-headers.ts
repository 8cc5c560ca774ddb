import type { Certificate } from '../x509/index.js';

export const CLIENT_CERT_HEADER = 'client-cert';
export const CLIENT_CERT_CHAIN_HEADER = 'client-cert-chain';

/** RFC 9440 2.2: `Client-Cert` is an sf-binary (RFC 8941 3.3.5) of the end-entity DER. */
export function buildClientCertHeader(certificate: Certificate): string {
  return `:${certificate.der.toString('base64')}:`;
}

/**
 * RFC 9440 2.3: `Client-Cert-Chain` is an sf-list of sf-binary, the certificates after the
 * end-entity one in chain order, without the trust anchor when it was not sent. Undefined when
 * the chain is empty (an empty list is not sent, RFC 8941 3.1).
 */
export function buildClientCertChainHeader(chain: readonly Certificate[]): string | undefined {
  if (chain.length === 0) return undefined;
  return chain.map(buildClientCertHeader).join(', ');
}
