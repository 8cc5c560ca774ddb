import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { Agent, request } from 'undici';
import { mountOAuth } from '../../src/services/index.js';
import type { UpOAuth } from '../../src/services/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { runTool } from '../support/revocation-harness.js';
import { startAdminApiHarness } from './support/admin-api-harness.js';
import type { AdminApiHarness, ApiAnswer, ClientIdentity } from './support/admin-api-harness.js';

// OAuth clients through the admin API, over HTTPS with an admin certificate; and the real token
// endpoint of the same listener honouring what the API registered and removed.
const temp = makeTempDir('symbolon-api-oauth-');
let api: AdminApiHarness;
let oauth: UpOAuth;
const oauthErrors: unknown[] = [];
const agents: Agent[] = [];

before(async () => {
  api = await startAdminApiHarness(await makeTemplateCa(temp.path), temp.path);
  const mounted = await mountOAuth({
    dataDir: api.h.dataDir,
    services: api.h.services,
    clock: () => new Date(),
    actor: 'test',
    onError: (error) => oauthErrors.push(error),
  });
  assert.ok(mounted !== undefined);
  oauth = mounted;
});
after(async () => {
  oauth?.close();
  await Promise.all(agents.map((agent) => agent.close()));
  await api?.close();
  temp.remove();
  assert.deepEqual(oauthErrors, []);
});

function assertProblem(answer: ApiAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.body.toString());
  assert.equal(answer.headers['content-type'], 'application/problem+json');
  assert.equal(answer.json()['code'], code);
  assert.doesNotMatch(answer.body.toString(), /\n\s+at /);
}

const adminActor = (): string => `admin:${api.h.ca.issuer.id}/${api.admin.serial} ${api.admin.subject}`;

/** A client_credentials request to the token endpoint over a connection presenting `cert`/`key`. */
async function tokenFor(clientId: string, tls: { cert: string; key: string }): Promise<{ status: number; body: Record<string, unknown> }> {
  const agent = new Agent({ connect: { ca: api.caPem, cert: tls.cert, key: tls.key } });
  agents.push(agent);
  const answer = await request(`${oauth.issuer}/oauth/token`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}&scope=read`,
  });
  return { status: answer.statusCode, body: (await answer.body.json()) as Record<string, unknown> };
}

async function auditCount(): Promise<number> {
  return (await api.h.services.store.auditHead()).sequence;
}

describe('admin API: OAuth clients', () => {
  let billing: ClientIdentity;

  before(async () => {
    billing = await api.identity('billing', 'client');
  });

  test('registers a tls_client_auth client (one audit entry naming the admin), lists it, shows it; it gets a bound token', async () => {
    const before = await auditCount();
    const made = await api.call('POST', '/oauth/clients', {
      json: { id: 'billing', subjectDn: billing.subject, scopes: ['read', 'write'], audiences: ['https://api.example'] },
    });
    assert.equal(made.status, 201, made.body.toString());
    assert.deepEqual(
      { ...made.json<Record<string, unknown>>(), createdAt: undefined },
      {
        id: 'billing',
        authMethod: 'tls_client_auth',
        certificateName: { kind: 'subject_dn', value: billing.subject },
        jwks: null,
        scopes: ['read', 'write'],
        audiences: ['https://api.example'],
        createdAt: undefined,
      },
    );
    assert.equal(await auditCount(), before + 1);
    const entry = await api.h.services.store.lastAuditEntry('oauth.client.add');
    assert.equal(entry?.actor, adminActor());
    assert.equal(entry?.target, 'oauth-client/billing');

    const listed = (await api.call('GET', '/oauth/clients')).json<{ items: { id: string }[] }>();
    assert.deepEqual(
      listed.items.map((item) => item.id),
      ['billing'],
    );
    const shown = await api.call('GET', '/oauth/clients/billing');
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.json(), made.json());

    const token = await tokenFor('billing', billing);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const claims = decodeJwt(String(token.body['access_token']));
    assert.equal(claims['client_id'], 'billing');
    assert.equal(claims.aud, 'https://api.example');
    assert.equal(typeof (claims['cnf'] as Record<string, unknown>)['x5t#S256'], 'string');
  });

  test('a taken id is 409 and changes nothing', async () => {
    const before = await auditCount();
    assertProblem(
      await api.call('POST', '/oauth/clients', { json: { id: 'billing', sanDns: 'other.example', audiences: ['https://x.example'] } }),
      409,
      'STORE_OAUTH_CLIENT_EXISTS',
    );
    assert.equal(await auditCount(), before);
    assert.equal((await api.call('GET', '/oauth/clients/billing')).json()['certificateName'] !== null, true);
  });

  test('a self-signed client registered by its certificate (PEM) gets a token by its key', async () => {
    const dir = join(temp.path, 'self-signed');
    mkdirSync(dir);
    const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    const made = await runTool('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=self-signed-robot',
      '-days',
      '1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    assert.equal(made.code, 0, made.output);
    const tls = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    const registered = await api.call('POST', '/oauth/clients', {
      json: { id: 'robot', certificate: tls.cert, scopes: ['read'], audiences: ['https://api.example'] },
    });
    assert.equal(registered.status, 201, registered.body.toString());
    const client = registered.json<{ authMethod: string; jwks: { keys: { kty: string; d?: string }[] } }>();
    assert.equal(client.authMethod, 'self_signed_tls_client_auth');
    assert.equal(client.jwks.keys.length, 1);
    assert.equal(client.jwks.keys[0]!.kty, 'EC');
    assert.equal(client.jwks.keys[0]!.d, undefined);
    const token = await tokenFor('robot', tls);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    // Another certificate under the same client_id is not the registered key.
    assert.equal((await tokenFor('robot', billing)).body['error'], 'invalid_client');
  });

  test('a client removed through the API (one audit entry naming the admin) gets no more tokens', async () => {
    const carol = await api.identity('carol', 'client');
    const made = await api.call('POST', '/oauth/clients', {
      json: { id: 'carol:svc', subjectDn: carol.subject, scopes: ['read'], audiences: ['https://api.example'] },
    });
    assert.equal(made.status, 201, made.body.toString());
    assert.equal((await tokenFor('carol:svc', carol)).status, 200);
    const before = await auditCount();
    const removed = await api.call('DELETE', '/oauth/clients/carol:svc');
    assert.equal(removed.status, 200, removed.body.toString());
    assert.equal(removed.json()['id'], 'carol:svc');
    assert.equal(await auditCount(), before + 1);
    const entry = await api.h.services.store.lastAuditEntry('oauth.client.remove');
    assert.equal(entry?.actor, adminActor());
    assert.equal(entry?.target, 'oauth-client/carol:svc');
    const refused = await tokenFor('carol:svc', carol);
    assert.equal(refused.body['error'], 'invalid_client', JSON.stringify(refused.body));
    assert.equal(refused.body['access_token'], undefined);
    assertProblem(await api.call('GET', '/oauth/clients/carol:svc'), 404, 'STORE_OAUTH_CLIENT_NOT_FOUND');
    assertProblem(await api.call('DELETE', '/oauth/clients/carol:svc'), 404, 'STORE_OAUTH_CLIENT_NOT_FOUND');
    assert.ok(!(await api.call('GET', '/oauth/clients')).json<{ items: { id: string }[] }>().items.some((c) => c.id === 'carol:svc'));
  });

  test('malformed bodies and fields are 400, each naming what is wrong, and register nothing', async () => {
    const before = await auditCount();
    const register = (json: unknown): Promise<ApiAnswer> => api.call('POST', '/oauth/clients', { json });
    const audiences = ['https://api.example'];
    assertProblem(await register({ id: 'x', audiences }), 400, 'API_BODY_INVALID'); // no way to authenticate
    assertProblem(await register({ id: 'x', subjectDn: 'CN=x', sanDns: 'x', audiences }), 400, 'API_BODY_INVALID'); // two
    assertProblem(await register({ id: 'x', subjectDn: 'CN=x' }), 400, 'API_BODY_INVALID'); // no audiences field
    assertProblem(await register({ id: 'x', subjectDn: 'CN=x', audiences, extra: 1 }), 400, 'API_BODY_INVALID');
    assertProblem(await register({ id: 7, subjectDn: 'CN=x', audiences }), 400, 'API_BODY_INVALID');
    assertProblem(await register({ id: 'x', subjectDn: 'CN=x', audiences: 'https://api.example' }), 400, 'API_BODY_INVALID');
    assertProblem(await register({ id: 'x', subjectDn: 'CN=x', audiences, jwks: null }), 400, 'API_BODY_INVALID');
    assertProblem(await register([]), 400, 'API_BODY_INVALID');
    // What the one registration check (the CLI's too) refuses.
    assertProblem(await register({ id: 'bad id', subjectDn: 'CN=x', audiences }), 400, 'OAUTH_CLIENT_INVALID');
    assertProblem(await register({ id: 'x', subjectDn: 'not a dn', audiences }), 400, 'OAUTH_CLIENT_INVALID');
    assertProblem(await register({ id: 'x', sanIp: '300.1.1.1', audiences }), 400, 'OAUTH_CLIENT_INVALID');
    assertProblem(await register({ id: 'x', subjectDn: 'CN=x', audiences: [] }), 400, 'OAUTH_CLIENT_INVALID');
    assertProblem(await register({ id: 'x', subjectDn: 'CN=x', scopes: ['a"b'], audiences }), 400, 'OAUTH_CLIENT_INVALID');
    assertProblem(await register({ id: 'x', jwks: { keys: [] }, audiences }), 400, 'OAUTH_CLIENT_INVALID');
    assertProblem(await register({ id: 'x', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, audiences }), 400, 'OAUTH_CLIENT_INVALID');
    const garbage = await register({ id: 'x', certificate: 'not a certificate', audiences });
    assert.equal(garbage.status, 400, garbage.body.toString());
    const brokenPem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    assert.equal((await register({ id: 'x', certificate: brokenPem, audiences })).status, 400);
    assertProblem(
      await api.call('POST', '/oauth/clients', { body: '{"id":', headers: { 'content-type': 'application/json' } }),
      400,
      'API_BODY_INVALID',
    );
    assert.equal(await auditCount(), before);
    assertProblem(await api.call('GET', '/oauth/clients/x'), 404, 'STORE_OAUTH_CLIENT_NOT_FOUND');
  });

  test('wrong content type 415, huge body 413, bad path id or query 400, wrong method 405', async () => {
    assertProblem(
      await api.call('POST', '/oauth/clients', { body: 'id=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'HTTP_UNSUPPORTED_MEDIA_TYPE',
    );
    const huge = JSON.stringify({ id: 'x', subjectDn: 'CN=x', audiences: ['a'.repeat(70 * 1024)] });
    assertProblem(
      await api.call('POST', '/oauth/clients', { body: huge, headers: { 'content-type': 'application/json' } }),
      413,
      'HTTP_BODY_TOO_LARGE',
    );
    assertProblem(await api.call('GET', '/oauth/clients/bad%20id'), 400, 'API_QUERY_INVALID');
    assertProblem(await api.call('DELETE', `/oauth/clients/${'a'.repeat(129)}`), 400, 'API_QUERY_INVALID');
    assertProblem(await api.call('GET', '/oauth/clients?id=billing'), 400, 'API_QUERY_INVALID');
    assertProblem(await api.call('DELETE', '/oauth/clients/billing?force=1'), 400, 'API_QUERY_INVALID');
    const put = await api.call('PUT', '/oauth/clients/billing', { json: {} });
    assertProblem(put, 405, 'HTTP_METHOD_NOT_ALLOWED');
    assert.equal(put.headers['allow'], 'GET, DELETE');
    const del = await api.call('DELETE', '/oauth/clients');
    assertProblem(del, 405, 'HTTP_METHOD_NOT_ALLOWED');
    assert.equal(del.headers['allow'], 'GET, POST');
    // billing is still there.
    assert.equal((await api.call('GET', '/oauth/clients/billing')).status, 200);
  });

  test('without a certificate 401, with another profile 403: nothing listed, registered or removed', async () => {
    const before = await auditCount();
    const json = { id: 'intruder', subjectDn: billing.subject, audiences: ['https://api.example'] };
    assertProblem(await api.call('GET', '/oauth/clients', { as: undefined }), 401, 'API_CLIENT_CERTIFICATE_REQUIRED');
    assertProblem(await api.call('POST', '/oauth/clients', { as: undefined, json }), 401, 'API_CLIENT_CERTIFICATE_REQUIRED');
    assertProblem(await api.call('DELETE', '/oauth/clients/billing', { as: undefined }), 401, 'API_CLIENT_CERTIFICATE_REQUIRED');
    assertProblem(await api.call('GET', '/oauth/clients/billing', { as: billing }), 403, 'API_NOT_ADMIN');
    assertProblem(await api.call('POST', '/oauth/clients', { as: billing, json }), 403, 'API_NOT_ADMIN');
    assertProblem(await api.call('DELETE', '/oauth/clients/billing', { as: billing }), 403, 'API_NOT_ADMIN');
    assert.equal(await auditCount(), before);
    assert.equal((await api.call('GET', '/oauth/clients/billing')).status, 200);
    assertProblem(await api.call('GET', '/oauth/clients/intruder'), 404, 'STORE_OAUTH_CLIENT_NOT_FOUND');
  });
});
