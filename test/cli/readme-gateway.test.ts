import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir } from '../ca/support.js';
import { freePort } from '../support/free-port.js';
import { REPO_ROOT } from './run-cli.js';
import { childEnv } from './up-process.js';

// The README's gateway example, run as a new user would, in a directory of their own: its YAML,
// its `ca issue` and its curl, with only the port numbers changed to free ones.
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const temp = makeTempDir('symbolon-readme-');
const stops: (() => void)[] = [];
after(() => {
  for (const stop of stops) stop();
  temp.remove();
});

const TSX = import.meta.resolve('tsx');
const MAIN = join(REPO_ROOT, 'src/cli/main.ts');

/** `npx symbolon ARGS` from the user's directory. */
function symbolon(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: temp.path,
    env: childEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a tool without blocking this process, which serves the upstream. */
function runAsync(command: string, args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: temp.path, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The words of a README command line (double quotes group; no other shell syntax is used). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);
}

test('the README gateway example works end to end: gateway --check, up with gateway.yaml, the ca issue its rule allows, and curl through the gateway', async () => {
  const yaml = /```yaml\n(listeners:[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(yaml !== undefined, 'the README has the gateway YAML');
  const lines = /```sh\n(mkdir -p www[\s\S]*?)```/.exec(readme)?.[1]?.split('\n') ?? [];
  const issueLine = lines.find((line) => line.startsWith('npx symbolon ca issue'));
  const curlLine = lines.find((line) => line.startsWith('curl --cert'));
  assert.ok(issueLine !== undefined && curlLine !== undefined, 'the README says how to issue and call');

  const upstream = createServer((req, res) => res.end(req.url === '/payments/' ? 'paid\n' : 'elsewhere\n'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  stops.push(() => upstream.close());
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const [gatewayPort, adminPort, httpPort, feedPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const config = yaml
    .replace('port: 8444', `port: ${gatewayPort}`)
    .replace('port: 9090', `port: ${adminPort}`)
    .replace('http://127.0.0.1:3000', `http://127.0.0.1:${upstreamPort}`)
    .replace('http://127.0.0.1:3001', `http://127.0.0.1:${upstreamPort}`);
  mkdirSync(join(temp.path, 'symbolon-data'));
  writeFileSync(join(temp.path, 'symbolon-data/gateway.yaml'), config);

  const check = symbolon(['gateway', '--check', '--config', 'symbolon-data/gateway.yaml']);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /valid for `symbolon up`/);

  const up = spawn(
    process.execPath,
    ['--import', TSX, MAIN, 'up', '--listen', `127.0.0.1:${httpPort}`, '--tls-listen', `127.0.0.1:${feedPort}`],
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
  assert.match(output, new RegExp(`Gateway: https://127\\.0\\.0\\.1:${gatewayPort}`));

  const issued = symbolon(words(issueLine).slice(2));
  assert.equal(issued.status, 0, issued.stderr);
  const curlArgs = words(curlLine.replace(/\s+#.*$/, ''))
    .slice(1)
    .map((word) => word.replace('localhost:8444', `localhost:${gatewayPort}`));
  const allowed = await runAsync('curl', ['-sS', '--max-time', '30', ...curlArgs]);
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.equal(allowed.stdout, 'paid\n');

  // A certificate outside the rule is refused, as the README says.
  const other = symbolon(['ca', 'issue', '--profile', 'client', '--name', 'other', '--out', 'other']);
  assert.equal(other.status, 0, other.stderr);
  const denied = await runAsync('curl', [
    '-sS',
    '--max-time',
    '30',
    '--cert',
    'other.crt',
    '--key',
    'other.key',
    '--cacert',
    'symbolon-data/ca/root.crt',
    `https://localhost:${gatewayPort}/payments/`,
  ]);
  assert.match(denied.stdout, /"reason":"route_denied"/);

  up.kill('SIGTERM');
  await new Promise((resolve) => up.once('close', resolve));
});
