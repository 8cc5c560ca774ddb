import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir } from '../ca/support.js';
import { freePort } from '../support/free-port.js';
import { README, readmeShLines, runIn } from './readme-user.js';
import { MAIN, TSX } from './run-cli.js';
import { childEnv, killAllUp, spawnUp, stopUp } from './up-process.js';

// The README's gateway example, run as a new user would, in a directory of their own: its YAML,
// its `ca issue` and its curl, with only the port numbers changed to free ones.
const temp = makeTempDir('symbolon-readme-');
const stops: (() => void)[] = [];
after(() => {
  killAllUp();
  for (const stop of stops) stop();
  temp.remove();
});

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

/** The words of a README command line (double quotes group; no other shell syntax is used). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);
}

test('the README gateway example works end to end: gateway --check, up with gateway.yaml, the ca issue its rule allows, and curl through the gateway', async () => {
  const yaml = /```yaml\n(listeners:[\s\S]*?)```/.exec(README)?.[1];
  assert.ok(yaml !== undefined, 'the README has the gateway YAML');
  const lines = readmeShLines('mkdir -p www');
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

  const up = spawnUp(['--listen', `127.0.0.1:${httpPort}`, '--tls-listen', `127.0.0.1:${feedPort}`], temp.path);
  await up.ready;
  assert.match(up.stdout(), new RegExp(`Gateway: https://127\\.0\\.0\\.1:${gatewayPort}`));

  const issued = symbolon(words(issueLine).slice(2));
  assert.equal(issued.status, 0, issued.stderr);
  const curlArgs = words(curlLine.replace(/\s+#.*$/, ''))
    .slice(1)
    .map((word) => word.replace('localhost:8444', `localhost:${gatewayPort}`));
  const allowed = await runIn(temp.path, 'curl', ['-sS', '--max-time', '30', ...curlArgs]);
  assert.equal(allowed.code, 0, allowed.output);
  assert.equal(allowed.stdout, 'paid\n');

  // A certificate outside the rule is refused, as the README says.
  const other = symbolon(['ca', 'issue', '--profile', 'client', '--name', 'other', '--out', 'other']);
  assert.equal(other.status, 0, other.stderr);
  const denied = await runIn(temp.path, 'curl', [
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

  await stopUp(up);
});
