import type { ErrorCode } from '../errors.js';
import type { Certificate } from '../x509/index.js';

/** The codes a path validation can end with: every `PATH_*` entry of ERROR_CODES. */
export type PathErrorCode = Extract<ErrorCode, `PATH_${string}`>;

/** A chain that validated: leaf first, trust anchor last. */
export interface PathSuccess {
  readonly ok: true;
  readonly path: readonly Certificate[];
  /**
   * The first moment the answer may change on its own: the earliest notAfter in the path, or an
   * earlier nextUpdate of a CRL that was used. A cache keeps the answer until then.
   */
  readonly validUntil: Date;
}

/** A chain that did not validate, with the reason and the certificate it concerns. */
export interface PathFailure {
  readonly ok: false;
  readonly code: PathErrorCode;
  /** Position in the (candidate) path: 0 is the leaf, the trust anchor is last. */
  readonly certificateIndex: number;
  /** One sentence a person understands. */
  readonly detail: string;
}

export type PathResult = PathSuccess | PathFailure;

export function pathFailure(code: PathErrorCode, certificateIndex: number, detail: string): PathFailure {
  return { ok: false, code, certificateIndex, detail };
}
