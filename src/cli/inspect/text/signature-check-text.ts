import type { SignatureCheck } from '../signature-check.js';

/** 'valid', 'INVALID', or why the check could not run. */
export function signatureCheckText(check: SignatureCheck): string {
  switch (check.result) {
    case 'valid':
      return 'valid';
    case 'invalid':
      return 'INVALID';
    case 'unverifiable':
      return `not checked: ${check.reason}`;
  }
}
