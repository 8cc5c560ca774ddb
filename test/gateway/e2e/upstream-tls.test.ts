import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { readText, startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { makeConfig, startTestGateway } from './support/test-gateway.js';
import type { TestGateway } from './support/test-gateway.js';
import { curl } from './support/tls-clients.js';

// Issue #5: an upstream over HTTPS, optionally with mTLS to it using the gateway's own certificate.

let env: E2eEnv;
let upstream: Server;
let gw: TestGateway;
let client: CertificateFiles;

before(async () => {
  env = await startE2eEnv('upstream-tls');
  client = await env.issue('caller');
  const upstreamCert = await env.issue('localhost', {
    profile: 'server',
    sans: [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ],
  });
  // An upstream that itself demands a client certificate from the CA, and says whose it got.
  upstream = createServer(
    {
      key: readText(upstreamCert.key),
      cert: readText(upstreamCert.chain),
      ca: readText(env.rootPem),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.end(
        `upstream saw the client certificate of ${String(peer.subject?.CN)}; identity header ${req.headers['x-forwarded-client-cert'] === undefined ? 'absent' : 'present'}\n`,
      );
    },
  );
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `https://localhost:${(upstream.address() as AddressInfo).port}`;
  gw = await startTestGateway(
    env,
    makeConfig(env, {
      routes: [
        { pathPrefix: '/mtls', upstream: url, upstreamTls: { caFile: env.rootPem, clientCertificate: true } },
        { pathPrefix: '/no-client-cert', upstream: url, upstreamTls: { caFile: env.rootPem } },
        { pathPrefix: '/system-cas', upstream: url, upstreamTls: {}, upstreamTimeoutMs: 5000 },
      ],
    }),
  );
});

after(async () => {
  await gw?.close();
  await new Promise<void>((resolve) => (upstream === undefined ? resolve() : upstream.close(() => resolve())));
  await env?.close();
});

test('with upstreamTls.clientCertificate the gateway proves itself to the upstream with its own certificate', async () => {
  const answer = await curl(env, gw.port, '/mtls/x', { client });
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.body, 'upstream saw the client certificate of localhost; identity header present\n');
});

test('an upstream that demands a certificate the gateway does not send, or whose CA is not trusted, is 502 upstream_unavailable', async () => {
  for (const path of ['/no-client-cert/x', '/system-cas/x']) {
    const answer = await curl(env, gw.port, path, { client });
    assert.equal(answer.status, 502, `${path}: ${answer.body}`);
    assert.equal((JSON.parse(answer.body) as { reason: unknown }).reason, 'upstream_unavailable');
  }
});
