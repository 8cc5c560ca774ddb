import { join } from 'node:path';
import { SymbolonError } from '../errors.js';
import type { KeyType } from '../keys/index.js';
import { formatName } from '../x509/index.js';
import type { AgentStatus, Outcome } from './agent-status.js';
import { STATUS_FILE, writeStatus } from './agent-status.js';
import type { Credential } from './credential.js';
import { DISK_WRITER, prepareCredentialDir, readCredentialDir, writeCredentialDir } from './credential-dir.js';
import type { FileWriter } from './credential-dir.js';
import { enroll, reenroll } from './enrollment.js';
import type { EnrollmentRequest } from './enrollment.js';
import { estRefusalCode } from './est-client.js';
import type { EnrollmentToken, EstEndpoint } from './est-client.js';
import { ownRevocationStatus } from './own-revocation.js';
import { runReload } from './reload.js';
import type { ReloadAction } from './reload.js';
import { RenewalLoop } from './renewal-loop.js';
import { renewalTime, retryDelayMs } from './renewal-schedule.js';
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

/** Whether a refused re-enrollment means the certificate can no longer be renewed by itself. */
function isRenewalClosed(error: unknown): 'revoked' | 'expired' | undefined {
  const code = estRefusalCode(error);
  if (code === 'EST_REENROLL_CERTIFICATE_REVOKED') return 'revoked';
  if (code === 'EST_REENROLL_CERTIFICATE_EXPIRED' || code === 'EST_REENROLL_CERTIFICATE_UNKNOWN') return 'expired';
  return undefined;
}

/**
 * `symbolon agent`'s work: enrolls once with a token, keeps key, certificate and chain in the
 * credential directory, renews at two thirds of the lifetime (new key by default), retries with
 * backoff, reloads after each renewal, watches its own revocation over OCSP, and keeps the
 * status file. Every failure is logged with its code; the current certificate stays in place
 * until a new one is complete.
 */
export class Agent {
  #status: AgentStatus;
  #loop: RenewalLoop | undefined;
  #ocspTimer: NodeJS.Timeout | undefined;
  /** Holds the process open while the agent runs (the loop's own timers do not). */
  #alive: NodeJS.Timeout | undefined;
  #finish: ((result: AgentResult) => void) | undefined;
  readonly #statusFile: string;

  constructor(private readonly options: AgentOptions) {
    this.#statusFile = join(options.dir, STATUS_FILE);
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

  async #update(change: Partial<AgentStatus>): Promise<void> {
    this.#status = { ...this.#status, ...change };
    await writeStatus(this.#statusFile, this.#status).catch((error: unknown) =>
      this.options.log({ event: 'status_unwritable', message: (error as Error).message }),
    );
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
    const now = this.options.clock();
    this.options.log({ event, serial: next.certificate.serialNumber, notAfter: next.certificate.notAfter.toISOString(), version });
    await this.#update({
      ...this.#held(next, version),
      state: 'ok',
      lastAttempt: outcome(now),
      lastRenewal: now.toISOString(),
      renewals: this.#status.renewals + (event === 'renewed' ? 1 : 0),
      consecutiveFailures: 0,
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

  async #failed(error: unknown, nextAttemptAt: Date | undefined): Promise<void> {
    const failure = outcome(this.options.clock(), error);
    this.options.log({ event: 'attempt_failed', code: failure.code, message: failure.message, retryAt: nextAttemptAt?.toISOString() });
    await this.#update({
      state: this.#status.state === 'revoked' ? 'revoked' : 'failing',
      lastAttempt: failure,
      consecutiveFailures: this.#status.consecutiveFailures + 1,
      nextAttemptAt: nextAttemptAt?.toISOString() ?? null,
    });
  }

  async #enroll(): Promise<Credential> {
    const { token, request } = this.options;
    if (token === undefined || request === undefined)
      throw new SymbolonError(
        'CLIENT_TOKEN_REQUIRED',
        `${this.options.dir} holds no certificate; give an enrollment token and a name to enroll`,
      );
    const next = await enroll(this.options.est, token, request, this.options.clock);
    await this.#install(next, 'enrolled');
    return next;
  }

  async #renew(current: Credential): Promise<Credential> {
    return reenroll(this.options.est, current, { keyType: this.options.keyType, isKeyKept: this.options.isKeyKept }, this.options.clock);
  }

  /** The certificate can no longer renew itself: enroll again with the token if the CA still allows it, else stop. */
  async #replaceClosed(reason: 'revoked' | 'expired', cause: unknown): Promise<Credential> {
    if (this.options.token !== undefined && this.options.request !== undefined) {
      try {
        this.options.log({ event: 're_enrolling', reason });
        return await this.#enroll();
      } catch (error) {
        cause = error;
      }
    } else if (this.options.token !== undefined) {
      // Without a request of its own, enroll again for the names of the certificate held.
      const held = this.#loop?.current;
      if (held !== undefined) {
        try {
          const next = await enroll(
            this.options.est,
            this.options.token,
            { subject: held.certificate.subject, subjectAltNames: held.certificate.subjectAltNames, keyType: this.options.keyType },
            this.options.clock,
          );
          await this.#install(next, 'enrolled');
          return next;
        } catch (error) {
          cause = error;
        }
      }
    }
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    const error =
      reason === 'revoked'
        ? new SymbolonError(
            'CLIENT_CERTIFICATE_REVOKED',
            `the certificate ${this.#status.serial} is revoked and cannot be replaced${detail}`,
          )
        : new SymbolonError('CLIENT_TOKEN_REQUIRED', `the certificate ${this.#status.serial} can no longer be renewed${detail}`);
    await this.#update({ state: reason === 'revoked' ? 'revoked' : 'failing', lastAttempt: outcome(this.options.clock(), error) });
    throw error;
  }

  /** The current credential, enrolling first when the directory has none. */
  async #currentOrEnroll(): Promise<Credential> {
    await prepareCredentialDir(this.options.dir);
    const held = await readCredentialDir(this.options.dir);
    if (held !== undefined) {
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
   * `force`). Resolves ok, or with the error of what failed (the current certificate kept).
   */
  async once(force: boolean): Promise<AgentResult> {
    try {
      let current = await this.#currentOrEnroll();
      if ((await this.#checkRevocation(current)) === 'revoked') current = await this.#replaceClosed('revoked', undefined);
      const due = renewalTime(current.receivedAt, current.certificate.notAfter, this.options.random);
      if (force || this.options.clock().getTime() >= due.getTime()) {
        let next: Credential;
        try {
          next = await this.#renew(current);
        } catch (error) {
          const closed = isRenewalClosed(error);
          if (closed === undefined) throw error;
          await this.#replaceClosed(closed, error);
          return { ok: true };
        }
        await this.#install(next, 'renewed');
        current = next;
      }
      await this.#update({
        nextAttemptAt: renewalTime(current.receivedAt, current.certificate.notAfter, this.options.random).toISOString(),
      });
      return { ok: true };
    } catch (error) {
      if (this.#status.state !== 'revoked') await this.#failed(error, undefined);
      return { ok: false, error: asError(error) };
    }
  }

  /** Runs until `stop()` (resolving ok) or until the certificate can no longer be kept (resolving with why). */
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
        const isPermanent = error instanceof SymbolonError && !['CLIENT_EST_UNREACHABLE', 'CLIENT_EST_PENDING'].includes(error.code);
        if (isPermanent) {
          await this.#failed(error, undefined);
          this.#end({ ok: false, error: asError(error) });
          return done;
        }
        const wait = retryDelayMs(failures, this.options.retry, this.options.random);
        await this.#failed(error, new Date(this.options.clock().getTime() + wait));
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    /** Credentials an enrollment after a revocation or expiry already wrote: the loop takes them as renewals. */
    const enrolledAgain = new WeakSet<Credential>();
    const loop = new RenewalLoop(
      current,
      {
        renew: async (held) => {
          try {
            return await this.#renew(held);
          } catch (error) {
            const closed = isRenewalClosed(error);
            if (closed === undefined) throw error;
            try {
              const next = await this.#replaceClosed(closed, error);
              enrolledAgain.add(next);
              return next;
            } catch (fatal) {
              this.#end({ ok: false, error: asError(fatal) });
              throw fatal;
            }
          }
        },
        install: async (next) => {
          if (!enrolledAgain.has(next)) await this.#install(next, 'renewed');
        },
        clock: this.options.clock,
        random: this.options.random,
        retry: this.options.retry,
      },
      (event) => {
        if (event.type === 'failed') void this.#failed(event.error, event.retryAt);
        else void this.#update({ nextAttemptAt: loop.nextAttemptAt.toISOString() });
      },
    );
    this.#loop = loop;
    loop.start();
    await this.#update({ nextAttemptAt: loop.nextAttemptAt.toISOString() });
    this.options.log({ event: 'started', serial: current.certificate.serialNumber, nextAttemptAt: loop.nextAttemptAt.toISOString() });
    this.#watchRevocation();
    return done;
  }

  #watchRevocation(): void {
    const ocsp = this.options.ocsp;
    if (ocsp === undefined) return;
    const check = async (): Promise<void> => {
      const loop = this.#loop;
      if (loop === undefined) return;
      if ((await this.#checkRevocation(loop.current)) !== 'revoked') return;
      loop.stop();
      try {
        loop.replace(await this.#replaceClosed('revoked', undefined));
        loop.start();
      } catch (error) {
        this.#end({ ok: false, error: asError(error) });
      }
    };
    const tick = (): void => {
      if (this.#finish === undefined) return;
      this.#ocspTimer = setTimeout(() => void check().finally(tick), ocsp.intervalMs);
      this.#ocspTimer.unref();
    };
    void check().finally(tick);
  }

  #end(result: AgentResult): void {
    this.#loop?.stop();
    clearTimeout(this.#ocspTimer);
    clearInterval(this.#alive);
    const finish = this.#finish;
    this.#finish = undefined;
    finish?.(result);
  }

  /** Stops renewing; resolves the run with ok. */
  async stop(): Promise<void> {
    this.#end({ ok: true });
    await this.#update({ state: this.#status.state === 'revoked' ? 'revoked' : 'stopped', nextAttemptAt: null });
  }
}
