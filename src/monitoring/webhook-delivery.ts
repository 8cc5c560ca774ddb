import { request } from 'undici';
import { SymbolonError } from '../errors.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export interface WebhookTarget {
  readonly url: string;
  /** The HMAC key of the signature header. */
  readonly secret: string;
  /** Attempts after the first. */
  readonly retries: number;
  /** Delay before the first retry; each next one doubles it. */
  readonly backoffMs: number;
  readonly timeoutMs: number;
}

/** Statuses worth another attempt: the receiver is busy or failed, not refusing this body. */
function isRetryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * POSTs `body` (JSON text) to the webhook, signed afresh at each attempt, until a 2xx answer;
 * network faults, timeouts, 5xx, 408 and 429 are retried with doubling delays, any other status
 * ends the attempts. Throws `ALERT_WEBHOOK_FAILED` naming the last outcome.
 */
export async function deliverWebhook(target: WebhookTarget, body: string, now: () => Date = () => new Date()): Promise<void> {
  let last = '';
  for (let attempt = 0; attempt <= target.retries; attempt++) {
    if (attempt > 0) await sleep(target.backoffMs * 2 ** (attempt - 1));
    try {
      const answer = await request(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(target.secret, body, Math.floor(now().getTime() / 1000)),
          'user-agent': 'symbolon-alerts',
        },
        body,
        headersTimeout: target.timeoutMs,
        bodyTimeout: target.timeoutMs,
        maxRedirections: 0,
      });
      // The answer's body is not wanted, only read to free the connection (and bounded by the timeout).
      await answer.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      if (answer.statusCode >= 200 && answer.statusCode < 300) return;
      last = `HTTP ${answer.statusCode}`;
      if (!isRetryable(answer.statusCode)) break;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
  }
  throw new SymbolonError('ALERT_WEBHOOK_FAILED', `the alert webhook ${new URL(target.url).origin} did not take the alerts: ${last}`);
}
