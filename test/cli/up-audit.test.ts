import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { STORED_CHECKPOINT_FILE } from '../../src/ca/index.js';
import { parseCertificates, parseCrl } from '../../src/x509/index.js';
import { CA_PASSPHRASE, copyCa, makeTemplateCa, makeTempDir } from '../ca/support.js';
import { runTool } from '../support/revocation-harness.js';
import { REPO_ROOT, runCli } from './run-cli.js';

const temp = makeTempDir('symbolon-up-audit-');
const children = new Set<ChildProcessWithoutNullStreams>();
let template: string;
let passphraseFile: string;
let leafPem: string;
let leafSerial: string;

after(() => {
  for (const child of children) child.kill('SIGKILL');
  temp.remove();
});

before(async () => {
  template = await makeTemplateCa(temp.path, { publicBaseUrl: 'http://ca.test:8080' });
  passphraseFile = join(temp.path, 'passphrase');
  writeFileSync(passphraseFile, CA_PASSPHRASE, { mode: 0o600 });
  const issued = await runCli([
    'ca',
    'issue',
    '--dir',
    template,
    '--profile',
    'client',
    '--name',
    'mallory',
    '--out',
    join(temp.path, 'mallory'),
    '--passphrase-file',
    passphraseFile,
  ]);
  assert.equal(issued.code, 0, issued.stderr);
  leafPem = join(temp.path, 'mallory.crt');
  leafSerial = parseCertificates(readFileSync(leafPem))[0]!.serialNumber;
  const revoked = await runCli(['ca', 'revoke', '--dir', template, leafSerial, '--reason', 'keyCompromise']);
  assert.equal(revoked.code, 0, revoked.stderr);
});

interface Up {
  readonly output: () => string;
  readonly stderr: () => string;
  stop(): Promise<number | null>;
}

/** Starts `symbolon up` and resolves once it says it is up. */
function startUp(dir: string): Promise<Up> {
  const env = { ...process.env } as Record<string, string>;
  delete env['SYMBOLON_CA_PASSPHRASE'];
  const args = ['up', '--dir', dir, '--listen', '127.0.0.1:0', '--no-tls', '--passphrase-file', passphraseFile];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`up did not start in time:\n${stdout}\n${stderr}`)), 60_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Stop with')) {
        clearTimeout(timer);
        resolve({
          output: () => stdout,
          stderr: () => stderr,
          // An answer from the listener first: by then up has set its signal handlers.
          stop: async () => {
            await fetch(`${urlsOf(stdout).base}/healthz`);
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`up exited with ${code}:\n${stdout}\n${stderr}`)));
  });
}

function urlsOf(output: string): { base: string; ocsp: string; crl: string } {
  const ocsp = /OCSP: (http:\/\/127\.0\.0\.1:\d+\/ocsp) /.exec(output)?.[1];
  const crl = /CRL +intermediate-1: (http:\/\/127\.0\.0\.1:\d+\/crl\/intermediate-1\.crl)/.exec(output)?.[1];
  assert.ok(ocsp !== undefined && crl !== undefined, output);
  return { base: ocsp.replace(/\/ocsp$/, ''), ocsp, crl };
}

async function ocspStatus(dir: string, url: string): Promise<string> {
  const result = await runTool('openssl', [
    'ocsp',
    '-issuer',
    join(dir, 'ca/intermediate-1.crt'),
    '-cert',
    leafPem,
    '-url',
    url,
    '-CAfile',
    join(dir, 'ca/root.crt'),
  ]);
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /Response verify OK/);
  return /: (good|revoked|unknown)/.exec(result.output)?.[1] ?? result.output;
}

test('up checks the tables against the log at start, stores a signed checkpoint, and starts from it the next time', async () => {
  const dir = copyCa(template, temp.path);
  const first = await startUp(dir);
  assert.match(
    first.output(),
    /Audit: tables match the log: \d+ entries read from the whole log, 1 certificates and 1 revocations compared/,
  );
  const { base } = urlsOf(first.output());
  const healthz = await fetch(`${base}/healthz`);
  assert.equal(healthz.status, 200);
  assert.equal(await healthz.text(), 'ok\n');
  assert.match(await (await fetch(`${base}/metrics`)).text(), /^symbolon_audit_state_differences 0$/m);
  assert.equal(await first.stop(), 0);
  assert.ok(existsSync(join(dir, STORED_CHECKPOINT_FILE)));

  const second = await startUp(dir);
  assert.match(
    second.output(),
    /Audit: tables match the log: \d+ entries read from the checkpoint at entry \d+, \d+ certificates and 1 revocations compared \(\d+ older certificates counted/,
  );
  assert.equal(second.stderr(), '');
  assert.equal(await second.stop(), 0);
});

test('up serves a revocation the log proves after its row was deleted, and raises the alarm in its log, /healthz and /metrics', async () => {
  const dir = copyCa(template, temp.path);
  // A first start stores the checkpoint, so the second one checks incrementally from it.
  assert.equal(await (await startUp(dir)).stop(), 0);
  const db = new Database(join(dir, 'symbolon.db'));
  db.prepare('DELETE FROM revocations').run();
  db.close();

  const up = await startUp(dir);
  const named = new RegExp(
    `revocation of intermediate-1/${leafSerial} \\(keyCompromise, entry \\d+\\) is missing from the revocations table`,
  );
  assert.match(up.stderr(), new RegExp(`symbolon: AUDIT_STATE_MISMATCH: revocation: ${named.source}`));
  assert.match(up.output(), /Audit: ALARM: 1 problem\(s\)/);
  const { base, ocsp, crl } = urlsOf(up.output());

  assert.equal(await ocspStatus(dir, ocsp), 'revoked');
  const listed = parseCrl(Buffer.from(await (await fetch(crl)).arrayBuffer()));
  assert.deepEqual(
    listed.revokedCertificates.map((entry) => [entry.serialNumber, entry.reason]),
    [[leafSerial, 'keyCompromise']],
  );

  const healthz = await fetch(`${base}/healthz`);
  assert.equal(healthz.status, 503);
  const body = (await healthz.json()) as { status: string; problems: { key: string; code: string; message: string }[] };
  assert.equal(body.status, 'unhealthy');
  assert.ok(
    body.problems.some(
      (problem) =>
        problem.key === 'audit' &&
        problem.code === 'AUDIT_STATE_MISMATCH' &&
        new RegExp(`^revocation: ${named.source}`).test(problem.message),
    ),
    JSON.stringify(body.problems),
  );
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^symbolon_audit_state_differences 1$/m);
  assert.match(metrics, /^symbolon_up_alarms\{source="audit"\} 1$/m);
  assert.equal(await up.stop(), 0);

  // The alarm stands at the next start too: the checkpoint is not moved past a difference.
  const again = await startUp(dir);
  assert.match(again.stderr(), named);
  assert.equal(await ocspStatus(dir, urlsOf(again.output()).ocsp), 'revoked');
  assert.equal(await again.stop(), 0);
});

test('up without a stored checkpoint checks the whole log and serves a revocation whose reason was changed as the log recorded it', async () => {
  const dir = copyCa(template, temp.path);
  const db = new Database(join(dir, 'symbolon.db'));
  db.prepare("UPDATE revocations SET reason = 'removeFromCRL'").run();
  db.close();
  const up = await startUp(dir);
  assert.match(
    up.stderr(),
    new RegExp(`revocation of intermediate-1/${leafSerial}: reason is removeFromCRL, entry \\d+ recorded keyCompromise`),
  );
  const { crl } = urlsOf(up.output());
  const listed = parseCrl(Buffer.from(await (await fetch(crl)).arrayBuffer()));
  assert.deepEqual(
    listed.revokedCertificates.map((entry) => [entry.serialNumber, entry.reason]),
    [[leafSerial, 'keyCompromise']],
  );
  assert.equal(existsSync(join(dir, STORED_CHECKPOINT_FILE)), false, 'no checkpoint is stored over a difference');
  assert.equal(await up.stop(), 0);
});
