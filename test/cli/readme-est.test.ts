import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir } from '../ca/support.js';
import { freePort } from '../support/free-port.js';
import { runTool } from '../support/revocation-harness.js';
import { REPO_ROOT } from './run-cli.js';
import { childEnv } from './up-process.js';

// The README's EST example, run as a new user would: `up` in a directory of their own, then the
// five commands with sh, only the port, the token's ID:SECRET and `npx symbolon` replaced.
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const temp = makeTempDir('symbolon-readme-est-');
const stops: (() => void)[] = [];
after(() => {
  for (const stop of stops) stop();
  temp.remove();
});

const TSX = import.meta.resolve('tsx');
const MAIN = join(REPO_ROOT, 'src/cli/main.ts');

function sh(line: string): Promise<{ code: number | null; output: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-ec', line], { cwd: temp.path, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: stdout + stderr, stdout });
    });
  });
}

test('the README EST example enrolls and re-enrolls a device with curl and openssl in five commands', async () => {
  const lines = /```sh\n(npx symbolon ca token create[\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n') ?? [];
  assert.equal(lines.length, 5, 'five commands');
  const [httpPort, tlsPort] = [await freePort(), await freePort()];
  const up = spawn(
    process.execPath,
    ['--import', TSX, MAIN, 'up', '--listen', `127.0.0.1:${httpPort}`, '--tls-listen', `127.0.0.1:${tlsPort}`],
    { cwd: temp.path, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  stops.push(() => up.kill('SIGKILL'));
  let output = '';
  up.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    up.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Stop with')) resolve();
    });
    up.on('close', (code) => reject(new Error(`up exited ${code}: ${output}`)));
  });
  assert.match(output, new RegExp(`EST: https://127\\.0\\.0\\.1:${tlsPort}/\\.well-known/est`));

  const local = (line: string): string =>
    line
      .replace(/\s+# .*$/, '')
      .replace(/^npx symbolon /, `"${process.execPath}" --import "${TSX}" "${MAIN}" `)
      .replaceAll('127.0.0.1:8443', `127.0.0.1:${tlsPort}`);
  const token = await sh(local(lines[0]!));
  assert.equal(token.code, 0, token.output);
  const id = /^ {2}id: +([0-9a-f]{16})$/m.exec(token.stdout)?.[1];
  const secret = /^ {2}secret: +(\S+)$/m.exec(token.stdout)?.[1];
  assert.ok(id !== undefined && secret !== undefined, token.stdout);
  for (const line of lines.slice(1)) {
    const ran = await sh(local(line).replace('ID:SECRET', `${id}:${secret}`));
    assert.equal(ran.code, 0, `${line}\n${ran.output}`);
  }
  for (const file of ['sensor-1.crt', 'sensor-1.renewed.crt']) {
    const verified = await runTool('openssl', ['verify', '-CAfile', join(temp.path, 'est-ca.pem'), join(temp.path, file)]);
    assert.equal(verified.code, 0, verified.output);
    const subject = await runTool('openssl', ['x509', '-in', join(temp.path, file), '-noout', '-subject']);
    assert.equal(subject.stdout.trim(), 'subject=CN = sensor-1');
  }
  up.kill('SIGTERM');
  await new Promise((resolve) => up.once('close', resolve));
});
