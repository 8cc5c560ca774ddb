import { SymbolonError } from '../errors.js';
/**
 * Bounds on the work of one validation, so that a hostile pool of intermediates, a loop of
 * cross-signed CAs or huge name-constraint sets cannot make the validator hang. Hitting one is
 * PATH_LIMIT_EXCEEDED, never a silent pass.
 */
export interface PathLimits {
  /** Most certificates between the leaf and the trust anchor. */
  readonly maxIntermediates: number;
  /** Most issuer candidates looked at, over the whole search. */
  readonly maxCandidates: number;
  /** Most certificate and CRL signatures verified. */
  readonly maxSignatureChecks: number;
  /** Most complete candidate paths checked against RFC 5280 6.1. */
  readonly maxPaths: number;
  /**
   * Most name-to-constraint comparisons. 2^20 is also OpenSSL's NAME_CHECK_MAX: far above any
   * real chain, far below what a certificate with thousands of names against a CA with thousands
   * of constraints would cost.
   */
  readonly maxNameComparisons: number;
  /**
   * Most nodes, edges and expected policies handled while processing certificate policies
   * (RFC 5280 6.1, the policy graph of RFC 9618). A real chain needs a few dozen; a chain of CAs
   * each asserting and mapping thousands of policies would need millions.
   */
  readonly maxPolicyWork: number;
}

export const DEFAULT_PATH_LIMITS: PathLimits = Object.freeze({
  maxIntermediates: 8,
  maxCandidates: 1024,
  maxSignatureChecks: 256,
  maxPaths: 32,
  maxNameComparisons: 1 << 20,
  maxPolicyWork: 1 << 16,
});

/** Thrown inside a validation when a bound is reached; turned into a PATH_LIMIT_EXCEEDED failure at the top. */
function limitReached(detail: string): SymbolonError {
  return new SymbolonError('PATH_LIMIT_EXCEEDED', detail);
}

/** The work done so far in one validation, against its limits. */
export class WorkBudget {
  private candidates = 0;
  private signatureChecks = 0;
  private paths = 0;
  private nameComparisons = 0;
  private policyUnits = 0;

  constructor(readonly limits: PathLimits) {}

  candidate(): void {
    if (++this.candidates > this.limits.maxCandidates)
      throw limitReached(`more than ${this.limits.maxCandidates} issuer candidates were considered`);
  }

  signatureCheck(): void {
    if (++this.signatureChecks > this.limits.maxSignatureChecks)
      throw limitReached(`more than ${this.limits.maxSignatureChecks} signatures would have to be verified`);
  }

  path(): void {
    if (++this.paths > this.limits.maxPaths) throw limitReached(`more than ${this.limits.maxPaths} candidate paths were checked`);
  }

  compareNames(count: number): void {
    this.nameComparisons += count;
    if (this.nameComparisons > this.limits.maxNameComparisons)
      throw limitReached(`name constraints need more than ${this.limits.maxNameComparisons} comparisons`);
  }

  policyWork(count: number): void {
    this.policyUnits += count;
    if (this.policyUnits > this.limits.maxPolicyWork)
      throw limitReached(`certificate policy processing needs more than ${this.limits.maxPolicyWork} steps`);
  }
}
