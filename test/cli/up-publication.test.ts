import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runProgram } from '../../src/cli/program.js';
import { parseCrl } from '../../src/x509/index.js';
import { CA_PASSPHRASE, copyCa, makeTemplateCa, makeTempDir } from '../ca/support.js';
import { killAllUp, spawnUp, stopUp } from './up-process.js';
import type { UpProcess } from './up-process.js';

const temp = makeTempDir('symbolon-up-publication-');
const passphraseFile = join(temp.path, 'ca.pass');
let template: string;
after(() => {
  killAllUp();
  temp.remove();
});
before(async () => {
  writeFileSync(passphraseFile, `${CA_PASSPHRASE}\n`);
  template = await makeTemplateCa(temp.path);
});

async function startOn(dir: string): Promise<{ up: UpProcess; base: string }> {
  const up = spawnUp(['--dir', dir, '--listen', '127.0.0.1:0', '--no-tls', '--passphrase-file', passphraseFile]);
  await up.ready;
  const base = /OCSP: (http:\/\/127\.0\.0\.1:\d+)\/ocsp/.exec(up.stdout())?.[1];
  assert.ok(base !== undefined, up.stdout());
  return { up, base };
}

/** Sends raw bytes and reads the whole answer until the server closes. */
function rawRequest(base: string, request: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.end(request);
  });
}

test('the HTTP listener answers 414 for a request target over 16 KiB (and 5,000 characters), 431 for header fields over 16 KiB, never a silent close', async () => {
  const { up, base } = await startOn(copyCa(template, temp.path));
  for (const length of [5_000, 17 * 1024, 64 * 1024]) {
    const answer = await rawRequest(base, `GET /crl/${'a'.repeat(length)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 414 /, `target of ${length}: ${answer.slice(0, 80)}`);
    assert.match(answer, /HTTP_URI_TOO_LONG/);
  }
  const bigHeader = await rawRequest(base, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: ${'b'.repeat(20 * 1024)}\r\n\r\n`);
  assert.match(bigHeader, /^HTTP\/1\.1 431 /);
  assert.match(bigHeader, /HTTP_HEADERS_TOO_LARGE/);
  const healthy = await fetch(`${base}/healthz`);
  assert.equal(healthy.status, 200);
  await stopUp(up);
});

test('a CRL directory that cannot be written (its path is a file, which stops root too) is reported in the start lines, the log, /healthz and /metrics; the CRL is still served', async () => {
  const dir = copyCa(template, temp.path);
  writeFileSync(join(dir, 'crl'), 'a file where the CRL directory should be\n');
  const { up, base } = await startOn(dir);
  assert.match(up.stdout(), /CRL +intermediate-1: \S+ +\(NOT written to \S+intermediate-1\.crl: CRL_WRITE_FAILED; see \/healthz\)/);
  assert.doesNotMatch(up.stdout(), /also written to/);
  assert.match(up.stderr(), /^symbolon: CRL_WRITE_FAILED: CRL \d+ of intermediate-1 could not be written to \S+ \(ENOTDIR\)/m);
  assert.doesNotMatch(up.stderr(), /KEY_FILE_UNWRITABLE/);

  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 503);
  const body = (await health.json()) as { status: string; problems: { key: string; code: string }[] };
  assert.equal(body.status, 'unhealthy');
  assert.deepEqual(
    body.problems.map((problem) => [problem.key, problem.code]),
    [['crl-file:intermediate-1', 'CRL_WRITE_FAILED']],
  );
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^symbolon_up_publication_failures_total\{kind="crl_file"\} [1-9]\d*$/m);
  assert.match(metrics, /^symbolon_up_problems 1$/m);

  const crl = await fetch(`${base}/crl/intermediate-1.crl`);
  assert.equal(crl.status, 200);
  assert.equal(parseCrl(Buffer.from(await crl.arrayBuffer())).revokedCertificates.length, 0);
  await stopUp(up);
});

test('each start of up revokes (superseded) the internal certificates it replaces; ca list hides them unless --all, which marks them', async () => {
  const dir = copyCa(template, temp.path);
  for (let start = 0; start < 3; start++) {
    const up = spawnUp(['--dir', dir, '--listen', '127.0.0.1:0', '--tls-listen', '127.0.0.1:0', '--passphrase-file', passphraseFile]);
    await up.ready;
    await stopUp(up);
  }
  const list = async (
    ...extra: string[]
  ): Promise<{ internal: string | null; status: string; revocation: { reason: string } | null }[]> => {
    let out = '';
    const code = await runProgram(
      ['ca', 'list', '--json', '--dir', dir, ...extra],
      COMMANDS,
      { out: (text) => void (out += text), err: () => undefined },
      '0.0.0',
    );
    assert.equal(code, 0);
    return JSON.parse(out) as { internal: string | null; status: string; revocation: { reason: string } | null }[];
  };
  assert.deepEqual(await list(), [], 'no certificate a user asked for');
  const all = await list('--all');
  assert.equal(all.length, 6);
  for (const role of ['ocsp-signer:intermediate-1', 'service']) {
    const ofRole = all.filter((record) => record.internal === role);
    assert.deepEqual(ofRole.map((record) => record.status).sort(), ['revoked', 'revoked', 'valid'], role);
    assert.ok(
      ofRole.every((record) => record.revocation === null || record.revocation.reason === 'superseded'),
      role,
    );
  }
  let text = '';
  await runProgram(['ca', 'list', '--dir', dir], COMMANDS, { out: (chunk) => void (text += chunk), err: () => undefined }, '0.0.0');
  assert.match(text, /^0 certificates \(and 6 internal certificates of up's services; --all lists them\)/);
});
