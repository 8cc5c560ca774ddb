import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import * as oauth from 'openid-client';
import { Agent, fetch as undiciFetch, request } from 'undici';
import { makeTempDir } from '../../ca/support.js';
import { runCli } from '../../cli/run-cli.js';
import { spawnUp, stopUp } from '../../cli/up-process.js';
import type { UpProcess } from '../../cli/up-process.js';
import { freePort } from '../../support/free-port.js';

/** The audience and scopes of the protected routes. */
export const AUDIENCE = 'https://api.example';

/** A client of the CA: its certificate files, and an mTLS agent presenting them. */
export interface TestClient {
  readonly name: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly agent: Agent;
}

export interface GatewayAnswer {
  readonly status: number;
  readonly challenge: string | undefined;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

/**
 * A real `symbolon up` with its authorization server and its gateway in front of an upstream of
 * the test: routes /bound (token: bound, scope read), /bearer (token: bearer, certificate optional) and /open (no
 * token); two client certificates (billing and other) registered as OAuth clients.
 */
export interface BoundTokenWorld {
  readonly dir: string;
  readonly issuer: string;
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  readonly caFile: string;
  readonly billing: TestClient;
  readonly other: TestClient;
  /** A client with no certificate. */
  readonly anonymous: TestClient;
  /** A bound token for `client` through openid-client, as its documentation shows. */
  token(client: TestClient, scope?: string): Promise<string>;
  /** A request through the gateway over `client`'s connection (undici, HTTP/1.1). */
  call(client: TestClient, path: string, token?: string): Promise<GatewayAnswer>;
  /** The PKCS#8 PEM of the issuer's signing key and its kid: to forge tokens as a broken issuer would. */
  signingKey(): { readonly kid: string; readonly pem: string };
  close(): Promise<void>;
}

async function issueClient(dir: string, out: string, name: string, ca: string): Promise<TestClient> {
  const issued = await runCli(['ca', 'issue', '--dir', dir, '--profile', 'client', '--name', name, '--out', join(out, name)]);
  assert.equal(issued.code, 0, issued.stderr);
  const certFile = join(out, `${name}.chain.pem`);
  const keyFile = join(out, `${name}.key`);
  return {
    name,
    certFile,
    keyFile,
    agent: new Agent({ connect: { ca, cert: readFileSync(certFile), key: readFileSync(keyFile) } }),
  };
}

export async function startBoundTokenWorld(): Promise<BoundTokenWorld> {
  const temp = makeTempDir('symbolon-bound-tokens-');
  const dir = join(temp.path, 'data');
  mkdirSync(dir);
  const upstream: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`upstream ${req.url}`);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  const [httpPort, tlsPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const issuer = `https://127.0.0.1:${tlsPort}`;
  writeFileSync(
    join(dir, 'gateway.yaml'),
    [
      'listeners: [ { address: 127.0.0.1, port: 0, ocspStapling: false } ]',
      'trustBundles: [ { name: symbolon, revocation: { kind: feed }, failurePolicy: hard-fail } ]',
      `tokenIssuers: [ { issuer: '${issuer}' } ]`,
      'routes:',
      `  - { pathPrefix: /bound, upstream: '${upstreamUrl}', token: bound, audience: '${AUDIENCE}', scopes: [read] }`,
      `  - { pathPrefix: /bearer, upstream: '${upstreamUrl}', token: bearer, audience: '${AUDIENCE}', clientCertificate: optional }`,
      `  - { pathPrefix: /open, upstream: '${upstreamUrl}' }`,
      `admin: { address: 127.0.0.1, port: ${adminPort} }`,
      "accessLog: 'off'",
      '',
    ].join('\n'),
  );
  let up: UpProcess | undefined;
  const agents: Agent[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(agents.map((agent) => agent.close()));
    if (up !== undefined) await stopUp(up);
    await new Promise((resolve) => upstream.close(resolve));
    temp.remove();
  };
  try {
    up = spawnUp(['--dir', dir, '--listen', `127.0.0.1:${httpPort}`, '--tls-listen', `127.0.0.1:${tlsPort}`]);
    await up.ready;
    const gatewayUrl = /Gateway: (https:\/\/127\.0\.0\.1:\d+)/.exec(up.stdout())?.[1];
    assert.ok(gatewayUrl !== undefined, up.stdout());
    const caFile = join(dir, 'ca/root.crt');
    const ca = readFileSync(caFile, 'utf8');
    const billing = await issueClient(dir, temp.path, 'billing', ca);
    const other = await issueClient(dir, temp.path, 'other', ca);
    const anonymous: TestClient = { name: 'anonymous', certFile: '', keyFile: '', agent: new Agent({ connect: { ca } }) };
    agents.push(billing.agent, other.agent, anonymous.agent);
    for (const [client, scopes] of [
      [billing, ['read', 'write']],
      [other, ['read']],
    ] as const) {
      const added = await runCli([
        'oauth',
        'client',
        'add',
        client.name,
        '--dir',
        dir,
        '--subject-dn',
        `CN=${client.name}`,
        ...scopes.flatMap((scope) => ['--scope', scope]),
        '--audience',
        AUDIENCE,
      ]);
      assert.equal(added.code, 0, added.stderr);
    }
    return {
      dir,
      issuer,
      gatewayUrl,
      adminUrl: `http://127.0.0.1:${adminPort}`,
      caFile,
      billing,
      other,
      anonymous,
      async token(client, scope) {
        // openid-client as its documentation shows for tls_client_auth: mTLS endpoint aliases, and
        // the client certificate given to the fetch it uses (customFetch with an undici Agent).
        const fetchWithCertificate: oauth.CustomFetch = (url, options) =>
          undiciFetch(url, { ...options, dispatcher: client.agent } as Parameters<typeof undiciFetch>[1]);
        const config = await oauth.discovery(new URL(issuer), client.name, { use_mtls_endpoint_aliases: true }, oauth.TlsClientAuth(), {
          algorithm: 'oauth2',
          [oauth.customFetch]: fetchWithCertificate,
        });
        config[oauth.customFetch] = fetchWithCertificate;
        const tokens = await oauth.clientCredentialsGrant(config, scope === undefined ? {} : { scope });
        assert.equal(tokens.token_type.toLowerCase(), 'bearer');
        return tokens.access_token;
      },
      async call(client, path, token) {
        const response = await request(`${gatewayUrl}${path}`, {
          dispatcher: client.agent,
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        });
        const text = await response.body.text();
        let body: Record<string, unknown> = {};
        if (String(response.headers['content-type']).startsWith('application/problem+json'))
          body = JSON.parse(text) as Record<string, unknown>;
        const challenge = response.headers['www-authenticate'];
        return { status: response.statusCode, challenge: Array.isArray(challenge) ? challenge.join(', ') : challenge, body, text };
      },
      signingKey() {
        const keysDir = join(dir, 'oauth-keys');
        const name = readdirSync(keysDir).find((file) => file.endsWith('.pem'));
        assert.ok(name !== undefined);
        return { kid: name.slice(0, -'.pem'.length), pem: readFileSync(join(keysDir, name), 'utf8') };
      },
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
