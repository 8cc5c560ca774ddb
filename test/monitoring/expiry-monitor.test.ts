import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSymbolonError } from '../../src/errors.js';
import { createExpiryMonitor, SIGNATURE_HEADER, verifyWebhookSignature } from '../../src/monitoring/index.js';
import type { ExpiryAlert } from '../../src/monitoring/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { certificate, draft, issuer } from '../store/store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'symbolon-expiry-'));
after(() => rmSync(root, { recursive: true, force: true }));
const SECRET = 'c'.repeat(64);
const DAY = 86_400;
const NOW = new Date(Date.UTC(2030, 0, 1));
/** Issued a year before NOW: long-lived enough for every threshold. */
const LONG_AGO = new Date(NOW.getTime() - 365 * DAY * 1000);

interface Receiver {
  readonly url: string;
  readonly bodies: { alerts: ExpiryAlert[] }[];
  /** Answers for the next requests, in order; 200 when none is left. */
  readonly script: number[];
  readonly refusedSignatures: number;
  close(): Promise<void>;
}

async function receiver(): Promise<Receiver> {
  const bodies: { alerts: ExpiryAlert[] }[] = [];
  const script: number[] = [];
  let refusedSignatures = 0;
  const read = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => resolve(text));
    });
  const server: Server = createServer((req, res) => {
    void read(req).then((body) => {
      const status = script.shift() ?? 200;
      const header = req.headers[SIGNATURE_HEADER];
      const verdict = verifyWebhookSignature(
        SECRET,
        typeof header === 'string' ? header : undefined,
        body,
        Math.floor(NOW.getTime() / 1000),
      );
      if (!verdict.ok) refusedSignatures++;
      if (status === 200 && verdict.ok) bodies.push(JSON.parse(body) as { alerts: ExpiryAlert[] });
      res.writeHead(verdict.ok ? status : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    script,
    get refusedSignatures() {
      return refusedSignatures;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function storeWith(path: string, expiring: Record<string, number>): Promise<Store> {
  const store = openSqliteStore({ path });
  await store.addIssuer(issuer('root', null, false), draft('ca.init', 'root'));
  await store.addIssuer(issuer('intermediate-1', 'root', true), draft('issuer.add', 'intermediate-1'));
  for (const [serial, days] of Object.entries(expiring)) {
    await store.recordIssuance(
      certificate('intermediate-1', serial, {
        profile: 'client',
        notBefore: LONG_AGO,
        notAfter: new Date(NOW.getTime() + days * DAY * 1000),
      }),
      draft('certificate.issue', serial),
    );
  }
  return store;
}

test('each certificate is alerted once, at the tightest threshold it reached, signed, after retries; a restart sends nothing again', async () => {
  const hook = await receiver();
  const path = join(root, 'once.db');
  let store = await storeWith(path, { a1: 0.5, b2: 5, c3: 20, d4: 60 });
  const logged: string[] = [];
  const monitor = (s: Store) =>
    createExpiryMonitor({
      store: s,
      thresholds: () => ({ client: [30 * DAY, 7 * DAY, 1 * DAY] }),
      webhook: { url: hook.url, secret: SECRET, retries: 3, backoffMs: 10, timeoutMs: 2000 },
      log: (alert, delivered) => logged.push(`${alert.serial}:${alert.thresholdSeconds / DAY}:${delivered}`),
      clock: () => NOW,
      onError: (error) => assert.fail(String(error)),
    });
  try {
    hook.script.push(503, 503);
    const sent = await monitor(store).check();
    assert.deepEqual(sent.map((alert) => `${alert.serial}:${alert.thresholdSeconds / DAY}`).sort(), ['a1:1', 'b2:7', 'c3:30']);
    assert.equal(hook.refusedSignatures, 0);
    assert.deepEqual(hook.bodies.flatMap((body) => body.alerts.map((alert) => alert.serial)).sort(), ['a1', 'b2', 'c3']);
    assert.equal((await monitor(store).check()).length, 0);
    await store.close();
    store = openSqliteStore({ path });
    assert.equal((await monitor(store).check()).length, 0);
    assert.equal(hook.bodies.length, 3);
    assert.deepEqual(logged.sort(), ['a1:1:true', 'b2:7:true', 'c3:30:true']);
  } finally {
    await store.close();
    await hook.close();
  }
});

test('a webhook that fails every attempt: ALERT_WEBHOOK_FAILED, nothing remembered, sent at the next check once it answers', async () => {
  const hook = await receiver();
  const store = await storeWith(join(root, 'retry.db'), { e5: 3 });
  const logged: boolean[] = [];
  const monitor = createExpiryMonitor({
    store,
    thresholds: () => ({ client: [7 * DAY] }),
    webhook: { url: hook.url, secret: SECRET, retries: 2, backoffMs: 10, timeoutMs: 2000 },
    log: (_, delivered) => logged.push(delivered),
    clock: () => NOW,
    onError: () => undefined,
  });
  try {
    hook.script.push(500, 502, 503);
    await assert.rejects(monitor.check(), (error: unknown) => isSymbolonError(error) && error.code === 'ALERT_WEBHOOK_FAILED');
    assert.equal(hook.script.length, 0, 'three attempts were made');
    assert.equal((await monitor.check()).length, 1);
    assert.deepEqual(logged, [false, true]);
    // A 4xx other than 408/429 is the receiver refusing this body: no retry.
    const other = await storeWith(join(root, 'refused.db'), { f6: 3 });
    hook.script.push(400, 200);
    await assert.rejects(
      createExpiryMonitor({
        ...{ store: other, thresholds: () => ({ client: [7 * DAY] }), clock: () => NOW, onError: () => undefined, log: () => undefined },
        webhook: { url: hook.url, secret: SECRET, retries: 3, backoffMs: 10, timeoutMs: 2000 },
      }).check(),
      (error: unknown) => isSymbolonError(error) && error.code === 'ALERT_WEBHOOK_FAILED',
    );
    assert.deepEqual(hook.script, [200]);
    await other.close();
  } finally {
    await store.close();
    await hook.close();
  }
});

test('without a webhook alerts go to the log only; a profile with no thresholds, revoked, expired and short-lived certificates are not alerted', async () => {
  const store = await storeWith(join(root, 'log.db'), { g7: 2, h8: -1 });
  // Issued 3 days before its end: a 7-day threshold is more than half its life.
  await store.recordIssuance(
    certificate('intermediate-1', 'k11', {
      profile: 'client',
      notBefore: new Date(NOW.getTime() - DAY * 1000),
      notAfter: new Date(NOW.getTime() + 2 * DAY * 1000),
    }),
    draft('certificate.issue', 'k11'),
  );
  await store.recordRevocation(
    { issuerId: 'intermediate-1', serial: 'g7', reason: 'superseded', revokedAt: NOW },
    draft('certificate.revoke', 'g7'),
  );
  await store.recordIssuance(
    certificate('intermediate-1', 'i9', { profile: 'client', notBefore: LONG_AGO, notAfter: new Date(NOW.getTime() + 2 * DAY * 1000) }),
    draft('certificate.issue', 'i9'),
  );
  await store.recordIssuance(
    certificate('intermediate-1', 'j10', { profile: 'server', notBefore: LONG_AGO, notAfter: new Date(NOW.getTime() + 2 * DAY * 1000) }),
    draft('certificate.issue', 'j10'),
  );
  const logged: string[] = [];
  try {
    const sent = await createExpiryMonitor({
      store,
      thresholds: () => ({ client: [7 * DAY], server: [] }),
      webhook: undefined,
      log: (alert) => logged.push(alert.serial),
      clock: () => NOW,
      onError: (error) => assert.fail(String(error)),
    }).check();
    assert.deepEqual(
      sent.map((alert) => alert.serial),
      ['i9'],
    );
    assert.deepEqual(logged, ['i9']);
  } finally {
    await store.close();
  }
});
