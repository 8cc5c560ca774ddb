import { createHash } from 'node:crypto';

/**
 * RFC 8705 3.1: the `x5t#S256` confirmation of a certificate, the base64url (no padding) SHA-256
 * of its DER. Tokens are bound with it and checked against it: one implementation for both.
 */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}
