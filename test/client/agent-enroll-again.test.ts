import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { Agent, readCredentialDir, readStatus } from '../../src/client/index.js';
import type { AgentResult, AgentStatus } from '../../src/client/index.js';
import { makeTempDir } from '../ca/support.js';
import { assertFailure, assertOk, runCli } from '../cli/run-cli.js';
import { freePort } from '../support/free-port.js';
import { APPROVAL_PROFILE, makeClientTemplateCa, startClientHarness } from './support/client-harness.js';
import type { ClientHarness } from './support/client-harness.js';
import { killAll, spawnSymbolon } from './support/client-processes.js';

// An agent whose certificate is revoked enrolls again with its token; when the CA holds that
// enrollment for approval (202), or cannot be reached, the agent keeps its files, says in its
// status what it waits for, and asks again (the same request, at the server's Retry-After) until
// it gets the certificate. `--once` exits 3 while the enrollment waits, and its next run sends the
// same request. Real CA, EST server, OCSP responder and `symbolon` processes.

const temp = makeTempDir('symbolon-agent-enroll-again-');
let harness: ClientHarness;

before(async () => {
  harness = await startClientHarness(await makeClientTemplateCa(temp.path), temp.path);
});
after(async () => {
  killAll();
  await harness?.est.close();
  temp.remove();
});

const statusOf = (dir: string): Promise<AgentStatus> => readStatus(join(dir, 'status.json'));

/** Polls the status file until `isReached` holds (or fails after `timeoutMs`, with the last status). */
async function statusWhen(dir: string, isReached: (status: AgentStatus) => boolean, timeoutMs = 30_000): Promise<AgentStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: AgentStatus | undefined;
  while (Date.now() < deadline) {
    last = await statusOf(dir).catch(() => undefined);
    if (last !== undefined && isReached(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the status never got there: ${JSON.stringify(last)}`);
}

/** The ids of the enrollments the CA holds for `subject`, waiting. */
async function waiting(subject: string): Promise<string[]> {
  return (await harness.est.h.services.store.listPendingEnrollments('pending')).filter((e) => e.subject === subject).map((e) => e.id);
}

async function revoke(serial: string): Promise<void> {
  const record = (await harness.est.h.services.store.findCertificatesBySerial(serial))[0];
  assert.ok(record !== undefined);
  await revokeCertificate(harness.est.h.services.store, { issuerId: record.issuerId, serial: record.serial }, 'keyCompromise', {
    actor: 'test',
    now: new Date(),
  });
}

test(
  'a profile that requires approval: --once exits 3 (pending) and sends the same request again; revoked, the running agent waits for approval, keeps running, then installs the new certificate',
  { timeout: 120_000 },
  async () => {
    const dir = join(temp.path, 'approved');
    const token = await harness.est.token({ profile: APPROVAL_PROFILE, names: ['held-*'], uses: 2 });
    const tokenArgs = ['--token', `${token.id}:${token.secret}`, '--name', 'held-agent'];
    const common = ['agent', '--dir', dir, '--est', harness.est.url, '--ca', harness.est.caFile];
    const ca = (...args: string[]) => runCli([...args, '--dir', harness.est.h.dir]);
    const { store } = harness.est.h.services;

    // The first enrollment from cron: held, exit 3, nothing installed, the status says pending.
    assertFailure(await runCli([...common, '--no-ocsp', '--once', ...tokenArgs]), 3, 'CLIENT_EST_PENDING');
    assert.equal(await readCredentialDir(dir), undefined);
    const [firstId, ...others] = await waiting('CN=held-agent');
    assert.ok(firstId !== undefined && others.length === 0);
    let status = await statusOf(dir);
    assert.equal(status.state, 'pending');
    assert.equal(status.lastAttempt?.code, 'CLIENT_EST_PENDING');
    assert.match(status.lastAttempt?.message ?? '', new RegExp(`enrollment ${firstId} waits for approval`));
    const shown = await runCli(['agent', 'status', dir]);
    assert.equal(shown.code, 3, shown.stderr);
    assert.match(shown.stdout, /^state: +pending$/m);
    // The next run sends the same request: the CA finds the same enrollment, and no second use of the token is taken.
    assertFailure(await runCli([...common, '--no-ocsp', '--once', ...tokenArgs]), 3, 'CLIENT_EST_PENDING');
    assert.deepEqual(await waiting('CN=held-agent'), [firstId]);
    assert.equal((await store.getEnrollmentToken(token.id))?.usesLeft, 1);
    assert.ok(existsSync(join(dir, 'pending-request.json')));

    // A running agent picks the held request up (its first enrollment) once it is approved.
    const running = spawnSymbolon([
      ...common,
      ...tokenArgs,
      '--ocsp-url',
      harness.ocspUrl,
      '--ocsp-interval',
      '1s',
      '--retry-base',
      '1s',
      '--retry-cap',
      '5s',
    ]);
    await running.waitFor(/"event":"enrollment_pending"/);
    assertOk(await ca('ca', 'approve', firstId));
    await running.waitFor(/"event":"started"/);
    const first = await readCredentialDir(dir);
    assert.ok(first !== undefined);
    assert.equal(existsSync(join(dir, 'pending-request.json')), false, 'the request is forgotten once answered');
    assert.equal((await statusWhen(dir, (s) => s.serial === first.certificate.serialNumber)).state, 'ok');

    // Revoked: the agent enrolls again with its token, the CA holds that for approval; the agent waits and says so.
    await revoke(first.certificate.serialNumber);
    status = await statusWhen(dir, (s) => s.state === 'pending' && s.consecutiveFailures >= 3);
    assert.equal(status.lastAttempt?.code, 'CLIENT_EST_PENDING');
    assert.equal(status.revocation?.status, 'revoked');
    // The CA's Retry-After (2 s), not the backoff (2 to 4 s after a third failure with --retry-base 1s).
    const gapMs = Date.parse(status.nextAttemptAt ?? '') - Date.parse(status.lastAttempt?.at ?? '');
    assert.ok(gapMs > 1900 && gapMs <= 2000, `next attempt ${gapMs} ms after the last`);
    assert.equal(running.child.exitCode, null, 'the agent keeps running');
    assert.match(running.output(), /"event":"revoked"/);
    assert.match(running.output(), /"event":"re_enrolling","reason":"revoked"/);
    assert.equal((await readCredentialDir(dir))?.certificate.serialNumber, first.certificate.serialNumber, 'the old files stay');
    const [secondId, ...more] = await waiting('CN=held-agent');
    assert.ok(secondId !== undefined && secondId !== firstId);
    assert.deepEqual(more, [], 'each retry sends the same request: one enrollment is held');
    const shownPending = await runCli(['agent', 'status', dir, '--json']);
    assert.equal(shownPending.code, 3);
    assert.equal((JSON.parse(shownPending.stdout) as { state: string }).state, 'pending');

    // Approved: the next retry gets the certificate, the agent installs it and is ok, still running.
    assertOk(await ca('ca', 'approve', secondId));
    status = await statusWhen(dir, (s) => s.state === 'ok' && s.serial !== first.certificate.serialNumber);
    const second = await readCredentialDir(dir);
    assert.equal(second?.certificate.serialNumber, status.serial);
    assert.equal(status.lastAttempt?.ok, true);
    assert.equal(status.consecutiveFailures, 0);
    const record = (await store.findCertificatesBySerial(status.serial!))[0];
    assert.ok(record !== undefined && record.revocation === null, 'the new certificate is in the CA records, not revoked');
    assert.equal((await store.getEnrollmentToken(token.id))?.usesLeft, 0);
    assert.equal(running.child.exitCode, null);
    assert.equal((await runCli(['agent', 'status', dir])).code, 0);
    assert.equal(await running.stop(), 0, running.output());
  },
);

/** A TCP relay to the EST server on `port`, started when the test wants the CA back. */
function relayTo(port: number, listenPort: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('close', () => sockets.forEach((socket) => socket.destroy()));
  return new Promise((resolve) => server.listen(listenPort, '127.0.0.1', () => resolve(server)));
}

test('revoked while the CA is unreachable: the agent keeps retrying with backoff, status revoked with CLIENT_EST_UNREACHABLE, and enrolls again once the CA is back', async () => {
  const dir = join(temp.path, 'unreachable');
  const token = await harness.est.token({ names: ['away-*'], uses: 2 });
  const request = { subject: [[{ type: '2.5.4.3', value: 'away-agent' }]], subjectAltNames: [], keyType: 'p256' } as const;
  const logged: Record<string, unknown>[] = [];
  const base = {
    dir,
    token,
    request,
    keyType: 'p256',
    isKeyKept: false,
    retry: { baseMs: 100, capMs: 800 },
    clock: () => new Date(),
    random: Math.random,
    log: (event: Record<string, unknown>) => logged.push(event),
  } as const;
  const enrolled = await new Agent({ ...base, est: { url: harness.est.url, ca: harness.caPem, timeoutMs: 5000 } }).once(false);
  assert.deepEqual(enrolled, { ok: true });
  const first = await readCredentialDir(dir);
  assert.ok(first !== undefined);
  await revoke(first.certificate.serialNumber);

  // The EST server is reached through a port where nothing listens yet.
  const port = await freePort();
  const agent = new Agent({
    ...base,
    est: { url: `https://127.0.0.1:${port}/.well-known/est`, ca: harness.caPem, timeoutMs: 2000 },
    ocsp: { url: harness.ocspUrl, intervalMs: 500, timeoutMs: 5000 },
  });
  let result: AgentResult | undefined;
  const ran = agent.run().then((ended) => (result = ended));
  let relay: Server | undefined;
  try {
    const status = await statusWhen(dir, (s) => s.consecutiveFailures >= 3);
    assert.equal(status.state, 'revoked');
    assert.equal(status.lastAttempt?.code, 'CLIENT_EST_UNREACHABLE');
    assert.ok(status.nextAttemptAt !== null);
    assert.equal(result, undefined, 'the agent keeps running');
    assert.equal((await readCredentialDir(dir))?.certificate.serialNumber, first.certificate.serialNumber, 'the old files stay');

    relay = await relayTo(harness.est.port, port);
    const replaced = await statusWhen(dir, (s) => s.state === 'ok' && s.serial !== first.certificate.serialNumber);
    assert.equal((await readCredentialDir(dir))?.certificate.serialNumber, replaced.serial);
    assert.equal(result, undefined);
    assert.ok(logged.some((event) => event['event'] === 'enrolled' && event['serial'] === replaced.serial));
  } finally {
    await agent.stop();
    relay?.close();
  }
  assert.deepEqual(await ran, { ok: true });
  assert.equal((await statusOf(dir)).state, 'stopped');
});
