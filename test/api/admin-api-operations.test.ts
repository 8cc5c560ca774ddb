import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { OPENAPI_DOCUMENT } from '../../src/api/index.js';
import type { GatewayHealth } from '../../src/monitoring/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { startAdminApiHarness } from './support/admin-api-harness.js';
import type { AdminApiHarness, ApiAnswer } from './support/admin-api-harness.js';

const temp = makeTempDir('symbolon-api-ops-');
let api: AdminApiHarness;
const gateways: GatewayHealth[] = [
  {
    name: 'edge',
    metricsUrl: 'http://127.0.0.1:9/metrics',
    up: true,
    series: [{ at: '2030-01-01T00:00:00.000Z', requests: 10, rejections: { revoked: 2 } }],
  },
];

before(async () => {
  api = await startAdminApiHarness(await makeTemplateCa(temp.path), temp.path, { gateways: () => gateways });
});
after(async () => {
  await api?.close();
  temp.remove();
});

function assertProblem(answer: ApiAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.body.toString());
  assert.equal(answer.json()['code'], code);
}

const adminActor = (): string => `admin:${api.h.ca.issuer.id}/${api.admin.serial} ${api.admin.subject}`;

describe('admin API: tokens, approvals, audit, stats, gateways, OpenAPI', () => {
  test('makes an enrollment token (its secret shown once), lists it without the secret, revokes it', async () => {
    const made = await api.call('POST', '/tokens', { json: { names: ['sensor-*'], profile: 'client', uses: 3, expiresIn: '2h' } });
    assert.equal(made.status, 201, made.body.toString());
    const token = made.json<{ id: string; secret: string; usesLeft: number; state: string }>();
    assert.match(token.secret, /\S{20,}/);
    assert.equal(token.usesLeft, 3);
    assert.equal(token.state, 'usable');
    assert.equal((await api.h.services.store.lastAuditEntry('token.create'))?.actor, adminActor());
    const listed = (await api.call('GET', '/tokens')).json<{ items: Record<string, unknown>[] }>();
    const shown = listed.items.find((item) => item['id'] === token.id)!;
    assert.equal(shown['secret'], undefined);
    assert.ok(!JSON.stringify(listed).includes(token.secret));
    const revoked = await api.call('DELETE', `/tokens/${token.id}`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.json()['state'], 'revoked');
    assert.equal((await api.h.services.store.lastAuditEntry('token.revoke'))?.actor, adminActor());
    assertProblem(await api.call('DELETE', `/tokens/${token.id}`), 409, 'STORE_TOKEN_ALREADY_REVOKED');
    assertProblem(await api.call('DELETE', '/tokens/0123456789abcdef'), 404, 'STORE_TOKEN_NOT_FOUND');
    assertProblem(await api.call('DELETE', '/tokens/nope'), 400, 'API_QUERY_INVALID');
    assertProblem(await api.call('POST', '/tokens', { json: { names: [], profile: 'client' } }), 400, 'API_BODY_INVALID');
    assertProblem(await api.call('POST', '/tokens', { json: { names: ['a'], profile: 'client', uses: 0 } }), 400, 'USAGE');
    assertProblem(await api.call('POST', '/tokens', { json: { names: ['a'], profile: 'client', expiresIn: '365d' } }), 400, 'USAGE');
    assertProblem(await api.call('POST', '/tokens', { json: { names: ['a'], profile: 'ghost' } }), 400, 'CA_PROFILE_UNKNOWN');
  });

  test('approves and rejects enrollments held for approval, each once', async () => {
    const store = api.h.services.store;
    const hold = (id: string) =>
      store.addPendingEnrollment(
        {
          id,
          requester: 'token:0000000000000001',
          profile: 'admin',
          label: null,
          subject: `CN=${id}`,
          subjectAltNames: [],
          csr: Buffer.from('csr'),
          renewalOf: null,
          requestedAt: new Date(),
        },
        { at: new Date(), actor: 'test', action: 'enrollment.request', target: `enrollment/${id}`, payload: {} },
      );
    await hold('00000000000000a1');
    await hold('00000000000000a2');
    const pending = (await api.call('GET', '/approvals')).json<{ items: { id: string; status: string }[] }>();
    assert.deepEqual(pending.items.map((item) => item.id).sort(), ['00000000000000a1', '00000000000000a2']);
    const approved = await api.call('POST', '/approvals/00000000000000a1/approve');
    assert.equal(approved.status, 200, approved.body.toString());
    assert.equal(approved.json()['status'], 'approved');
    assert.equal(approved.json()['decidedBy'], adminActor());
    const rejected = await api.call('POST', '/approvals/00000000000000a2/reject', { json: { reason: 'unknown device' } });
    assert.equal(rejected.json()['status'], 'rejected');
    const entry = await store.lastAuditEntry('enrollment.reject');
    assert.equal(entry?.actor, adminActor());
    assert.equal((JSON.parse(entry?.payload ?? '{}') as { reason?: string }).reason, 'unknown device');
    assertProblem(await api.call('POST', '/approvals/00000000000000a1/reject'), 409, 'STORE_ENROLLMENT_DECIDED');
    assertProblem(await api.call('POST', '/approvals/00000000000000ff/approve'), 404, 'STORE_ENROLLMENT_NOT_FOUND');
    assertProblem(await api.call('POST', '/approvals/xyz/approve'), 400, 'API_QUERY_INVALID');
    assertProblem(await api.call('GET', '/approvals?status=maybe'), 400, 'API_QUERY_INVALID');
    assert.equal((await api.call('GET', '/approvals?status=all')).json<{ items: unknown[] }>().items.length, 2);
  });

  test('the audit log, newest first in pages, with its chain intact; an edited entry shows the chain broken', async () => {
    const first = (await api.call('GET', '/audit?limit=3')).json<{
      items: { sequence: number; actor: string }[];
      nextCursor: string;
      chain: { status: string; checkedEntries: number; brokenAt: number | null };
    }>();
    const head = await api.h.services.store.auditHead();
    assert.deepEqual(
      first.items.map((item) => item.sequence),
      [head.sequence, head.sequence - 1, head.sequence - 2],
    );
    assert.deepEqual(first.chain, { status: 'intact', checkedEntries: head.sequence, brokenAt: null });
    const second = (await api.call('GET', `/audit?limit=3&cursor=${first.nextCursor}`)).json<{ items: { sequence: number }[] }>();
    assert.equal(second.items[0]!.sequence, head.sequence - 3);
    let cursor: string | null = first.nextCursor;
    let seen = 3;
    while (cursor !== null) {
      const page: { items: unknown[]; nextCursor: string | null } = (await api.call('GET', `/audit?limit=500&cursor=${cursor}`)).json();
      seen += page.items.length;
      cursor = page.nextCursor;
    }
    assert.equal(seen, head.sequence);
    assertProblem(await api.call('GET', '/audit?cursor=-1'), 400, 'API_QUERY_INVALID');
    assertProblem(await api.call('GET', '/audit?limit=100000'), 400, 'API_QUERY_INVALID');
    // Someone with the database file rewrites entry 2: a full check (forced by moving the clock) finds it.
    const db = new Database(join(api.h.dir, 'symbolon.db'));
    try {
      db.prepare(`UPDATE audit_log SET actor = 'someone else' WHERE sequence = 2`).run();
    } finally {
      db.close();
    }
    api.shiftClock(10 * 60_000);
    try {
      const broken = (await api.call('GET', '/audit?limit=1')).json<{ chain: { status: string; brokenAt: number } }>();
      assert.deepEqual(broken.chain, { status: 'broken', checkedEntries: 1, brokenAt: 2 });
    } finally {
      api.shiftClock(0);
    }
  });

  test('statistics: counts by profile and status, soonest expiry, revocations, the expiry timeline', async () => {
    const stats = (await api.call('GET', '/stats')).json<{
      byProfile: Record<string, Record<string, number>>;
      soonestExpiry: string | null;
      revocations: number;
      expiryTimeline: { day: string; profile: string; count: number }[];
    }>();
    assert.ok((stats.byProfile['admin']?.['valid'] ?? 0) >= 1);
    assert.equal(typeof stats.revocations, 'number');
    assert.ok(stats.soonestExpiry !== null && Date.parse(stats.soonestExpiry) > Date.now());
    // The admin certificate (30 days) is on the timeline.
    assert.ok(stats.expiryTimeline.some((entry) => entry.profile === 'admin' && /^\d{4}-\d{2}-\d{2}$/.test(entry.day)));
    assertProblem(await api.call('GET', '/stats?x=1'), 400, 'API_QUERY_INVALID');
  });

  test('gateways: what up scraped, as given', async () => {
    assert.deepEqual((await api.call('GET', '/gateways')).json(), { gateways });
  });

  test('the OpenAPI document is OpenAPI 3.1 JSON and lists exactly the operations the API serves', async () => {
    const answer = await api.call('GET', '/openapi.json');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/json');
    const document = answer.json<typeof OPENAPI_DOCUMENT>();
    assert.equal(document.openapi, '3.1.0');
    assert.equal(typeof document.info.title, 'string');
    assert.equal(typeof document.info.version, 'string');
    const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
    const documented = Object.entries(
      document.paths as Record<string, Record<string, { responses?: unknown; parameters?: { name: string; in: string }[] }>>,
    ).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const served = (await api.routes()).map((route) => `${route.method} ${route.path}`);
    assert.deepEqual([...documented].sort(), [...served].sort());
    // OpenAPI 3.1 rules a plain parse would not catch: every operation has responses; every path
    // template variable is a declared path parameter; every $ref resolves inside the document.
    for (const [path, item] of Object.entries(
      document.paths as Record<
        string,
        Record<string, { responses?: unknown; parameters?: { name: string; in: string; required?: boolean }[] }>
      >,
    )) {
      assert.match(path, /^\//);
      for (const [method, operation] of Object.entries(item)) {
        assert.ok(METHODS.includes(method), `${path}: ${method}`);
        assert.ok(
          operation.responses !== undefined && Object.keys(operation.responses as object).length > 0,
          `${method} ${path} has responses`,
        );
        const variables = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
        assert.deepEqual(declared.map((p) => p.name).sort(), variables.sort(), `${method} ${path} path parameters`);
        assert.ok(declared.every((p) => p.required === true));
      }
    }
    const text = JSON.stringify(document);
    for (const [, pointer] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      let node: unknown = document;
      for (const part of pointer!.split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
      assert.ok(node !== undefined, `$ref #/${pointer} resolves`);
    }
  });
});
