import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header an alert's POST carries: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'x-symbolon-signature';

function mac(secret: string, timestampSeconds: number, body: string): Buffer {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest();
}

/**
 * The signature header's value for `body` sent at `timestampSeconds`. The timestamp is signed with
 * the body, so a receiver that refuses old timestamps cannot be fed a recorded alert again.
 */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${mac(secret, timestampSeconds, body).toString('hex')}`;
}

export type WebhookVerification = { readonly ok: true } | { readonly ok: false; readonly reason: 'malformed' | 'stale' | 'mismatch' };

/**
 * Checks a signature header against the body as received: the MAC compared in constant time, the
 * timestamp within `toleranceSeconds` of `nowSeconds`. For receivers (and the tests that play one).
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): WebhookVerification {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (match === null) return { ok: false, reason: 'malformed' };
  const timestamp = Number(match[1]);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale' };
  const expected = mac(secret, timestamp, body);
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex')) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
