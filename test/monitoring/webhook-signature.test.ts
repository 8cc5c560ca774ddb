import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook, verifyWebhookSignature } from '../../src/monitoring/index.js';
import { runTool } from '../support/revocation-harness.js';

const SECRET = 'a'.repeat(64);
const BODY = '{"kind":"symbolon.certificate.expiry","alerts":[]}';

test('the signature is the HMAC-SHA256 of "<t>.<body>" under the secret, as openssl computes it', async () => {
  const header = signWebhook(SECRET, BODY, 1_900_000_000);
  const peer = await runTool('sh', ['-c', `printf '%s' '1900000000.${BODY}' | openssl dgst -sha256 -hmac '${SECRET}' -r`]);
  assert.equal(peer.code, 0, peer.output);
  assert.equal(header, `t=1900000000,v1=${peer.stdout.split(' ')[0]}`);
});

test('a receiver accepts the signature of the body as sent, and refuses any other body, secret, time or form', () => {
  const header = signWebhook(SECRET, BODY, 1_900_000_000);
  assert.deepEqual(verifyWebhookSignature(SECRET, header, BODY, 1_900_000_100), { ok: true });
  assert.deepEqual(verifyWebhookSignature(SECRET, header, `${BODY} `, 1_900_000_100), { ok: false, reason: 'mismatch' });
  assert.deepEqual(verifyWebhookSignature('b'.repeat(64), header, BODY, 1_900_000_100), { ok: false, reason: 'mismatch' });
  assert.deepEqual(verifyWebhookSignature(SECRET, header, BODY, 1_900_001_000), { ok: false, reason: 'stale' });
  for (const bad of [undefined, '', 'v1=00', `t=1900000000,v1=${'0'.repeat(63)}`, `t=x,v1=${'0'.repeat(64)}`, `${header},extra`]) {
    assert.deepEqual(verifyWebhookSignature(SECRET, bad, BODY, 1_900_000_100), { ok: false, reason: 'malformed' }, String(bad));
  }
});
