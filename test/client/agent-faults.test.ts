import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { Agent, DISK_WRITER, estRefusalCode, readCredentialDir, readStatus } from '../../src/client/index.js';
import type { AgentOptions, FileWriter } from '../../src/client/index.js';
import { isSymbolonError } from '../../src/errors.js';
import { selfSignedServer } from '../support/self-signed-server.js';
import { makeTempDir } from '../ca/support.js';
import { freePort } from '../support/free-port.js';
import { makeClientTemplateCa, SHORT_PROFILE, startClientHarness } from './support/client-harness.js';
import type { ClientHarness } from './support/client-harness.js';

// The agent's faults (issue #18): each is logged with a code, the current certificate stays in
// place until a new one is complete, and the status file says what happened. The agent runs in
// process against a real EST server and OCSP responder; only the disk is made to fail, at its edge.

const temp = makeTempDir('symbolon-agent-faults-');
let harness: ClientHarness;
let dirs = 0;

before(async () => {
  harness = await startClientHarness(await makeClientTemplateCa(temp.path), temp.path);
});
after(async () => {
  await harness?.est.close();
  temp.remove();
});

function agentOptions(overrides: Partial<AgentOptions> = {}): AgentOptions & { logged: Record<string, unknown>[] } {
  const logged: Record<string, unknown>[] = [];
  return {
    dir: join(temp.path, `agent-${++dirs}`),
    est: { url: harness.est.url, ca: harness.caPem, timeoutMs: 5000 },
    keyType: 'p256',
    isKeyKept: false,
    retry: { baseMs: 100, capMs: 1000 },
    clock: () => new Date(),
    random: Math.random,
    log: (event) => logged.push(event),
    ...overrides,
    logged,
  };
}

/** An agent that has enrolled (client profile, 90 days) and the version it holds. */
async function enrolled(
  overrides: Partial<AgentOptions> = {},
): Promise<{ options: AgentOptions & { logged: Record<string, unknown>[] }; serial: string; version: string }> {
  const token = await harness.est.token({ names: ['agent-*'], uses: 1 });
  const options = agentOptions({
    token,
    request: { subject: [[{ type: '2.5.4.3', value: `agent-${dirs + 1}` }]], subjectAltNames: [], keyType: 'p256' },
  });
  const result = await new Agent(options).once(false);
  assert.deepEqual(result, { ok: true });
  const held = await readCredentialDir(options.dir);
  assert.ok(held !== undefined);
  return { options: { ...options, ...overrides, logged: options.logged }, serial: held.certificate.serialNumber, version: held.version };
}

async function assertKept(dir: string, serial: string, version: string): Promise<void> {
  const held = await readCredentialDir(dir);
  assert.equal(held?.certificate.serialNumber, serial, 'the current certificate is still in place');
  assert.equal(held?.version, version);
  assert.deepEqual(
    readdirSync(dir).filter((name) => name.startsWith('.')),
    [],
    'nothing half written is left',
  );
}

test('enrolls with a token, renews with its certificate (a new key), and the status says so', async () => {
  const { options, serial } = await enrolled();
  const before = await readCredentialDir(options.dir);
  const result = await new Agent(options).once(true);
  assert.deepEqual(result, { ok: true });
  const after = await readCredentialDir(options.dir);
  assert.notEqual(after?.certificate.serialNumber, serial);
  assert.ok(!after!.certificate.spki.equals(before!.certificate.spki), 'a new key at renewal');
  assert.equal(
    readdirSync(options.dir, { withFileTypes: true })
      .find((entry) => entry.name === 'key.pem')
      ?.isSymbolicLink(),
    true,
  );
  assert.equal(readFileSync(join(options.dir, 'key.pem'), 'utf8'), after!.keyPem);
  assert.equal(statSync(join(options.dir, 'key.pem')).mode & 0o777, 0o600, 'the key is 0600');
  assert.equal(statSync(options.dir).mode & 0o777, 0o700);
  const status = await readStatus(join(options.dir, 'status.json'));
  assert.equal(status.state, 'ok');
  assert.equal(status.serial, after!.certificate.serialNumber);
  assert.equal(status.renewals, 1);
  const record = (await harness.est.h.services.store.findCertificatesBySerial(after!.certificate.serialNumber))[0];
  assert.equal(record?.renewalOf?.serial, (await harness.est.h.services.store.findCertificatesBySerial(serial))[0]?.serial);
});

test('the CA unreachable at renewal: CLIENT_EST_UNREACHABLE, the old certificate kept, the status says so', async () => {
  const { options, serial, version } = await enrolled();
  const port = await freePort();
  const result = await new Agent({ ...options, est: { ...options.est, url: `https://127.0.0.1:${port}/.well-known/est` } }).once(true);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.error.code, 'CLIENT_EST_UNREACHABLE');
  await assertKept(options.dir, serial, version);
  const status = await readStatus(join(options.dir, 'status.json'));
  assert.equal(status.state, 'failing');
  assert.equal(status.lastAttempt?.code, 'CLIENT_EST_UNREACHABLE');
  assert.ok(options.logged.some((event) => event['event'] === 'attempt_failed' && event['code'] === 'CLIENT_EST_UNREACHABLE'));
});

test('a wrong CA certificate: CLIENT_EST_UNTRUSTED before anything is sent, the old certificate kept', async () => {
  const { options, serial, version } = await enrolled();
  const other = await selfSignedServer(temp.path, 'some-other-ca');
  const result = await new Agent({ ...options, est: { ...options.est, ca: other.cert } }).once(true);
  assert.equal(!result.ok && result.error.code, 'CLIENT_EST_UNTRUSTED');
  await assertKept(options.dir, serial, version);
  assert.equal((await readStatus(join(options.dir, 'status.json'))).lastAttempt?.code, 'CLIENT_EST_UNTRUSTED');
});

test("a token the CA refuses: CLIENT_EST_REFUSED carrying the CA's EST_TOKEN_INVALID, nothing written but the status", async () => {
  const token = await harness.est.token({ names: ['agent-*'] });
  const options = agentOptions({
    token: { id: token.id, secret: `${token.secret.slice(0, -2)}xx` },
    request: { subject: [[{ type: '2.5.4.3', value: 'agent-refused' }]], subjectAltNames: [], keyType: 'p256' },
  });
  const result = await new Agent(options).once(false);
  assert.equal(!result.ok && result.error.code, 'CLIENT_EST_REFUSED');
  assert.equal(!result.ok && estRefusalCode(result.error), 'EST_TOKEN_INVALID');
  assert.equal(await readCredentialDir(options.dir), undefined);
  const status = await readStatus(join(options.dir, 'status.json'));
  assert.equal(status.state, 'failing');
  assert.equal(status.lastAttempt?.code, 'CLIENT_EST_REFUSED');
});

test('the disk fails while the new key is written: CLIENT_CREDENTIAL_WRITE_FAILED, the old key and certificate stay', async () => {
  const failing: FileWriter = {
    async writeFile(path, data, mode) {
      if (path.endsWith('key.pem')) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      return DISK_WRITER.writeFile(path, data, mode);
    },
  };
  const { options, serial, version } = await enrolled();
  const result = await new Agent({ ...options, writer: failing }).once(true);
  assert.equal(!result.ok && result.error.code, 'CLIENT_CREDENTIAL_WRITE_FAILED');
  assert.match(!result.ok ? result.error.message : '', /ENOSPC/);
  await assertKept(options.dir, serial, version);
  assert.equal((await readStatus(join(options.dir, 'status.json'))).lastAttempt?.code, 'CLIENT_CREDENTIAL_WRITE_FAILED');
});

test('a reload command that fails is recorded; one that hangs is killed after its timeout; the renewal stands', async () => {
  const { options, serial } = await enrolled();
  const failed = await new Agent({
    ...options,
    reload: { command: 'echo broken config >&2; exit 3', signal: 'SIGHUP', timeoutMs: 5000 },
  }).once(true);
  assert.deepEqual(failed, { ok: true });
  let status = await readStatus(join(options.dir, 'status.json'));
  assert.notEqual(status.serial, serial);
  assert.equal(status.lastReload?.code, 'CLIENT_RELOAD_FAILED');
  assert.match(status.lastReload?.message ?? '', /status 3: broken config/);

  const hung = await new Agent({ ...options, reload: { command: 'sleep 60', signal: 'SIGHUP', timeoutMs: 300 } }).once(true);
  assert.deepEqual(hung, { ok: true });
  status = await readStatus(join(options.dir, 'status.json'));
  assert.equal(status.lastReload?.code, 'CLIENT_RELOAD_TIMEOUT');
  assert.equal(status.state, 'ok');
});

test('clock skew (the new certificate not yet valid by this clock): CLIENT_CERTIFICATE_NOT_YET_VALID, the old certificate kept', async () => {
  const { options, serial, version } = await enrolled();
  const behind = (): Date => new Date(Date.now() - 10 * 60_000);
  const result = await new Agent({ ...options, clock: behind }).once(true);
  assert.equal(!result.ok && result.error.code, 'CLIENT_CERTIFICATE_NOT_YET_VALID');
  await assertKept(options.dir, serial, version);
  assert.equal((await readStatus(join(options.dir, 'status.json'))).lastAttempt?.code, 'CLIENT_CERTIFICATE_NOT_YET_VALID');
});

async function revoke(serial: string): Promise<void> {
  const record = (await harness.est.h.services.store.findCertificatesBySerial(serial))[0];
  assert.ok(record !== undefined);
  await revokeCertificate(harness.est.h.services.store, { issuerId: record.issuerId, serial: record.serial }, 'keyCompromise', {
    actor: 'test',
    now: new Date(),
  });
}

test('its own certificate revoked (seen over OCSP) and no token: CLIENT_CERTIFICATE_REVOKED, status revoked', async () => {
  const { options, serial } = await enrolled();
  await revoke(serial);
  const result = await new Agent({ ...options, token: undefined, ocsp: { url: harness.ocspUrl, intervalMs: 1000, timeoutMs: 5000 } }).once(
    false,
  );
  assert.equal(!result.ok && result.error.code, 'CLIENT_CERTIFICATE_REVOKED');
  const status = await readStatus(join(options.dir, 'status.json'));
  assert.equal(status.state, 'revoked');
  assert.equal(status.revocation?.status, 'revoked');
});

test('its own certificate revoked and a token the CA still accepts: it enrolls again', async () => {
  const { options, serial } = await enrolled();
  await revoke(serial);
  const token = await harness.est.token({ names: ['agent-*'], uses: 1 });
  const result = await new Agent({ ...options, token, ocsp: { url: harness.ocspUrl, intervalMs: 1000, timeoutMs: 5000 } }).once(false);
  assert.deepEqual(result, { ok: true });
  const held = await readCredentialDir(options.dir);
  assert.notEqual(held?.certificate.serialNumber, serial);
  assert.ok(options.logged.some((event) => event['event'] === 're_enrolling'));
});

test('no certificate and no token: CLIENT_TOKEN_REQUIRED', async () => {
  const result = await new Agent(agentOptions()).once(false);
  assert.ok(!result.ok && isSymbolonError(result.error, 'CLIENT_TOKEN_REQUIRED'));
});

test(
  'running: a renewal refused as revoked enrolls again with the token while the CA accepts it, then ends with CLIENT_CERTIFICATE_REVOKED',
  { timeout: 60_000 },
  async () => {
    const token = await harness.est.token({ profile: SHORT_PROFILE, names: ['agent-*'], uses: 2 });
    const options = agentOptions({
      token,
      request: { subject: [[{ type: '2.5.4.3', value: 'agent-running' }]], subjectAltNames: [], keyType: 'p256' },
    });
    const agent = new Agent(options);
    const ran = agent.run();
    const serialAt = async (): Promise<string | undefined> =>
      (await readCredentialDir(options.dir).catch(() => undefined))?.certificate.serialNumber;
    let first: string | undefined;
    while ((first = await serialAt()) === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    await revoke(first);
    // The renewal at two thirds of 10 s is refused (revoked): the token's second use enrolls again.
    let second: string | undefined;
    while ((second = await serialAt()) === first) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(second !== undefined);
    assert.ok(options.logged.some((event) => event['event'] === 're_enrolling' && event['reason'] === 'revoked'));
    await revoke(second);
    const result = await ran;
    assert.equal(!result.ok && result.error.code, 'CLIENT_CERTIFICATE_REVOKED');
    const status = await readStatus(join(options.dir, 'status.json'));
    assert.equal(status.state, 'revoked');
    assert.equal((await readCredentialDir(options.dir))?.certificate.serialNumber, second, 'the last certificate is left in place');
    await agent.stop();
  },
);
