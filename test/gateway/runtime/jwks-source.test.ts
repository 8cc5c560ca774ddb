import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { after, before, test } from 'node:test';
import { isSymbolonError } from '../../../src/errors.js';
import { JwksSource } from '../../../src/gateway/runtime/jwks-source.js';
import { makeTempDir } from '../../ca/support.js';
import { selfSignedServer } from '../../support/self-signed-server.js';

// The gateway's copy of an issuer's keys, against a real HTTPS server that counts its fetches.
const temp = makeTempDir('symbolon-jwks-');
let server: Server;
let url: string;
let ca: string;
let fetches = 0;
let answer: { status: number; body: string; headers?: Record<string, string> } = { status: 200, body: '' };

const jwk = (kid: string): Record<string, unknown> => ({
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
  kid,
  alg: 'ES256',
  use: 'sig',
});
const k1 = jwk('k1');
const k2 = jwk('k2');

before(async () => {
  const tls = await selfSignedServer(temp.path, 'jwks');
  ca = tls.cert;
  server = createServer(tls, (_req, res) => {
    fetches++;
    res.writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'max-age=300', ...answer.headers });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  temp.remove();
});

test('keys are fetched once, refetched for an unknown kid at most once per interval, and kept when a fetch fails', async () => {
  let nowMs = Date.UTC(2030, 0, 1);
  const errors: unknown[] = [];
  const source = new JwksSource({
    url,
    ca,
    clock: () => new Date(nowMs),
    onError: (error) => errors.push(error),
    minRefreshIntervalMs: 10_000,
  });
  try {
    answer = { status: 200, body: JSON.stringify({ keys: [k1] }) };
    await source.start();
    assert.deepEqual([...source.keys().keys()], ['k1']);
    assert.equal(fetches, 1);
    const version = source.version;

    // A rotation: the issuer publishes k2; a token names it.
    answer = { status: 200, body: JSON.stringify({ keys: [k2, k1] }) };
    nowMs += 1000;
    await source.refreshForUnknownKey();
    assert.equal(fetches, 1, 'within the interval an unknown kid fetches nothing: a flood of made-up kids costs no fetches');
    nowMs += 10_000;
    await Promise.all([source.refreshForUnknownKey(), source.refreshForUnknownKey()]);
    assert.equal(fetches, 2, 'one fetch for concurrent askers');
    assert.deepEqual([...source.keys().keys()].sort(), ['k1', 'k2']);
    assert.ok(source.version > version);

    for (const bad of [
      { status: 500, body: 'down' },
      { status: 200, body: '{ not json' },
      { status: 200, body: JSON.stringify({ nokeys: true }) },
      { status: 200, body: 'x'.repeat(300 * 1024) },
    ]) {
      answer = bad;
      nowMs += 11_000;
      await source.refreshForUnknownKey();
      assert.deepEqual(
        [...source.keys().keys()].sort(),
        ['k1', 'k2'],
        `the last good keys are kept after ${bad.status} ${bad.body.slice(0, 20)}`,
      );
    }
    assert.equal(errors.length, 4);
    assert.ok(errors.every((error) => isSymbolonError(error, 'GATEWAY_JWKS_UNAVAILABLE')));
  } finally {
    source.close();
  }
});

test('a JWKS server whose certificate does not chain to the configured CA is not believed', async () => {
  const errors: unknown[] = [];
  const other = await selfSignedServer(temp.path, 'other');
  const source = new JwksSource({ url, ca: other.cert, clock: () => new Date(), onError: (error) => errors.push(error) });
  try {
    answer = { status: 200, body: JSON.stringify({ keys: [k1] }) };
    await source.start();
    assert.equal(source.keys().size, 0);
    assert.ok(isSymbolonError(errors[0], 'GATEWAY_JWKS_UNAVAILABLE'));
  } finally {
    source.close();
  }
});
