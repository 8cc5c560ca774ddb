import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, readStatus } from '../../src/client/index.js';
import type { Gateway } from '../../src/gateway/runtime/index.js';
import { makeTempDir } from '../ca/support.js';
import { startEchoUpstream } from '../gateway/e2e/support/echo-upstream.js';
import type { EchoUpstream } from '../gateway/e2e/support/echo-upstream.js';
import { makeClientTemplateCa, SHORT_PROFILE, startClientHarness } from './support/client-harness.js';
import type { ClientHarness } from './support/client-harness.js';
import { startClientGateway } from './support/client-gateway.js';
import { killAll, spawnSymbolon } from './support/client-processes.js';

// Issue #18's proof: the SDK client, and curl through `symbolon tunnel client` (fed by a running
// `symbolon agent`), call the mTLS gateway under continuous requests while their 10-second
// certificates renew at least three times each: no request fails, and each renewal is in the
// CA's records as the renewal of the certificate before it.

const RENEWALS = 3;
/** Only stops a hang; the test ends when both sides have renewed RENEWALS times. */
const HANG_GUARD_MS = 90_000;
const temp = makeTempDir('symbolon-client-proof-');
let harness: ClientHarness;
let upstream: EchoUpstream;
let gateway: Gateway;
const gatewayErrors: unknown[] = [];

before(async () => {
  harness = await startClientHarness(await makeClientTemplateCa(temp.path), temp.path);
  upstream = await startEchoUpstream();
  gateway = await startClientGateway(harness, temp.path, upstream.url, ['proof-sdk', 'proof-tunnel'], (error) => gatewayErrors.push(error));
});
after(async () => {
  killAll();
  await gateway?.close();
  await upstream?.close();
  await harness?.est.close();
  temp.remove();
});

function curl(port: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '--fail', '--max-time', '10', `http://127.0.0.1:${port}/tunnel`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Asserts that each serial after the first is recorded by the CA as the renewal of the one before. */
async function assertRenewalsRecorded(serials: readonly string[]): Promise<void> {
  const { store } = harness.est.h.services;
  for (let i = 1; i < serials.length; i++) {
    const record = (await store.findCertificatesBySerial(serials[i]!))[0];
    assert.ok(record !== undefined, `${serials[i]} is in the CA's records`);
    assert.equal(
      record.renewalOf?.serial,
      (await store.findCertificatesBySerial(serials[i - 1]!))[0]?.serial,
      `${serials[i]} renews ${serials[i - 1]}`,
    );
  }
}

test(`the SDK and curl through the tunnel call the gateway while 10-second certificates renew ${RENEWALS} times: zero failed requests`, async (t) => {
  const port = gateway.listeners[0]!.port;
  const sdkToken = await harness.est.token({ profile: SHORT_PROFILE, names: ['proof-*'] });
  const agentToken = await harness.est.token({ profile: SHORT_PROFILE, names: ['proof-*'] });
  const dir = join(temp.path, 'agent');
  const agent = spawnSymbolon([
    'agent',
    '--dir',
    dir,
    '--est',
    harness.est.url,
    '--ca',
    harness.est.caFile,
    '--token',
    `${agentToken.id}:${agentToken.secret}`,
    '--name',
    'proof-tunnel',
    '--ocsp-url',
    harness.ocspUrl,
    '--ocsp-interval',
    '2s',
    '--retry-base',
    '1s',
  ]);
  await agent.waitFor(/"event":"enrolled"/);
  const tunnel = spawnSymbolon([
    'tunnel',
    'client',
    '--dir',
    dir,
    '--listen',
    '127.0.0.1:0',
    '--connect',
    `127.0.0.1:${port}`,
    '--server-name',
    'localhost',
  ]);
  const tunnelPort = Number((await tunnel.waitFor(/tunnel: 127\.0\.0\.1:(\d+) ->/))[1]);

  const client = await createClient({
    est: harness.est.url,
    ca: harness.caPem,
    token: `${sdkToken.id}:${sdkToken.secret}`,
    name: 'proof-sdk',
    retry: { baseMs: 200, capMs: 2000 },
  });
  const sdkSerials = [client.current().certificate.serialNumber];
  client.on('renewed', (credential: { certificate: { serialNumber: string } }) => sdkSerials.push(credential.certificate.serialNumber));
  const agentSerials: string[] = [];
  const watchAgent = setInterval(() => {
    readStatus(join(dir, 'status.json')).then(
      (status) => {
        if (status.serial !== null && agentSerials.at(-1) !== status.serial) agentSerials.push(status.serial);
      },
      () => undefined,
    );
  }, 100);

  const counts = { sdk: 0, curl: 0 };
  const failures: string[] = [];
  const startedAt = Date.now();
  const isDone = (): boolean => (sdkSerials.length > RENEWALS && agentSerials.length > RENEWALS) || Date.now() - startedAt > HANG_GUARD_MS;
  const sdkWorker = async (): Promise<void> => {
    while (!isDone()) {
      try {
        const response = await client.fetch(`https://127.0.0.1:${port}/sdk`);
        const body = await response.text();
        if (response.status !== 200) failures.push(`sdk: HTTP ${response.status} ${body}`);
        else counts.sdk++;
      } catch (error) {
        failures.push(`sdk: ${String(error)}`);
      }
    }
  };
  const curlWorker = async (): Promise<void> => {
    while (!isDone()) {
      const ran = await curl(tunnelPort);
      if (ran.code !== 0) failures.push(`curl: exit ${ran.code} ${ran.output}`);
      else counts.curl++;
    }
  };
  await Promise.all([sdkWorker(), sdkWorker(), curlWorker(), curlWorker()]);
  clearInterval(watchAgent);
  await client.close();
  assert.equal(await tunnel.stop(), 0, tunnel.output());
  assert.equal(await agent.stop(), 0, agent.output());

  assert.ok(Date.now() - startedAt <= HANG_GUARD_MS, `renewals: sdk ${sdkSerials.length - 1}, agent ${agentSerials.length - 1}`);
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
  t.diagnostic(
    `requests: ${JSON.stringify(counts)}; renewals: sdk ${sdkSerials.length - 1}, agent ${agentSerials.length - 1}; ${Date.now() - startedAt} ms`,
  );
  assert.ok(counts.sdk > 50 && counts.curl > 20, JSON.stringify(counts));
  await assertRenewalsRecorded(sdkSerials);
  await assertRenewalsRecorded(agentSerials);
  // The gateway saw both identities (the route's rules allow exactly these two names).
  assert.ok(upstream.seen('/sdk').length === counts.sdk && upstream.seen('/tunnel').length === counts.curl);
  assert.deepEqual(gatewayErrors, []);
  const status = await readStatus(join(dir, 'status.json'));
  assert.ok(status.renewals >= RENEWALS, JSON.stringify(status));
  assert.equal(readFileSync(join(dir, 'key.pem'), 'utf8').includes('PRIVATE KEY'), true);
});
