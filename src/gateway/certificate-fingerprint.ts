import { SymbolonError } from '../errors.js';

/**
 * A SHA-256 fingerprint as written by people or tools (`AB:CD:...`, `abcd...`), as the
 * lowercase hex that `Certificate.fingerprintSha256` carries. Throws `GATEWAY_RULE_INVALID`.
 */
export function normalizeFingerprintSha256(text: string): string {
  const hex = text.replaceAll(':', '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new SymbolonError('GATEWAY_RULE_INVALID', `"${text.slice(0, 100)}" is not a SHA-256 fingerprint (64 hex digits, colons allowed)`);
  }
  return hex;
}
