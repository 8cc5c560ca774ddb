import { isSymbolonError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';

/**
 * The outcome of a signature check that `inspect` reports rather than enforces: `unverifiable`
 * says why Symbolon could not run it (an algorithm or key it does not support).
 */
export type SignatureCheck =
  | { readonly result: 'valid' }
  | { readonly result: 'invalid' }
  | { readonly result: 'unverifiable'; readonly code: ErrorCode; readonly reason: string };

/**
 * Runs `verify` and reports its answer. Only Symbolon's own errors become `unverifiable`; anything
 * else is a fault and propagates.
 */
export function checkSignature(verify: () => boolean): SignatureCheck {
  try {
    return verify() ? { result: 'valid' } : { result: 'invalid' };
  } catch (error) {
    if (!isSymbolonError(error)) throw error;
    if (error.code === 'CSR_SIGNATURE_INVALID') return { result: 'invalid' };
    return { result: 'unverifiable', code: error.code, reason: error.message };
  }
}
