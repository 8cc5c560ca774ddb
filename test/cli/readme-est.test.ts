import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir } from '../ca/support.js';
import { freePort } from '../support/free-port.js';
import { runTool } from '../support/revocation-harness.js';
import { readmeShLines, shIn, withLocalCli } from './readme-user.js';
import { killAllUp, spawnUp, stopUp } from './up-process.js';

// The README's EST example, run as a new user would: `up` in a directory of their own, then the
// five commands with sh, only the port, the token's ID:SECRET and `npx symbolon` replaced.
const temp = makeTempDir('symbolon-readme-est-');
after(() => {
  killAllUp();
  temp.remove();
});

test('the README EST example enrolls and re-enrolls a device with curl and openssl in five commands', async () => {
  const lines = readmeShLines('npx symbolon ca token create');
  assert.equal(lines.length, 5, 'five commands');
  const [httpPort, tlsPort] = [await freePort(), await freePort()];
  const up = spawnUp(['--listen', `127.0.0.1:${httpPort}`, '--tls-listen', `127.0.0.1:${tlsPort}`], temp.path);
  await up.ready;
  assert.match(up.stdout(), new RegExp(`EST: https://127\\.0\\.0\\.1:${tlsPort}/\\.well-known/est`));

  const local = (line: string): string => withLocalCli(line.replace(/\s+# .*$/, '')).replaceAll('127.0.0.1:8443', `127.0.0.1:${tlsPort}`);
  const token = await shIn(temp.path, local(lines[0]!));
  assert.equal(token.code, 0, token.output);
  const id = /^ {2}id: +([0-9a-f]{16})$/m.exec(token.stdout)?.[1];
  const secret = /^ {2}secret: +(\S+)$/m.exec(token.stdout)?.[1];
  assert.ok(id !== undefined && secret !== undefined, token.stdout);
  for (const line of lines.slice(1)) {
    const ran = await shIn(temp.path, local(line).replace('ID:SECRET', `${id}:${secret}`));
    assert.equal(ran.code, 0, `${line}\n${ran.output}`);
  }
  for (const file of ['sensor-1.crt', 'sensor-1.renewed.crt']) {
    const verified = await runTool('openssl', ['verify', '-CAfile', join(temp.path, 'est-ca.pem'), join(temp.path, file)]);
    assert.equal(verified.code, 0, verified.output);
    const subject = await runTool('openssl', ['x509', '-in', join(temp.path, file), '-noout', '-subject']);
    assert.equal(subject.stdout.trim(), 'subject=CN = sensor-1');
  }
  await stopUp(up);
});
