import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { makeTempDir } from '../ca/support.js';
import { freePort } from '../support/free-port.js';
import { README, readmeShLines, runIn } from '../cli/readme-user.js';
import { MAIN, REPO_ROOT, TSX } from '../cli/run-cli.js';
import { killAllUp, spawnUp, stopUp } from '../cli/up-process.js';

// The README's SDK example, run as a new user would: `up` in a directory of their own, the two
// `ca token create` lines, then demo.mjs as printed, with only the port, the tokens and the
// package name (the source instead of the built `symbolon/client`) replaced.
const temp = makeTempDir('symbolon-readme-sdk-');
after(() => {
  killAllUp();
  temp.remove();
});

test('the README SDK example enrolls a server and a client with tokens and the client fetches over mTLS', async () => {
  const demo = /```js\n\/\/ demo\.mjs\n([\s\S]*?)```/.exec(README)?.[1];
  assert.ok(demo !== undefined, 'the README has demo.mjs');
  const tokenLines = readmeShLines('npx symbolon ca token create --profile server');
  assert.equal(tokenLines.length, 3, 'two tokens and the run line');
  const [httpPort, tlsPort] = [await freePort(), await freePort()];
  const up = spawnUp(['--listen', `127.0.0.1:${httpPort}`, '--tls-listen', `127.0.0.1:${tlsPort}`], temp.path);
  await up.ready;

  const tokens: string[] = [];
  for (const line of tokenLines.slice(0, 2)) {
    const args = [...line.replace(/^npx symbolon /, '').matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2]!);
    const made = await runIn(temp.path, process.execPath, ['--import', TSX, MAIN, ...args]);
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
  const ran = await runIn(temp.path, process.execPath, ['--import', TSX, 'demo.mjs'], {
    SERVER_TOKEN: tokens[0]!,
    CLIENT_TOKEN: tokens[1]!,
  });
  assert.equal(ran.code, 0, ran.output);
  assert.equal(ran.stdout, 'hello demo-1\n\n');
  await stopUp(up);
});
