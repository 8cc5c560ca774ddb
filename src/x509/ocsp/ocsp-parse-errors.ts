import { SymbolonError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';

/**
 * Runs an OCSP parser step so that every fault it meets comes out as an OCSP code: DER faults
 * (ASN1_*) and faults of shared readers (names, algorithms) become `code`, with the original as
 * `cause`; OCSP_* codes pass through. A responder maps any of them to one response status.
 */
export function inOcsp<T>(code: ErrorCode, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SymbolonError && !error.code.startsWith('OCSP_')) throw new SymbolonError(code, error.message, { cause: error });
    throw error;
  }
}
