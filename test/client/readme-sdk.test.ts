import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { makeTempDir } from '../ca/support.js';
import { freePort } from '../support/free-port.js';
import { REPO_ROOT } from '../cli/run-cli.js';
import { childEnv } from '../cli/up-process.js';
import { MAIN, TSX } from './support/client-harness.js';

// The README's SDK example, run as a new user would: `up` in a directory of their own, the two
// `ca token create` lines, then demo.mjs as printed, with only the port, the tokens and the
// package name (the source instead of the built `symbolon/client`) replaced.
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const temp = makeTempDir('symbolon-readme-sdk-');
const stops: (() => void)[] = [];
after(() => {
  for (const stop of stops) stop();
  temp.remove();
});

function run(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: temp.path, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output: stdout + stderr });
    });
  });
}

test('the README SDK example enrolls a server and a client with tokens and the client fetches over mTLS', async () => {
  const demo = /```js\n\/\/ demo\.mjs\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(demo !== undefined, 'the README has demo.mjs');
  const tokenLines = /```sh\n(npx symbolon ca token create --profile server[\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n') ?? [];
  assert.equal(tokenLines.length, 3, 'two tokens and the run line');
  const [httpPort, tlsPort] = [await freePort(), await freePort()];
  const up = spawn(
    process.execPath,
    ['--import', TSX, MAIN, 'up', '--listen', `127.0.0.1:${httpPort}`, '--tls-listen', `127.0.0.1:${tlsPort}`],
    {
      cwd: temp.path,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
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

  const tokens: string[] = [];
  for (const line of tokenLines.slice(0, 2)) {
    const args = [...line.replace(/^npx symbolon /, '').matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2]!);
    const made = await run(process.execPath, ['--import', TSX, MAIN, ...args]);
    assert.equal(made.code, 0, made.output);
    const id = /^ {2}id: +([0-9a-f]{16})$/m.exec(made.stdout)?.[1];
    const secret = /^ {2}secret: +(\S+)$/m.exec(made.stdout)?.[1];
    assert.ok(id !== undefined && secret !== undefined, made.stdout);
    tokens.push(`${id}:${secret}`);
  }
  assert.match(tokenLines[2]!, /^SERVER_TOKEN=ID:SECRET CLIENT_TOKEN=ID:SECRET node demo\.mjs$/);
  writeFileSync(
    join(temp.path, 'demo.mjs'),
    demo
      .replace("'symbolon/client'", `'${pathToFileURL(join(REPO_ROOT, 'src/client/index.ts')).href}'`)
      .replace('127.0.0.1:8443', `127.0.0.1:${tlsPort}`),
  );
  const ran = await run(process.execPath, ['--import', TSX, 'demo.mjs'], { SERVER_TOKEN: tokens[0]!, CLIENT_TOKEN: tokens[1]! });
  assert.equal(ran.code, 0, ran.output);
  assert.equal(ran.stdout, 'hello demo-1\n\n');
  up.kill('SIGTERM');
  await new Promise((resolve) => up.once('close', resolve));
});
