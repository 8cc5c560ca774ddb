/** Object identifiers of OCSP (RFC 6960 4.3 and Appendix B), named as the RFC names them. */
export const OCSP_OID = {
  /** id-pkix-ocsp-basic: the one response type RFC 6960 4.2.1 requires. */
  basicResponse: '1.3.6.1.5.5.7.48.1.1',
  /** id-pkix-ocsp-nonce (RFC 6960 4.4.1, RFC 8954). */
  nonce: '1.3.6.1.5.5.7.48.1.2',
  /** id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1). */
  noCheck: '1.3.6.1.5.5.7.48.1.5',
} as const;
