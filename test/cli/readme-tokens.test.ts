import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeJwt } from 'jose';
import { parseGatewayConfig } from '../../src/gateway/index.js';
import { makeTempDir } from '../ca/support.js';
import { freePort } from '../support/free-port.js';
import { REPO_ROOT } from './run-cli.js';
import { childEnv } from './up-process.js';

// The README's bound-token example, run as a new user would: `up` in a directory of their own,
// then its three commands with sh, only the port and `npx symbolon` replaced.
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const temp = makeTempDir('symbolon-readme-tokens-');
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

test('the README bound-token example registers a client and gets a token bound to its certificate with curl', async () => {
  const lines = /```sh\n(npx symbolon ca issue --profile client --name billing[\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n') ?? [];
  assert.equal(lines.length, 3, 'three commands');
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
  assert.match(output, new RegExp(`OAuth: https://127\\.0\\.0\\.1:${tlsPort}/oauth/token`));
  const local = (line: string): string =>
    line
      .replace(/^npx symbolon /, `"${process.execPath}" --import "${TSX}" "${MAIN}" `)
      .replaceAll('127.0.0.1:8443', `127.0.0.1:${tlsPort}`);
  let last = '';
  for (const line of lines) {
    const ran = await sh(local(line));
    assert.equal(ran.code, 0, `${line}\n${ran.output}`);
    last = ran.stdout;
  }
  const answer = JSON.parse(last) as { access_token: string; token_type: string; scope: string };
  assert.equal(answer.token_type, 'Bearer');
  assert.equal(answer.scope, 'read');
  const claims = decodeJwt(answer.access_token);
  assert.equal(claims.sub, 'billing');
  assert.equal(claims.aud, 'https://api.example');
  assert.match((claims['cnf'] as { 'x5t#S256': string })['x5t#S256'], /^[A-Za-z0-9_-]{43}$/);
  up.kill('SIGTERM');
  await new Promise((resolve) => up.once('close', resolve));
});

test("the README's gateway snippet for a bound-token route is a valid gateway configuration", () => {
  const section = readme.slice(readme.indexOf('## Certificate-bound tokens'));
  const snippet = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(snippet !== undefined);
  const config = parseGatewayConfig(
    [
      'listeners: [ { port: 8444, certFile: gateway.pem, keyFile: gateway.key } ]',
      'trustBundles: [ { name: symbolon, caFile: ca.pem, revocation: { kind: none }, failurePolicy: hard-fail } ]',
      snippet,
    ].join('\n'),
  );
  assert.equal(config.routes[0]!.token, 'bound');
  assert.equal(config.tokenIssuers[0]!.issuer, 'https://127.0.0.1:8443');
});
