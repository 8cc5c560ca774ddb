import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { runTool, startHarness } from '../support/revocation-harness.js';
import type { Harness } from '../support/revocation-harness.js';

const temp = makeTempDir('symbolon-feed-');
let h: Harness;

before(async () => {
  h = await startHarness(await makeTemplateCa(temp.path), temp.path);
});
after(async () => {
  await h?.close();
  temp.remove();
});

interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** An open feed stream: events as they come, with a bounded wait for the next ones. */
interface FeedClient {
  readonly status: number;
  readonly body: string;
  next(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
}

function connect(path: string, identity: { cert: string; key: string } | undefined): Promise<FeedClient> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${h.services.feedUrl!.replace(/\/feed$/, '')}${path}`,
      {
        ca: readFileSync(h.rootPem),
        ...(identity === undefined ? {} : { cert: readFileSync(identity.cert), key: readFileSync(identity.key) }),
      },
      (res: IncomingMessage) => {
        const events: SseEvent[] = [];
        let buffer = '';
        let waiter: (() => void) | undefined;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields = Object.fromEntries(
              frame
                .split('\n')
                .filter((line) => !line.startsWith(':') && line.includes(': '))
                .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]),
            );
            if (fields['event'] !== undefined)
              events.push({
                id: fields['id'],
                event: fields['event'],
                data: JSON.parse(fields['data'] ?? '{}') as Record<string, unknown>,
              });
          }
          waiter?.();
        });
        let taken = 0;
        resolve({
          status: res.statusCode ?? 0,
          get body() {
            return buffer;
          },
          async next(count: number, timeoutMs = 3000) {
            const deadline = Date.now() + timeoutMs;
            while (events.length - taken < count && Date.now() < deadline) {
              await new Promise<void>((wake) => {
                waiter = wake;
                setTimeout(wake, 50);
              });
            }
            const out = events.slice(taken, taken + count);
            taken += out.length;
            return out;
          },
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function revoke(serial: string, reason: 'keyCompromise' | 'superseded' = 'keyCompromise') {
  return revokeCertificate(h.services.store, { issuerId: 'intermediate-1', serial }, reason, { actor: 'test', now: new Date() });
}

test('a gateway certificate gets the snapshot, then live revocations, and can resume from a sequence', async () => {
  const gateway = await h.issue('gateway-1', 'gateway');
  const victims = await Promise.all([h.issue('v1'), h.issue('v2'), h.issue('v3')]);
  const first = await revoke(victims[0].issued.record.serial);
  const second = await revoke(victims[1].issued.record.serial, 'superseded');
  const client = await connect('/feed', { cert: gateway.chainPem, key: gateway.keyPem });
  try {
    assert.equal(client.status, 200);
    const snapshot = await client.next(3);
    assert.deepEqual(
      snapshot.map((event) => event.event),
      ['revocation', 'revocation', 'ready'],
    );
    assert.deepEqual(
      snapshot.slice(0, 2).map((event) => event.data['serial']),
      [victims[0].issued.record.serial, victims[1].issued.record.serial],
    );
    assert.equal(snapshot[0]!.id, String(first.sequence));
    assert.equal(snapshot[1]!.data['reason'], 'superseded');
    // Each revocation names its issuing key (the intermediate's subjectKeyIdentifier, lowercase hex).
    const keyId = h.ca.issuer.keyIdentifier.toString('hex');
    assert.match(keyId, /^[0-9a-f]{40}$/);
    assert.deepEqual(
      snapshot.slice(0, 2).map((event) => event.data['issuerKeyId']),
      [keyId, keyId],
    );
    assert.equal(h.services.issuerKeyId('intermediate-1'), keyId);
    assert.equal(h.services.issuerKeyId('no-such-issuer'), undefined);
    const third = await revoke(victims[2].issued.record.serial);
    const [live] = await client.next(1);
    assert.equal(live?.event, 'revocation');
    assert.equal(live?.data['sequence'], third.sequence);
  } finally {
    client.close();
  }
  const resumed = await connect(`/feed?after=${second.sequence}`, { cert: gateway.chainPem, key: gateway.keyPem });
  try {
    const events = await resumed.next(2);
    assert.deepEqual(
      events.map((event) => [event.event, event.data['sequence']]),
      [
        ['revocation', second.sequence + 1],
        ['ready', second.sequence + 1],
      ],
    );
  } finally {
    resumed.close();
  }
});

test('a client certificate without the gateway role is refused with 403 FEED_ROLE_REQUIRED', async () => {
  const client = await h.issue('not-a-gateway', 'client');
  const refused = await connect('/feed', { cert: client.chainPem, key: client.keyPem });
  assert.equal(refused.status, 403);
  await refused.next(0, 100);
  assert.match(refused.body, /"code":"FEED_ROLE_REQUIRED"/);
  refused.close();
});

test('a revoked gateway certificate is refused', async () => {
  const gateway = await h.issue('gateway-revoked', 'gateway');
  await revoke(gateway.issued.record.serial);
  const refused = await connect('/feed', { cert: gateway.chainPem, key: gateway.keyPem });
  assert.equal(refused.status, 403);
  refused.close();
});

test('a client without a certificate, or with one from another CA, gets the TLS handshake and a 403', async () => {
  // The service listener asks for a client certificate and does not require one: the route decides.
  const anonymous = await connect('/feed', undefined);
  assert.equal(anonymous.status, 403);
  await anonymous.next(0, 100);
  assert.match(anonymous.body, /"code":"FEED_ROLE_REQUIRED"/);
  anonymous.close();
  const key = `${h.dir}/foreign.key`;
  const cert = `${h.dir}/foreign.crt`;
  const made = await runTool('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    '/CN=intruder',
    '-days',
    '1',
  ]);
  assert.equal(made.code, 0, made.output);
  const foreign = await connect('/feed', { cert, key });
  assert.equal(foreign.status, 403);
  await foreign.next(0, 100);
  assert.match(foreign.body, /refused: no-certificate/);
  foreign.close();
});

test('the service listener answers paths nothing is mounted on with a 404 problem', async () => {
  const missing = await connect('/nothing-here', undefined);
  assert.equal(missing.status, 404);
  await missing.next(0, 100);
  assert.match(missing.body, /"code":"HTTP_NOT_FOUND"/);
  missing.close();
});

test('a bad position is 400 FEED_BAD_POSITION', async () => {
  const gateway = await h.issue('gateway-2', 'gateway');
  const bad = await connect('/feed?after=-1', { cert: gateway.chainPem, key: gateway.keyPem });
  assert.equal(bad.status, 400);
  await new Promise((resolve) => setTimeout(resolve, 20));
  bad.close();
});
