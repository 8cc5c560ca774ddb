import { isSymbolonError, SymbolonError } from '../errors.js';
import type { KeyType } from '../keys/index.js';
import type { Credential } from './credential.js';
import { enroll, reenroll } from './enrollment.js';
import type { EnrollmentRequest } from './enrollment.js';
import { estRefusalCode } from './est-client.js';
import type { EnrollmentToken, EstEndpoint } from './est-client.js';
import type { PendingRequestStore } from './pending-request.js';

/** Why a certificate can no longer renew itself: the CA refuses its re-enrollment as revoked, or as expired (or unknown to it). */
export type ClosedReason = 'revoked' | 'expired';

/** Whether a refused re-enrollment means the certificate can no longer be renewed by itself. */
export function isRenewalClosed(error: unknown): ClosedReason | undefined {
  const code = estRefusalCode(error);
  if (code === 'EST_REENROLL_CERTIFICATE_REVOKED') return 'revoked';
  if (code === 'EST_REENROLL_CERTIFICATE_EXPIRED' || code === 'EST_REENROLL_CERTIFICATE_UNKNOWN') return 'expired';
  return undefined;
}

/** Whether waiting may change the answer: the CA unreachable, or an enrollment it holds for an operator's approval. */
export function isWorthRetrying(error: unknown): boolean {
  return isSymbolonError(error, 'CLIENT_EST_UNREACHABLE') || isSymbolonError(error, 'CLIENT_EST_PENDING');
}

/**
 * Whether `error` says the certificate can be neither renewed nor replaced (what `renew` throws
 * then): `CLIENT_CERTIFICATE_REVOKED`, or `CLIENT_TOKEN_REQUIRED`.
 */
export function isCertificateLost(error: unknown): boolean {
  return isSymbolonError(error, 'CLIENT_CERTIFICATE_REVOKED') || isSymbolonError(error, 'CLIENT_TOKEN_REQUIRED');
}

/** A new credential and how it was obtained. */
export type Renewal =
  /** Re-enrolled with the current certificate. */
  | { readonly credential: Credential; readonly kind: 'renewed' }
  /** Enrolled again with the token, the current certificate being revoked or expired. */
  | { readonly credential: Credential; readonly kind: 'enrolled'; readonly reason: ClosedReason };

export interface CertificateRenewerOptions {
  readonly est: EstEndpoint;
  /** Enrolls again when the certificate can no longer be renewed; without it, that is the end of the certificate. */
  readonly token: EnrollmentToken | undefined;
  /** What an enrollment with the token asks for; without it, the subject and names of the certificate held. */
  readonly request: EnrollmentRequest | undefined;
  readonly keyType: KeyType;
  readonly isKeyKept: boolean;
  /** Keeps a request the CA holds for approval, so that the next attempt sends it again. */
  readonly pending: PendingRequestStore;
  readonly clock: () => Date;
  /** One structured log event (the agent's log). */
  readonly log?: (event: Record<string, unknown>) => void;
}

/**
 * One renewal attempt, the agent's and the SDK's: re-enrollment with the current certificate and,
 * once the CA refuses it because the certificate is revoked or expired (or the certificate is
 * known to be revoked: `markClosed`), enrollment again with the token for the same names; later
 * attempts for that certificate go straight to the token. An enrollment the CA holds for approval,
 * or a CA that cannot be reached, is thrown as it is, for the caller to retry; a token the CA
 * refuses, or none, ends the certificate (`isCertificateLost`).
 */
export class CertificateRenewer {
  /** The certificate (its fingerprint) that can no longer be renewed, and why. */
  #closed: { readonly fingerprint: string; readonly reason: ClosedReason } | undefined;

  constructor(private readonly options: CertificateRenewerOptions) {}

  /** Why `current` can no longer be renewed by itself, if that is known. */
  closedReason(current: Credential): ClosedReason | undefined {
    return this.#closed?.fingerprint === current.certificate.fingerprintSha256 ? this.#closed.reason : undefined;
  }

  /** `current` is known to be revoked (its OCSP answer): the next attempt enrolls again with the token. */
  markClosed(current: Credential, reason: ClosedReason): void {
    this.#closed = { fingerprint: current.certificate.fingerprintSha256, reason };
  }

  /** Whether the CA holds a request of this client for approval (one is kept for the next attempt). */
  async hasPendingRequest(): Promise<boolean> {
    return (await this.options.pending.load()) !== undefined;
  }

  /**
   * The first enrollment, with the token and the request. Throws `CLIENT_TOKEN_REQUIRED` without
   * them, or what `enroll` throws (`CLIENT_EST_PENDING` while the CA holds it for approval).
   */
  async enroll(): Promise<Credential> {
    const { token, request } = this.options;
    if (token === undefined || request === undefined)
      throw new SymbolonError('CLIENT_TOKEN_REQUIRED', 'there is no certificate yet: give an enrollment token and a name to enroll');
    return enroll(this.options.est, token, request, this.options.clock, this.options.pending);
  }

  /** A new credential for `current` (which it only reads). Throws as the class says. */
  async renew(current: Credential): Promise<Renewal> {
    let reason = this.closedReason(current);
    let cause: unknown;
    if (reason === undefined) {
      try {
        const credential = await reenroll(
          this.options.est,
          current,
          { keyType: this.options.keyType, isKeyKept: this.options.isKeyKept },
          this.options.clock,
          this.options.pending,
        );
        return { credential, kind: 'renewed' };
      } catch (error) {
        reason = isRenewalClosed(error);
        if (reason === undefined) throw error;
        cause = error;
      }
    }
    return { credential: await this.#enrollAgain(current, reason, cause), kind: 'enrolled', reason };
  }

  async #enrollAgain(current: Credential, reason: ClosedReason, cause: unknown): Promise<Credential> {
    const { token } = this.options;
    if (token === undefined) {
      // Nothing is remembered: the next attempt asks the CA again (its answer may have been about a replica behind).
      this.#closed = undefined;
      throw lostError(current, reason, cause);
    }
    this.markClosed(current, reason);
    this.options.log?.({ event: 're_enrolling', reason, serial: current.certificate.serialNumber });
    const { certificate } = current;
    const request = this.options.request ?? {
      subject: certificate.subject,
      subjectAltNames: certificate.subjectAltNames,
      keyType: this.options.keyType,
    };
    try {
      return await enroll(this.options.est, token, request, this.options.clock, this.options.pending);
    } catch (error) {
      if (isWorthRetrying(error)) throw error;
      this.#closed = undefined;
      throw lostError(current, reason, error);
    }
  }
}

/** The certificate can no longer be renewed and no token replaces it; `cause` says why (the CA's refusal). */
function lostError(current: Credential, reason: ClosedReason, cause: unknown): SymbolonError {
  const serial = current.certificate.serialNumber;
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return reason === 'revoked'
    ? new SymbolonError('CLIENT_CERTIFICATE_REVOKED', `the certificate ${serial} is revoked and cannot be replaced${detail}`, { cause })
    : new SymbolonError('CLIENT_TOKEN_REQUIRED', `the certificate ${serial} can no longer be renewed${detail}`, { cause });
}
