import { Asn1Error, SymbolonError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { DerNode } from './der-reader.js';

/** A fault found at `node`, with its byte offset in the message as Asn1Error writes it. */
export function faultAt(code: ErrorCode, node: DerNode, detail: string): SymbolonError {
  return new SymbolonError(code, `${detail} (at byte ${node.offset})`);
}

/**
 * Runs `read` and reports a DER fault it finds as `code`: the parsers of certificates and CSRs
 * speak in their own codes once the input is well-framed DER. The message keeps the byte
 * offset and the Asn1Error is the `cause`; other errors pass through untouched.
 */
export function withCode<T>(code: ErrorCode, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof Asn1Error) throw new SymbolonError(code, error.message, { cause: error });
    throw error;
  }
}
