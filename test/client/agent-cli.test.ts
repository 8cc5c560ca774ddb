import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { readCredentialDir } from '../../src/client/index.js';
import { makeTempDir } from '../ca/support.js';
import { assertFailure, runCli } from '../cli/run-cli.js';
import { makeClientTemplateCa, startClientHarness } from './support/client-harness.js';
import type { ClientHarness } from './support/client-harness.js';
import { killAll, spawnSymbolon } from './support/client-processes.js';

// `symbolon agent` as a user runs it: bad command lines exit 2 with one line, failures exit 1
// with the code, `agent status DIR` reports and exits by the state, a running agent stops on
// SIGTERM with 0 and exits 1 once its certificate is revoked and cannot be replaced.

const temp = makeTempDir('symbolon-agent-cli-');
let harness: ClientHarness;
let dirs = 0;

before(async () => {
  harness = await startClientHarness(await makeClientTemplateCa(temp.path), temp.path);
});
after(async () => {
  killAll();
  await harness?.est.close();
  temp.remove();
});

function common(dir: string): string[] {
  return ['agent', '--dir', dir, '--est', harness.est.url, '--ca', harness.est.caFile, '--no-ocsp'];
}

async function enrolledDir(name: string): Promise<string> {
  const dir = join(temp.path, `dir-${++dirs}`);
  const token = await harness.est.token({ names: ['cli-*'] });
  // The token from a file (kept out of the process list), as a deployment gives it.
  const tokenFile = join(temp.path, `token-${dirs}`);
  writeFileSync(tokenFile, `${token.id}:${token.secret}\n`, { mode: 0o600 });
  const result = await runCli([...common(dir), '--once', '--token-file', tokenFile, '--name', name]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /"event":"enrolled"/);
  assert.doesNotMatch(result.stdout, /PRIVATE KEY/, 'a key is never logged');
  return dir;
}

test('bad command lines exit 2 with one line and do nothing', async () => {
  const dir = join(temp.path, 'untouched');
  const cases: [string[], string][] = [
    [['agent', '--once'], 'USAGE'],
    [['agent', '--dir', dir, '--est', 'http://127.0.0.1:1/.well-known/est', '--ca', harness.est.caFile, '--once'], 'USAGE'],
    [[...common(dir), '--once', '--token', 'not-a-token'], 'USAGE'],
    [[...common(dir), '--once', '--retry-base', 'soon'], 'USAGE'],
    [[...common(dir), '--once', '--signal-pid', '-1', '--token', '0123456789abcdef:abcdefghijkl', '--name', 'cli-x'], 'USAGE'],
    [['agent', '--dir', dir, '--est', harness.est.url, '--ca', join(temp.path, 'missing.pem'), '--once'], 'INPUT_UNREADABLE'],
  ];
  for (const [args, code] of cases) assertFailure(await runCli(args), 2, code);
  assert.equal(existsSync(dir), false);
});

test('a refused token exits 1 with CLIENT_EST_REFUSED; agent status then says failing and exits 1', async () => {
  const dir = join(temp.path, 'refused');
  const result = await runCli([...common(dir), '--once', '--token', '0123456789abcdef:wrongwrongwrongwrong', '--name', 'cli-refused']);
  assertFailure(result, 1, 'CLIENT_EST_REFUSED');
  assert.match(result.stderr, /EST_TOKEN_INVALID/);
  const status = await runCli(['agent', 'status', dir]);
  assert.equal(status.code, 1);
  assert.match(status.stdout, /^state: +failing$/m);
  assert.match(status.stdout, /CLIENT_EST_REFUSED/);
});

test('agent status reports an enrolled agent (text and JSON) and exits 0; a status file that is not one exits 1', async () => {
  const dir = await enrolledDir('cli-status');
  const held = await readCredentialDir(dir);
  const text = await runCli(['agent', 'status', dir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^serial: +${held!.certificate.serialNumber}$`, 'm'));
  const json = await runCli(['agent', 'status', dir, '--json']);
  const parsed = JSON.parse(json.stdout) as { state: string; serial: string; isKeyMatching: boolean };
  assert.deepEqual([parsed.state, parsed.serial, parsed.isKeyMatching], ['ok', held!.certificate.serialNumber, true]);
  writeFileSync(join(dir, 'status.json'), '{"not":');
  assertFailure(await runCli(['agent', 'status', dir]), 1, 'CLIENT_CREDENTIAL_DIR_INVALID');
});

test('after a renewal the agent signals --signal-pid', async () => {
  const dir = await enrolledDir('cli-signal');
  const marker = join(temp.path, 'hup');
  const server = spawn('sh', ['-c', `trap 'echo reloaded >> ${marker}' HUP; while :; do sleep 0.05; done`], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = await runCli([...common(dir), '--once', '--force', '--signal-pid', String(server.pid), '--signal', 'HUP']);
    assert.equal(result.code, 0, result.stderr);
    for (let i = 0; i < 50 && !existsSync(marker); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(readFileSync(marker, 'utf8'), 'reloaded\n');
  } finally {
    server.kill('SIGKILL');
  }
});

test(
  'a running agent stops on SIGTERM with 0; revoked with no way to enroll again, it exits 1 with CLIENT_CERTIFICATE_REVOKED',
  { timeout: 120_000 },
  async () => {
    const dir = await enrolledDir('cli-running');
    const running = spawnSymbolon([...common(dir).filter((arg) => arg !== '--no-ocsp')]);
    await running.waitFor(/"event":"started"/);
    assert.equal(await running.stop(), 0, running.output());
    assert.equal((JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as { state: string }).state, 'stopped');

    const watched = spawnSymbolon([
      ...common(dir).filter((arg) => arg !== '--no-ocsp'),
      '--ocsp-url',
      harness.ocspUrl,
      '--ocsp-interval',
      '1s',
    ]);
    await watched.waitFor(/"event":"started"/);
    const held = await readCredentialDir(dir);
    const record = (await harness.est.h.services.store.findCertificatesBySerial(held!.certificate.serialNumber))[0]!;
    await revokeCertificate(harness.est.h.services.store, { issuerId: record.issuerId, serial: record.serial }, 'keyCompromise', {
      actor: 'test',
      now: new Date(),
    });
    await watched.waitFor(/CLIENT_CERTIFICATE_REVOKED/);
    const code = await new Promise<number | null>((resolve) => {
      if (watched.child.exitCode !== null) resolve(watched.child.exitCode);
      else watched.child.once('exit', (exit) => resolve(exit));
    });
    assert.equal(code, 1, watched.output());
    assert.match(watched.output(), /"event":"revoked"/);
    assert.equal((JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as { state: string }).state, 'revoked');
  },
);
