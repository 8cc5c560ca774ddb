/**
 * Certificate-bound tokens across two `symbolon up` nodes on one PostgreSQL database: each node
 * signs with keys of its own (kept in its data directory) and publishes their public halves in
 * the store, so a token node A issued is accepted by a gateway that fetches node B's JWKS, and
 * node B's introspection calls it active.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { Agent, request } from 'undici';
import { initCertificateAuthority } from '../../src/ca/index.js';
import { makeTempDir } from '../ca/support.js';
import { runCli } from '../cli/run-cli.js';
import { killAllUp, spawnUp, stopUp } from '../cli/up-process.js';
import type { UpProcess } from '../cli/up-process.js';
import { freePort } from '../support/free-port.js';
import { createTestDatabase } from '../support/postgres-database.js';
import type { TestDatabase } from '../support/postgres-database.js';

const PASSPHRASE = 'oauth cluster intermediate passphrase';
/** The issuer identifier both nodes share, as they would behind one load balancer. */
const ISSUER = 'https://auth.cluster.invalid';
const AUDIENCE = 'https://api.example';

describe('bound tokens on two symbolon up nodes sharing one PostgreSQL database', () => {
  const temp = makeTempDir('symbolon-oauth-cluster-');
  const nodeDirs = [join(temp.path, 'node-a'), join(temp.path, 'node-b')] as const;
  const passFile = join(temp.path, 'ca.pass');
  const nodes: UpProcess[] = [];
  const tlsPorts: number[] = [];
  let database: TestDatabase;
  let upstream: Server;
  let billing: Agent;
  let gatewayUrl: string;

  /** A form POST to a node's OAuth endpoint over billing's mTLS connection. */
  async function post(
    node: number,
    path: string,
    form: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await request(`https://127.0.0.1:${tlsPorts[node]}${path}`, {
      method: 'POST',
      dispatcher: billing,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  }

  async function jwksKids(node: number): Promise<string[]> {
    const response = await request(`https://127.0.0.1:${tlsPorts[node]}/.well-known/jwks.json`, { dispatcher: billing });
    const body = (await response.body.json()) as { keys: { kid: string; d?: unknown }[] };
    assert.ok(
      body.keys.every((key) => key.d === undefined),
      'no private member in the JWKS',
    );
    return body.keys.map((key) => key.kid);
  }

  function ownKid(node: number): string {
    const files = readdirSync(join(nodeDirs[node]!, 'oauth-keys')).filter((name) => name.endsWith('.pem'));
    assert.equal(files.length, 1);
    assert.equal(statSync(join(nodeDirs[node]!, 'oauth-keys', files[0]!)).mode & 0o777, 0o600);
    return files[0]!.slice(0, -'.pem'.length);
  }

  before(async () => {
    database = await createTestDatabase('oauth_cluster');
    upstream = createServer((req, res) => res.end(`upstream ${req.url}`));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    writeFileSync(passFile, `${PASSPHRASE}\n`);
    await initCertificateAuthority({
      dir: nodeDirs[0],
      name: 'OAuth Cluster',
      keyType: 'p256',
      rootPassphrase: 'oauth cluster root passphrase',
      intermediatePassphrase: PASSPHRASE,
      publicBaseUrl: 'http://ca.cluster.invalid',
      database: database.url,
      actor: 'test',
      now: new Date(),
      random: randomBytes,
    });
    cpSync(nodeDirs[0], nodeDirs[1], { recursive: true });
    for (let i = 0; i < 2; i++) tlsPorts.push(await freePort());
    // Node B runs the gateway; its token issuer is the shared identifier, its keys are B's JWKS.
    writeFileSync(
      join(nodeDirs[1], 'gateway.yaml'),
      [
        'listeners: [ { address: 127.0.0.1, port: 0, ocspStapling: false } ]',
        'trustBundles: [ { name: symbolon, revocation: { kind: feed }, failurePolicy: hard-fail } ]',
        `tokenIssuers: [ { issuer: '${ISSUER}', jwksUrl: 'https://127.0.0.1:${tlsPorts[1]}/.well-known/jwks.json' } ]`,
        'routes:',
        `  - { pathPrefix: /bound, upstream: 'http://127.0.0.1:${(upstream.address() as { port: number }).port}', token: bound, audience: '${AUDIENCE}', scopes: [read] }`,
        "accessLog: 'off'",
        '',
      ].join('\n'),
    );
    const name = join(temp.path, 'billing');
    const issued = await runCli([
      'ca',
      'issue',
      '--dir',
      nodeDirs[0],
      '--passphrase-file',
      passFile,
      '--profile',
      'client',
      '--name',
      'billing',
      '--out',
      name,
    ]);
    assert.equal(issued.code, 0, issued.stderr);
    const added = await runCli([
      'oauth',
      'client',
      'add',
      'billing',
      '--dir',
      nodeDirs[0],
      '--subject-dn',
      'CN=billing',
      '--scope',
      'read',
      '--audience',
      AUDIENCE,
    ]);
    assert.equal(added.code, 0, added.stderr);
    billing = new Agent({
      connect: {
        ca: readFileSync(join(nodeDirs[0], 'ca/root.crt')),
        cert: readFileSync(`${name}.chain.pem`),
        key: readFileSync(`${name}.key`),
      },
    });
    for (const [i, dir] of nodeDirs.entries()) {
      const up = spawnUp([
        '--dir',
        dir,
        '--listen',
        '127.0.0.1:0',
        '--tls-listen',
        `127.0.0.1:${tlsPorts[i]}`,
        '--passphrase-file',
        passFile,
        '--oauth-issuer',
        ISSUER,
      ]);
      nodes.push(up);
      await up.ready;
    }
    gatewayUrl = /Gateway: (https:\/\/127\.0\.0\.1:\d+)/.exec(nodes[1]!.stdout())?.[1] ?? assert.fail(nodes[1]!.stdout());
  });

  after(async () => {
    await billing?.close();
    for (const up of nodes) await stopUp(up).catch(() => undefined);
    killAllUp();
    upstream?.close();
    await database?.drop();
    temp.remove();
  });

  test('each node signs with its own key and serves the public keys of both', async () => {
    const [kidA, kidB] = [ownKid(0), ownKid(1)];
    assert.notEqual(kidA, kidB);
    for (const node of [0, 1]) assert.deepEqual((await jwksKids(node)).sort(), [kidA, kidB].sort());
    const metadata = (await (
      await request(`https://127.0.0.1:${tlsPorts[1]}/.well-known/oauth-authorization-server`, { dispatcher: billing })
    ).body.json()) as {
      issuer: string;
    };
    assert.equal(metadata.issuer, ISSUER);
  });

  test("a token issued by node A passes node B's gateway and is active at node B's introspection", async () => {
    const issued = await post(0, '/oauth/token', { grant_type: 'client_credentials', client_id: 'billing' });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const token = String(issued.body['access_token']);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string };
    assert.equal(header.kid, ownKid(0), 'signed with node A’s key');

    const called = await request(`${gatewayUrl}/bound/x`, { dispatcher: billing, headers: { authorization: `Bearer ${token}` } });
    const text = await called.body.text();
    assert.equal(called.statusCode, 200, text);
    assert.equal(text, 'upstream /bound/x');

    const introspected = await post(1, '/oauth/introspect', { client_id: 'billing', token });
    assert.equal(introspected.status, 200);
    assert.equal(introspected.body['active'], true, JSON.stringify(introspected.body));
    assert.equal(introspected.body['iss'], ISSUER);

    // A token signed with a key no node published is refused at both.
    const [head, payload] = token.split('.');
    const forged = `${head}.${payload}.${Buffer.alloc(64, 1).toString('base64url')}`;
    const refused = await request(`${gatewayUrl}/bound/x`, { dispatcher: billing, headers: { authorization: `Bearer ${forged}` } });
    await refused.body.text();
    assert.equal(refused.statusCode, 401);
    assert.equal((await post(1, '/oauth/introspect', { client_id: 'billing', token: forged })).body['active'], false);
  });

  test('a client row or signing key inserted with SQL into the shared database is named by audit verify', async () => {
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      await db.query('BEGIN');
      await db.query(
        `INSERT INTO oauth_clients (id, auth_method, certificate_name, jwks, scopes, audiences, created_at)
         VALUES ('mallory', 'tls_client_auth', '{"kind":"subject_dn","value":"CN=mallory"}', NULL, '["read"]', $1, 0)`,
        [JSON.stringify([AUDIENCE])],
      );
      await db.query(
        `INSERT INTO oauth_signing_keys (kid, jwk, created_at, expires_at, audit_sequence)
         SELECT 'k-forged', replace(jwk, kid, 'k-forged'), created_at, expires_at, audit_sequence FROM oauth_signing_keys LIMIT 1`,
      );
      await db.query('COMMIT');
      const verified = await runCli(['audit', 'verify', '--dir', nodeDirs[1]]);
      assert.equal(verified.code, 1, verified.stdout + verified.stderr);
      assert.match(verified.stderr, /oauth-client: OAuth client mallory is in the table but no audit entry records it/);
      assert.match(verified.stderr, /signing-key: token signing key k-forged is in the table but no audit entry records it/);
    } finally {
      // As it was, for the tests after this one.
      await db.query("DELETE FROM oauth_clients WHERE id = 'mallory'").catch(() => undefined);
      await db.query("DELETE FROM oauth_signing_keys WHERE kid = 'k-forged'").catch(() => undefined);
      await db.end();
    }
  });

  test('each published key has its audit entry, and the chain and tables still verify', async () => {
    const verified = await runCli(['audit', 'verify', '--dir', nodeDirs[1]]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const rows = (
        await db.query<{ kid: string; jwk: string; action: string; record_hash: string | null }>(
          'SELECT k.kid, k.jwk, a.action, a.record_hash FROM oauth_signing_keys k JOIN audit_log a ON a.sequence = k.audit_sequence ORDER BY k.kid',
        )
      ).rows;
      assert.deepEqual(
        rows.map((row) => row.kid),
        [ownKid(0), ownKid(1)].sort(),
      );
      for (const row of rows) {
        assert.equal(row.action, 'oauth.key.publish');
        assert.ok(row.record_hash !== null);
        assert.equal((JSON.parse(row.jwk) as { d?: unknown }).d, undefined, 'only the public half is in the store');
      }
    } finally {
      await db.end();
    }
  });
});
