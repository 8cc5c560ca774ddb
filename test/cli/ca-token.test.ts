import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { copyCa, makeTemplateCa, makeTempDir } from '../ca/support.js';
import { assertFailure, assertOk, runCli } from './run-cli.js';

const temp = makeTempDir('symbolon-token-cli-');
let template: string;

before(async () => {
  template = await makeTemplateCa(temp.path);
});
after(() => temp.remove());

function secretOf(stdout: string): { id: string; secret: string } {
  const id = /^ {2}id: {5}([0-9a-f]{16})$/m.exec(stdout)?.[1];
  const secret = /^ {2}secret: ([A-Za-z0-9_-]{43})$/m.exec(stdout)?.[1];
  assert.ok(id !== undefined && secret !== undefined, stdout);
  return { id, secret };
}

test('ca token create prints the secret once and stores only its keyed hash; list and revoke show and end it, each an audit entry', async () => {
  const dir = copyCa(template, temp.path);
  const created = await runCli([
    'ca',
    'token',
    'create',
    '--dir',
    dir,
    '--profile',
    'client',
    '--name',
    'sensor-*',
    '--uses',
    '3',
    '--ttl',
    '15m',
  ]);
  assertOk(created);
  const { id, secret } = secretOf(created.stdout);
  assert.match(created.stdout, /profile client, names sensor-\*, 3 uses, until /);
  assert.equal(statSync(join(dir, 'enrollment-token.key')).mode & 0o777, 0o600);

  const db = new Database(join(dir, 'symbolon.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT * FROM enrollment_tokens WHERE id = ?').get(id) as Record<string, unknown>;
    assert.match(String(row['secret_hash']), /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(row).includes(secret), 'the secret is not stored');
    const audit = db.prepare("SELECT payload FROM audit_log WHERE action = 'token.create'").pluck().all() as string[];
    assert.equal(audit.length, 1);
    assert.ok(!audit[0]!.includes(secret) && audit[0]!.includes(id));
  } finally {
    db.close();
  }

  const listed = await runCli(['ca', 'token', 'list', '--dir', dir, '--json']);
  assertOk(listed);
  const rows = JSON.parse(listed.stdout) as { id: string; state: string; usesLeft: number }[];
  assert.deepEqual(
    rows.map((row) => [row.id, row.state, row.usesLeft]),
    [[id, 'usable', 3]],
  );
  assert.ok(!listed.stdout.includes(secret));

  assertOk(await runCli(['ca', 'token', 'revoke', id, '--dir', dir]));
  const after = JSON.parse((await runCli(['ca', 'token', 'list', '--dir', dir, '--json'])).stdout) as { state: string }[];
  assert.equal(after[0]!.state, 'revoked');
  assertFailure(await runCli(['ca', 'token', 'revoke', id, '--dir', dir]), 1, 'STORE_TOKEN_ALREADY_REVOKED');
  assertFailure(await runCli(['ca', 'token', 'revoke', '0123456789abcdef', '--dir', dir]), 1, 'STORE_TOKEN_NOT_FOUND');
});

test('ca token create refuses bad patterns, uses, lifetimes, profiles and labels', async () => {
  const dir = copyCa(template, temp.path);
  const create = (...extra: string[]) => runCli(['ca', 'token', 'create', '--dir', dir, ...extra]);
  assertFailure(await create('--profile', 'client'), 2, 'USAGE');
  assertFailure(await create('--profile', 'client', '--name', 'a**'), 2, 'USAGE');
  assertFailure(await create('--profile', 'client', '--name', 'a', '--uses', '0'), 2, 'USAGE');
  assertFailure(await create('--profile', 'client', '--name', 'a', '--uses', 'many'), 2, 'USAGE');
  assertFailure(await create('--profile', 'client', '--name', 'a', '--ttl', '90d'), 2, 'USAGE');
  assertFailure(await create('--profile', 'nope', '--name', 'a'), 1, 'CA_PROFILE_UNKNOWN');
  assertFailure(await create('--profile', 'client', '--name', 'a', '--label', 'constructor'), 1, 'EST_LABEL_UNKNOWN');
  assertFailure(await create('--profile', 'client', '--name', 'a', '--label', 'server'), 2, 'USAGE');
  const listed = await runCli(['ca', 'token', 'list', '--dir', dir]);
  assertOk(listed);
  assert.match(listed.stdout, /No enrollment tokens/);
  assert.equal(readFileSync(join(dir, 'enrollment-token.key')).length, 32);
});
