import { join } from 'node:path';
import { isSymbolonError, SymbolonError } from '../errors.js';
import type { KeyType } from '../keys/index.js';
import { formatName } from '../x509/index.js';
import type { AgentStatus, Outcome } from './agent-status.js';
import { STATUS_FILE, writeStatus } from './agent-status.js';
import { CertificateRenewer, isCertificateLost, isWorthRetrying } from './certificate-renewer.js';
import type { Credential } from './credential.js';
import { DISK_WRITER, prepareCredentialDir, readCredentialDir, writeCredentialDir } from './credential-dir.js';
import type { FileWriter } from './credential-dir.js';
import type { EnrollmentRequest } from './enrollment.js';
import { estRetryAfterMs } from './est-client.js';
import type { EnrollmentToken, EstEndpoint } from './est-client.js';
import { ownRevocationStatus } from './own-revocation.js';
import { pendingRequestFile } from './pending-request.js';
import { runReload } from './reload.js';
import type { ReloadAction } from './reload.js';
import { RenewalLoop } from './renewal-loop.js';
import { nextAttemptDelayMs, renewalTime } from './renewal-schedule.js';
import type { RetryPolicy } from './renewal-schedule.js';

export interface AgentOptions {
  /** The credential directory (see credential-dir.ts). */
  readonly dir: string;
  readonly est: EstEndpoint;
  /** For the first enrollment, and for enrolling again after a revocation when the CA still accepts it. */
  readonly token?: EnrollmentToken | undefined;
  /** What the first enrollment asks for (renewals keep the certificate's subject and names). */
  readonly request?: EnrollmentRequest | undefined;
  readonly keyType: KeyType;
  /** Keep the key across renewals (default: a new key each time). */
  readonly isKeyKept: boolean;
  readonly reload?: ReloadAction | undefined;
  /** Ask the OCSP responder about the agent's own certificate this often (url: else the certificate's AIA). */
  readonly ocsp?: { readonly url?: string | undefined; readonly intervalMs: number; readonly timeoutMs: number } | undefined;
  readonly retry: RetryPolicy;
  readonly clock: () => Date;
  readonly random: () => number;
  /** Where the files meet the disk (a test makes it fail). */
  readonly writer?: FileWriter;
  /** One structured log event (never a key). */
  readonly log: (event: Record<string, unknown>) => void;
}

/** How an agent run ended: ok, or the error that stopped it. */
export type AgentResult = { readonly ok: true } | { readonly ok: false; readonly error: SymbolonError };

function outcome(at: Date, error?: unknown): Outcome {
  if (error === undefined) return { at: at.toISOString(), ok: true };
  const symbolon = asError(error);
  return { at: at.toISOString(), ok: false, code: symbolon.code, message: symbolon.message };
}

/** A failure as a SymbolonError: what is not one yet came from the file system (the directory). */
function asError(error: unknown): SymbolonError {
  return error instanceof SymbolonError
    ? error
    : new SymbolonError('CLIENT_CREDENTIAL_WRITE_FAILED', error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * `symbolon agent`'s work: enrolls once with a token, keeps key, certificate and chain in the
 * credential directory, renews at two thirds of the lifetime (new key by default), retries with
 * backoff, reloads after each renewal, watches its own revocation over OCSP, enrolls again with
 * the token when its certificate is revoked or expired, and keeps the status file. An enrollment
 * the CA holds for approval, or a CA that cannot be reached, is retried (the request the CA holds
 * kept in the directory, sent again as it was). Every failure is logged with its code; the
 * current certificate stays in place until a new one is complete.
 */
export class Agent {
  #status: AgentStatus;
  /** The credential in the directory, once read or written. */
  #current: Credential | undefined;
  #loop: RenewalLoop | undefined;
  readonly #renewer: CertificateRenewer;
  #ocspTimer: NodeJS.Timeout | undefined;
  /** Holds the process open while the agent runs (the loop's own timers do not). */
  #alive: NodeJS.Timeout | undefined;
  /** Ends the wait between first enrollment attempts early, when the agent stops. */
  #wake: (() => void) | undefined;
  #finish: ((result: AgentResult) => void) | undefined;
  /** How the run ended, once it has: stopping afterwards keeps the state an error left. */
  #ended: AgentResult | undefined;
  /** Status writes in the order they were made: the last state is the one left on disk. */
  #statusWritten: Promise<void> = Promise.resolve();
  readonly #statusFile: string;

  constructor(private readonly options: AgentOptions) {
    this.#statusFile = join(options.dir, STATUS_FILE);
    this.#renewer = new CertificateRenewer({
      est: options.est,
      token: options.token,
      request: options.request,
      keyType: options.keyType,
      isKeyKept: options.isKeyKept,
      pending: pendingRequestFile(options.dir),
      clock: options.clock,
      log: options.log,
    });
    this.#status = {
      state: 'none',
      serial: null,
      subject: null,
      notBefore: null,
      notAfter: null,
      version: null,
      nextAttemptAt: null,
      lastAttempt: null,
      lastRenewal: null,
      renewals: 0,
      consecutiveFailures: 0,
      lastReload: null,
      revocation: null,
      pid: process.pid,
    };
  }

  get status(): AgentStatus {
    return this.#status;
  }

  /** Changes the status at once and writes it after the writes before it. */
  async #update(change: Partial<AgentStatus>): Promise<void> {
    this.#status = { ...this.#status, ...change };
    const status = this.#status;
    this.#statusWritten = this.#statusWritten.then(() =>
      writeStatus(this.#statusFile, status).catch((error: unknown) =>
        this.options.log({ event: 'status_unwritable', message: (error as Error).message }),
      ),
    );
    await this.#statusWritten;
  }

  #held(credential: Credential, version: string): Partial<AgentStatus> {
    const { certificate } = credential;
    return {
      serial: certificate.serialNumber,
      subject: formatName(certificate.subject),
      notBefore: certificate.notBefore.toISOString(),
      notAfter: certificate.notAfter.toISOString(),
      version,
    };
  }

  /** Writes a new credential, then reloads; a write failure throws (nothing changed), a reload failure is recorded. */
  async #install(next: Credential, event: 'enrolled' | 'renewed'): Promise<void> {
    const version = await writeCredentialDir(this.options.dir, next, this.options.writer ?? DISK_WRITER);
    this.#current = next;
    const now = this.options.clock();
    this.options.log({ event, serial: next.certificate.serialNumber, notAfter: next.certificate.notAfter.toISOString(), version });
    await this.#update({
      ...this.#held(next, version),
      state: 'ok',
      lastAttempt: outcome(now),
      lastRenewal: now.toISOString(),
      renewals: this.#status.renewals + (event === 'renewed' ? 1 : 0),
      consecutiveFailures: 0,
      // The last OCSP answer was about the certificate just replaced.
      revocation: null,
    });
    if (this.options.reload !== undefined) {
      let reloaded: Outcome;
      try {
        await runReload(this.options.reload);
        reloaded = outcome(this.options.clock());
      } catch (error) {
        reloaded = outcome(this.options.clock(), error);
        this.options.log({ event: 'reload_failed', code: reloaded.code, message: reloaded.message });
      }
      await this.#update({ lastReload: reloaded });
    }
  }

  /** What the status says after a failed attempt: waiting for approval, revoked (and being replaced), or failing. */
  #stateAfter(error: unknown): AgentStatus['state'] {
    if (isSymbolonError(error, 'CLIENT_EST_PENDING')) return 'pending';
    if (isSymbolonError(error, 'CLIENT_CERTIFICATE_REVOKED')) return 'revoked';
    const current = this.#current;
    return current !== undefined && this.#renewer.closedReason(current) === 'revoked' ? 'revoked' : 'failing';
  }

  async #failed(error: unknown, nextAttemptAt: Date | undefined): Promise<void> {
    const failure = outcome(this.options.clock(), error);
    this.options.log({
      event: failure.code === 'CLIENT_EST_PENDING' ? 'enrollment_pending' : 'attempt_failed',
      code: failure.code,
      message: failure.message,
      retryAt: nextAttemptAt?.toISOString(),
    });
    await this.#update({
      state: this.#stateAfter(error),
      lastAttempt: failure,
      consecutiveFailures: this.#status.consecutiveFailures + 1,
      nextAttemptAt: nextAttemptAt?.toISOString() ?? null,
    });
  }

  async #enroll(): Promise<Credential> {
    if (this.options.token === undefined || this.options.request === undefined)
      throw new SymbolonError(
        'CLIENT_TOKEN_REQUIRED',
        `${this.options.dir} holds no certificate; give an enrollment token and a name to enroll`,
      );
    const next = await this.#renewer.enroll();
    await this.#install(next, 'enrolled');
    return next;
  }

  /** The current credential, enrolling first when the directory has none. */
  async #currentOrEnroll(): Promise<Credential> {
    await prepareCredentialDir(this.options.dir);
    const held = await readCredentialDir(this.options.dir);
    if (held !== undefined) {
      this.#current = held;
      await this.#update({ ...this.#held(held, held.version), state: 'ok' });
      return held;
    }
    return this.#enroll();
  }

  async #checkRevocation(current: Credential): Promise<'revoked' | undefined> {
    if (this.options.ocsp === undefined) return undefined;
    const answer = await ownRevocationStatus(current, this.options.ocsp, this.options.clock());
    const detail = answer.status === 'revoked' ? answer.reason : answer.status === 'unavailable' ? answer.detail : undefined;
    await this.#update({
      revocation: { checkedAt: this.options.clock().toISOString(), status: answer.status, ...(detail === undefined ? {} : { detail }) },
    });
    if (answer.status === 'revoked') {
      this.options.log({ event: 'revoked', serial: current.certificate.serialNumber, reason: answer.reason });
      return 'revoked';
    }
    if (answer.status === 'unavailable') this.options.log({ event: 'revocation_unknown', detail: answer.detail });
    return undefined;
  }

  /**
   * One pass, for cron (`--once`): enroll if needed, check revocation, renew when due (or when
   * `force`, or when the CA holds a request of this agent for approval). Resolves ok, or with the
   * error of what failed (the current certificate kept; `CLIENT_EST_PENDING` while the CA holds
   * the request, which the next pass sends again).
   */
  async once(force: boolean): Promise<AgentResult> {
    try {
      let current = await this.#currentOrEnroll();
      if ((await this.#checkRevocation(current)) === 'revoked') this.#renewer.markClosed(current, 'revoked');
      const due = renewalTime(current.receivedAt, current.certificate.notAfter, this.options.random);
      const isDue =
        force ||
        this.options.clock().getTime() >= due.getTime() ||
        this.#renewer.closedReason(current) !== undefined ||
        (await this.#renewer.hasPendingRequest());
      if (isDue) {
        const renewal = await this.#renewer.renew(current);
        await this.#install(renewal.credential, renewal.kind);
        current = renewal.credential;
      }
      await this.#update({
        nextAttemptAt: renewalTime(current.receivedAt, current.certificate.notAfter, this.options.random).toISOString(),
      });
      return { ok: true };
    } catch (error) {
      await this.#failed(error, undefined);
      return { ok: false, error: asError(error) };
    }
  }

  /**
   * Runs until `stop()` (resolving ok) or until the certificate can no longer be kept (resolving
   * with why). Waiting for approval, or for the CA, is not an end: it retries.
   */
  async run(): Promise<AgentResult> {
    const done = new Promise<AgentResult>((resolve) => (this.#finish = resolve));
    this.#alive = setInterval(() => undefined, 2 ** 30);
    let current: Credential | undefined;
    for (let failures = 1; current === undefined; failures++) {
      if (this.#finish === undefined) return done;
      try {
        current = await this.#currentOrEnroll();
      } catch (error) {
        // A refused token or a directory that cannot be used will not change by waiting.
        if (error instanceof SymbolonError && !isWorthRetrying(error)) {
          await this.#failed(error, undefined);
          this.#end({ ok: false, error });
          return done;
        }
        const wait = nextAttemptDelayMs(failures, this.options.retry, this.options.random, estRetryAfterMs(error));
        await this.#failed(error, new Date(this.options.clock().getTime() + wait));
        await this.#pause(wait);
      }
    }
    if (this.#finish === undefined) return done;
    const loop = new RenewalLoop(
      current,
      {
        renew: (held) => this.#renewer.renew(held),
        install: (renewal) => this.#install(renewal.credential, renewal.kind),
        clock: this.options.clock,
        random: this.options.random,
        retry: this.options.retry,
      },
      (event) => {
        if (event.type === 'renewed') void this.#update({ nextAttemptAt: loop.nextAttemptAt.toISOString() });
        else if (isCertificateLost(event.error)) {
          loop.stop();
          // The run ends once the status says why: a monitor that reads it after the exit finds the reason.
          void this.#failed(event.error, undefined).finally(() => this.#end({ ok: false, error: event.error }));
        } else void this.#failed(event.error, event.retryAt);
      },
    );
    this.#loop = loop;
    loop.start();
    await this.#update({ nextAttemptAt: loop.nextAttemptAt.toISOString() });
    this.options.log({ event: 'started', serial: current.certificate.serialNumber, nextAttemptAt: loop.nextAttemptAt.toISOString() });
    this.#watchRevocation();
    return done;
  }

  /** Waits `ms`, or less when the agent stops. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Asks the OCSP responder about the current certificate; revoked, the loop enrolls again at once (and retries as it does). */
  #watchRevocation(): void {
    const ocsp = this.options.ocsp;
    if (ocsp === undefined) return;
    const check = async (): Promise<void> => {
      const loop = this.#loop;
      if (loop === undefined) return;
      const current = loop.current;
      // Known to be revoked already: the loop is replacing it.
      if (this.#renewer.closedReason(current) !== undefined) return;
      if ((await this.#checkRevocation(current)) !== 'revoked') return;
      this.#renewer.markClosed(current, 'revoked');
      await this.#update({ state: 'revoked' });
      await loop.renewNow();
    };
    const tick = (): void => {
      if (this.#finish === undefined) return;
      this.#ocspTimer = setTimeout(() => void check().finally(tick), ocsp.intervalMs);
      this.#ocspTimer.unref();
    };
    void check().finally(tick);
  }

  #end(result: AgentResult): void {
    this.#ended ??= result;
    this.#loop?.stop();
    clearTimeout(this.#ocspTimer);
    clearInterval(this.#alive);
    this.#wake?.();
    const finish = this.#finish;
    this.#finish = undefined;
    finish?.(result);
  }

  /** Stops renewing; resolves the run with ok. The status keeps revoked, pending, or the error that ended the run. */
  async stop(): Promise<void> {
    const ended = this.#ended;
    this.#end({ ok: true });
    if (ended !== undefined && !ended.ok) {
      await this.#statusWritten;
      return;
    }
    const state = this.#status.state;
    await this.#update({ state: state === 'revoked' || state === 'pending' ? state : 'stopped', nextAttemptAt: null });
  }
}
