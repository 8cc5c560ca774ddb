import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { runTool } from '../support/revocation-harness.js';
import { startAdminApiHarness } from './support/admin-api-harness.js';
import type { AdminApiHarness, ApiAnswer } from './support/admin-api-harness.js';

const temp = makeTempDir('symbolon-api-auth-');
let api: AdminApiHarness;

before(async () => {
  api = await startAdminApiHarness(await makeTemplateCa(temp.path), temp.path);
});
after(async () => {
  await api?.close();
  temp.remove();
});

function assertProblem(answer: ApiAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.body.toString());
  assert.equal(answer.headers['content-type'], 'application/problem+json');
  const problem = answer.json<{ type: string; code: string; status: number }>();
  assert.equal(problem.code, code);
  assert.equal(problem.type, `urn:symbolon:error:${code}`);
  assert.equal(problem.status, status);
}

describe('admin API authorization', () => {
  test('an admin certificate of this CA is let in', async () => {
    const answer = await api.call('GET', '/stats');
    assert.equal(answer.status, 200, answer.body.toString());
  });

  test('no client certificate is 401, on every path, known or not', async () => {
    for (const path of ['/certificates', '/openapi.json', '/no-such-thing', '/certificates/00/revoke']) {
      const answer = await api.call('GET', path, { as: undefined });
      assertProblem(answer, 401, 'API_CLIENT_CERTIFICATE_REQUIRED');
    }
  });

  test('a client certificate of another profile is 403', async () => {
    const bob = await api.identity('bob', 'client');
    assertProblem(await api.call('GET', '/certificates', { as: bob }), 403, 'API_NOT_ADMIN');
    assertProblem(
      await api.call('POST', `/certificates/${bob.serial}/revoke`, { as: bob, json: { reason: 'keyCompromise' } }),
      403,
      'API_NOT_ADMIN',
    );
    // And it was not revoked by its own hand.
    assert.equal((await api.call('GET', `/certificates/${bob.serial}`)).json()['status'], 'valid');
  });

  test('a gateway certificate is not an admin certificate either', async () => {
    const gateway = await api.identity('gw.example', 'gateway');
    assertProblem(await api.call('GET', '/stats', { as: gateway }), 403, 'API_NOT_ADMIN');
  });

  test('a revoked admin certificate is 403, from the next request on', async () => {
    const carol = await api.identity('carol', 'admin');
    assert.equal((await api.call('GET', '/stats', { as: carol })).status, 200);
    await revokeCertificate(api.h.services.store, { issuerId: api.h.ca.issuer.id, serial: carol.serial }, 'keyCompromise', {
      actor: 'test',
      now: new Date(),
    });
    assertProblem(await api.call('GET', '/stats', { as: carol }), 403, 'API_ADMIN_REVOKED');
  });

  test('an expired admin certificate is 403 (named as expired)', async () => {
    const dave = await api.identity('dave', 'admin');
    api.shiftClock(31 * 86_400_000);
    try {
      assertProblem(await api.call('GET', '/stats', { as: dave }), 403, 'API_ADMIN_EXPIRED');
    } finally {
      api.shiftClock(0);
    }
    assert.equal((await api.call('GET', '/stats', { as: dave })).status, 200);
  });

  test('a certificate this CA did not issue is 403, even with a CA that has the same name', async () => {
    // A self-signed certificate with the subject of the CA's intermediate: its "issuer" is the
    // intermediate by name, but the store holds no such certificate.
    const base = `${temp.path}/foreign`;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { writeFileSync, readFileSync } = await import('node:fs');
    writeFileSync(`${base}.key`, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const made = await runTool('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      `${base}.key`,
      '-subj',
      '/CN=Test Intermediate CA 1',
      '-days',
      '1',
      '-out',
      `${base}.crt`,
    ]);
    assert.equal(made.code, 0, made.output);
    const mallory = {
      cert: readFileSync(`${base}.crt`, 'utf8'),
      key: readFileSync(`${base}.key`, 'utf8'),
      serial: 'foreign',
      subject: 'CN=mallory',
    };
    assertProblem(await api.call('GET', '/certificates', { as: mallory }), 403, 'API_NOT_ADMIN');
  });

  test('curl with the admin certificate and key files gets in; without them it gets 401', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${temp.path}/alice.crt`, api.admin.cert);
    writeFileSync(`${temp.path}/alice.key`, api.admin.key, { mode: 0o600 });
    const ok = await runTool('curl', [
      '-sS',
      '--cacert',
      api.caFile,
      '--cert',
      `${temp.path}/alice.crt`,
      '--key',
      `${temp.path}/alice.key`,
      '-w',
      '\n%{http_code}',
      `${api.url}/certificates?limit=1`,
    ]);
    assert.equal(ok.code, 0, ok.output);
    const [body, status] = ok.stdout.split('\n');
    assert.equal(status, '200');
    assert.ok(Array.isArray((JSON.parse(body!) as { items: unknown }).items));
    const refused = await runTool('curl', [
      '-sS',
      '--cacert',
      api.caFile,
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `${api.url}/certificates`,
    ]);
    assert.equal(refused.stdout, '401');
  });
});
