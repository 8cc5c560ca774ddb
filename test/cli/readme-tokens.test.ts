import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decodeJwt } from 'jose';
import { parseGatewayConfig } from '../../src/gateway/index.js';
import { makeTempDir } from '../ca/support.js';
import { freePort } from '../support/free-port.js';
import { README, readmeShLines, shIn, withLocalCli } from './readme-user.js';
import { killAllUp, spawnUp, stopUp } from './up-process.js';

// The README's bound-token example, run as a new user would: `up` in a directory of their own,
// then its three commands with sh, only the port and `npx symbolon` replaced.
const temp = makeTempDir('symbolon-readme-tokens-');
after(() => {
  killAllUp();
  temp.remove();
});

test('the README bound-token example registers a client and gets a token bound to its certificate with curl', async () => {
  const lines = readmeShLines('npx symbolon ca issue --profile client --name billing');
  assert.equal(lines.length, 3, 'three commands');
  const [httpPort, tlsPort] = [await freePort(), await freePort()];
  const up = spawnUp(['--listen', `127.0.0.1:${httpPort}`, '--tls-listen', `127.0.0.1:${tlsPort}`], temp.path);
  await up.ready;
  assert.match(up.stdout(), new RegExp(`OAuth: https://127\\.0\\.0\\.1:${tlsPort}/oauth/token`));
  const local = (line: string): string => withLocalCli(line).replaceAll('127.0.0.1:8443', `127.0.0.1:${tlsPort}`);
  let last = '';
  for (const line of lines) {
    const ran = await shIn(temp.path, local(line));
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
  await stopUp(up);
});

test("the README's gateway snippet for a bound-token route is a valid gateway configuration", () => {
  const section = README.slice(README.indexOf('## Certificate-bound tokens'));
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
