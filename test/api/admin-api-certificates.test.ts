import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { runTool } from '../support/revocation-harness.js';
import { seedCertificates } from '../support/seed-certificates.js';
import type { SeededCertificate } from '../support/seed-certificates.js';
import { startAdminApiHarness } from './support/admin-api-harness.js';
import type { AdminApiHarness, ApiAnswer } from './support/admin-api-harness.js';

const temp = makeTempDir('symbolon-api-certs-');
let api: AdminApiHarness;
let seeded: SeededCertificate[];

interface Summary {
  serial: string;
  subject: string;
  sans: string[];
  profile: string;
  issuerId: string;
  status: string;
  notAfter: string;
  revokedAt: string | null;
  revocationReason: string | null;
}
interface Page {
  items: Summary[];
  nextCursor: string | null;
}

before(async () => {
  api = await startAdminApiHarness(await makeTemplateCa(temp.path), temp.path);
  const sample = await api.identity('sample.fleet.example.com', 'client');
  seeded = await seedCertificates(api.h.services.store, {
    count: 1200,
    issuerId: api.h.ca.issuer.id,
    der: Buffer.from(sample.cert.split('\n').slice(1, -2).join(''), 'base64'),
    revokeEvery: 10,
  });
});
after(async () => {
  await api?.close();
  temp.remove();
});

function assertProblem(answer: ApiAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.body.toString());
  assert.equal(answer.headers['content-type'], 'application/problem+json');
  assert.equal(answer.json()['code'], code);
}

describe('admin API: certificates', () => {
  test('lists in notAfter order, 50 by default, and pages to the end with the cursor', async () => {
    const first = (await api.call('GET', '/certificates')).json<Page>();
    assert.equal(first.items.length, 50);
    const times = first.items.map((item) => Date.parse(item.notAfter));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    let cursor = first.nextCursor;
    let count = first.items.length;
    const serials = new Set(first.items.map((item) => item.serial));
    while (cursor !== null) {
      const page = (await api.call('GET', `/certificates?limit=500&cursor=${encodeURIComponent(cursor)}`)).json<Page>();
      for (const item of page.items) serials.add(item.serial);
      count += page.items.length;
      cursor = page.nextCursor;
    }
    const total = await api.h.services.store.certificateCount();
    assert.equal(count, total);
    assert.equal(serials.size, total);
  });

  test('search finds one certificate among the seeded by its name, its DNS name or its serial', async () => {
    const target = seeded[777]!;
    for (const query of [
      `q=${target.subject.slice(3, 16)}`,
      `san=${target.dnsName}`,
      `q=${target.serial}`,
      `serial=${target.serial.toUpperCase()}`,
    ]) {
      const page = (await api.call('GET', `/certificates?${query}`)).json<Page>();
      assert.deepEqual(
        page.items.map((item) => item.serial),
        [target.serial],
        query,
      );
      assert.equal(page.nextCursor, null);
    }
  });

  test('filters by profile, status and expiry window together', async () => {
    const after = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const before = new Date(Date.now() + 200 * 86_400_000).toISOString();
    const page = (
      await api.call('GET', `/certificates?profile=server&status=valid&expiresAfter=${after}&expiresBefore=${before}&limit=500`)
    ).json<Page>();
    const expected = seeded.filter(
      (r) => r.profile === 'server' && !r.isRevoked && r.notAfter.toISOString() >= after && r.notAfter.toISOString() < before,
    );
    assert.equal(page.items.length, expected.length);
    for (const item of page.items) {
      assert.equal(item.profile, 'server');
      assert.equal(item.status, 'valid');
    }
    const revoked = (await api.call('GET', '/certificates?status=revoked&limit=500')).json<Page>();
    assert.ok(revoked.items.length >= seeded.filter((r) => r.isRevoked).length);
    assert.ok(revoked.items.every((item) => item.status === 'revoked' && item.revocationReason !== null && item.revokedAt !== null));
  });

  test('refuses malformed filters, huge or zero page sizes, bad cursors and unknown parameters with 400 problems', async () => {
    const bad = [
      'limit=501',
      'limit=0',
      'limit=100000000000',
      'limit=ten',
      'status=alive',
      'expiresAfter=yesterday',
      'expiresBefore=2030-13-45T00:00:00Z',
      'serial=xyz',
      'profile=Not%20A%20Profile',
      'cursor=garbage!',
      `cursor=${Buffer.from('1.zz.3').toString('base64url')}`,
      'colour=blue',
      'limit=5&limit=6',
      `q=${'a'.repeat(300)}`,
      'q=%00',
    ];
    for (const query of bad) assertProblem(await api.call('GET', `/certificates?${query}`), 400, 'API_QUERY_INVALID');
  });

  test('a certificate in detail: decoded fields, the chain to the root, the PEM', async () => {
    const target = seeded[5]!;
    const detail = (await api.call('GET', `/certificates/${target.serial}`)).json();
    assert.equal(detail['serial'], target.serial);
    assert.equal(detail['subject'], target.subject);
    assert.equal((detail['chain'] as string[]).length, 2);
    assert.match(detail['pem'] as string, /^-----BEGIN CERTIFICATE-----\n/);
    const decoded = detail['decoded'] as {
      version: number;
      publicKey: { algorithm: string; curve?: string };
      extensions: { name: string; value: string }[];
    };
    assert.equal(decoded.version, 3);
    assert.equal(decoded.publicKey.curve, 'P-256');
    assert.ok(
      decoded.extensions.some((extension) => extension.name === 'extKeyUsage' && extension.value === 'clientAuth'),
      JSON.stringify(decoded.extensions),
    );
  });

  test('an unknown serial is 404, a malformed one 400', async () => {
    assertProblem(await api.call('GET', '/certificates/abcdef0123456789'), 404, 'CA_CERT_NOT_FOUND');
    assertProblem(await api.call('GET', '/certificates/not-hex'), 400, 'API_QUERY_INVALID');
    assertProblem(await api.call('GET', `/certificates/${'a'.repeat(41)}`), 400, 'API_QUERY_INVALID');
    assertProblem(
      await api.call('POST', '/certificates/abcdef0123456789/revoke', { json: { reason: 'keyCompromise' } }),
      404,
      'CA_CERT_NOT_FOUND',
    );
    assertProblem(await api.call('GET', '/certificates/abcdef0123456789/download'), 404, 'CA_CERT_NOT_FOUND');
  });

  test('downloads as PEM with its chain, as DER, and as a PKCS#12 of certificates that openssl reads', async () => {
    const bob = await api.identity('bob-download', 'client');
    const pem = await api.call('GET', `/certificates/${bob.serial}/download?format=pem`);
    assert.equal(pem.status, 200);
    assert.equal(pem.headers['content-type'], 'application/x-pem-file');
    assert.equal(pem.body.toString().match(/BEGIN CERTIFICATE/g)?.length, 3);
    writeFileSync(`${temp.path}/chain.pem`, pem.body);
    const verified = await runTool('openssl', [
      'verify',
      '-CAfile',
      api.h.rootPem,
      '-untrusted',
      api.h.intermediatePem,
      `${temp.path}/chain.pem`,
    ]);
    assert.equal(verified.code, 0, verified.output);
    const der = await api.call('GET', `/certificates/${bob.serial}/download?format=der`);
    assert.equal(der.headers['content-type'], 'application/pkix-cert');
    assert.equal(der.body.toString('base64'), bob.cert.split('\n').slice(1, -2).join(''));
    const p12 = await api.call('GET', `/certificates/${bob.serial}/download?format=p12`);
    assert.equal(p12.headers['content-type'], 'application/x-pkcs12');
    assert.match(String(p12.headers['content-disposition']), new RegExp(`filename="${bob.serial}\\.p12"`));
    writeFileSync(`${temp.path}/bob.p12`, p12.body);
    const read = await runTool('openssl', ['pkcs12', '-in', `${temp.path}/bob.p12`, '-nokeys', '-passin', 'pass:']);
    assert.equal(read.code, 0, read.output);
    assert.equal(read.stdout.match(/BEGIN CERTIFICATE/g)?.length, 3);
    assertProblem(await api.call('GET', `/certificates/${bob.serial}/download?format=zip`), 400, 'API_QUERY_INVALID');
  });

  test('revokes with a reason: the audit entry names the admin, a second revoke is 409, a bad reason 400', async () => {
    const victim = await api.identity('victim', 'client');
    const revoked = await api.call('POST', `/certificates/${victim.serial}/revoke`, { json: { reason: 'key-compromise' } });
    assert.equal(revoked.status, 200, revoked.body.toString());
    assert.equal(revoked.json()['status'], 'revoked');
    assert.equal(revoked.json()['revocationReason'], 'keyCompromise');
    const entry = await api.h.services.store.lastAuditEntry('certificate.revoke');
    assert.equal(entry?.actor, `admin:${api.h.ca.issuer.id}/${api.admin.serial} ${api.admin.subject}`);
    assert.match(entry?.target ?? '', new RegExp(victim.serial));
    assertProblem(
      await api.call('POST', `/certificates/${victim.serial}/revoke`, { json: { reason: 'keyCompromise' } }),
      409,
      'STORE_ALREADY_REVOKED',
    );
    const other = await api.identity('other', 'client');
    assertProblem(
      await api.call('POST', `/certificates/${other.serial}/revoke`, { json: { reason: 'tired' } }),
      400,
      'CA_REVOCATION_REASON_UNKNOWN',
    );
  });

  test('refuses bad bodies: not JSON, wrong fields, wrong content type, too large, and a wrong method', async () => {
    const target = (await api.identity('body-target', 'client')).serial;
    const path = `/certificates/${target}/revoke`;
    assertProblem(
      await api.call('POST', path, { body: '{"reason":', headers: { 'content-type': 'application/json' } }),
      400,
      'API_BODY_INVALID',
    );
    assertProblem(await api.call('POST', path, { json: ['keyCompromise'] }), 400, 'API_BODY_INVALID');
    assertProblem(await api.call('POST', path, { json: { reason: 'keyCompromise', extra: 1 } }), 400, 'API_BODY_INVALID');
    assertProblem(await api.call('POST', path, { json: { reason: 7 } }), 400, 'API_BODY_INVALID');
    assertProblem(
      await api.call('POST', path, { body: 'reason=keyCompromise', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'HTTP_UNSUPPORTED_MEDIA_TYPE',
    );
    assertProblem(await api.call('POST', path, { json: { reason: 'x'.repeat(100_000) } }), 413, 'HTTP_BODY_TOO_LARGE');
    const wrongMethod = await api.call('DELETE', path);
    assertProblem(wrongMethod, 405, 'HTTP_METHOD_NOT_ALLOWED');
    assert.equal(wrongMethod.headers['allow'], 'POST');
    assertProblem(await api.call('GET', '/no/such/operation'), 404, 'HTTP_NOT_FOUND');
    // Nothing was revoked by any of it.
    assert.equal((await api.call('GET', `/certificates/${target}`)).json()['status'], 'valid');
  });

  test('issues from a CSR made by openssl, and renews; both audited as the admin', async () => {
    const key = `${temp.path}/issued.key`;
    const csr = `${temp.path}/issued.csr`;
    const made = await runTool('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-subj',
      '/CN=api-issued',
      '-out',
      csr,
    ]);
    assert.equal(made.code, 0, made.output);
    const issued = await api.call('POST', '/certificates', { json: { csr: readFileSync(csr, 'utf8'), profile: 'client', lifetime: '7d' } });
    assert.equal(issued.status, 201, issued.body.toString());
    const detail = issued.json<Summary & { pem: string }>();
    assert.equal(detail.subject, 'CN=api-issued');
    assert.equal(Date.parse(detail.notAfter) - Date.now() < 7 * 86_400_000 + 60_000, true);
    const actor = `admin:${api.h.ca.issuer.id}/${api.admin.serial} ${api.admin.subject}`;
    assert.equal((await api.h.services.store.lastAuditEntry('certificate.issue'))?.actor, actor);
    const renewed = await api.call('POST', `/certificates/${detail.serial}/renew`);
    assert.equal(renewed.status, 201, renewed.body.toString());
    assert.notEqual(renewed.json()['serial'], detail.serial);
    assert.equal((await api.h.services.store.lastAuditEntry('certificate.renew'))?.actor, actor);
    assertProblem(await api.call('POST', '/certificates', { json: { csr: 'not a csr', profile: 'client' } }), 400, 'PEM_NOT_FOUND');
    assertProblem(
      await api.call('POST', '/certificates', { json: { csr: readFileSync(csr, 'utf8'), profile: 'nosuch' } }),
      400,
      'CA_PROFILE_UNKNOWN',
    );
    assertProblem(
      await api.call('POST', '/certificates', { json: { csr: readFileSync(csr, 'utf8'), profile: 'client', lifetime: 'forever' } }),
      400,
      'CA_LIFETIME_INVALID',
    );
    assertProblem(
      await api.call('POST', '/certificates', { json: { csr: readFileSync(csr, 'utf8'), profile: 'client', lifetime: '3650d' } }),
      400,
      'CA_LIFETIME_EXCEEDED',
    );
  });
});
