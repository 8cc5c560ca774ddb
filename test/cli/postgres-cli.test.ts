import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runProgram } from '../../src/cli/program.js';
import { makeTempDir } from '../ca/support.js';
import { createTestDatabase } from '../support/postgres-database.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres-migrations.js';
import type { TestDatabase } from '../support/postgres-database.js';

const temp = makeTempDir('symbolon-pg-cli-');
const rootPass = join(temp.path, 'root.pass');
const caPass = join(temp.path, 'ca.pass');
let database: TestDatabase;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runProgram(args, COMMANDS, { out: (t) => void (out += t), err: (t) => void (err += t) }, '0.0.0');
  return { code, out, err };
}

before(async () => {
  writeFileSync(rootPass, 'root passphrase, kept offline\n');
  writeFileSync(caPass, 'intermediate passphrase\n');
  database = await createTestDatabase('cli');
});
after(async () => {
  await database.drop();
  temp.remove();
});

describe('the CA on PostgreSQL from the command line', () => {
  test('db migrate creates the schema once; ca init --database records it in config.yaml; a copy of the data directory is a second node on the same records', async () => {
    const first = await cli('db', 'migrate', '--database', database.url);
    assert.equal(first.code, 0, first.err);
    const versions = POSTGRES_MIGRATIONS.map((migration) => migration.version);
    assert.ok(first.out.includes(`applied schema versions ${versions.join(', ')}; schema at version ${Math.max(...versions)}`), first.out);
    assert.match((await cli('db', 'migrate', '--database', database.url)).out, /nothing to apply/);

    const nodeA = join(temp.path, 'node-a');
    const init = await cli(
      'ca',
      'init',
      '--dir',
      nodeA,
      '--database',
      database.url,
      '--root-passphrase-file',
      rootPass,
      '--passphrase-file',
      caPass,
    );
    assert.equal(init.code, 0, init.err);
    assert.match(
      readFileSync(join(nodeA, 'config.yaml'), 'utf8'),
      new RegExp(`^database: "${database.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"$`, 'm'),
    );
    assert.equal(existsSync(join(nodeA, 'symbolon.db')), false, 'no SQLite file beside a PostgreSQL store');
    const nodeB = join(temp.path, 'node-b');
    cpSync(nodeA, nodeB, { recursive: true });

    const issued = await cli(
      'ca',
      'issue',
      '--dir',
      nodeA,
      '--passphrase-file',
      caPass,
      '--profile',
      'client',
      '--name',
      'alice',
      '--out',
      join(temp.path, 'alice'),
    );
    assert.equal(issued.code, 0, issued.err);
    const listed = JSON.parse((await cli('ca', 'list', '--dir', nodeB, '--json')).out) as { serial: string; status: string }[];
    assert.equal(listed.length, 1);
    const revoked = await cli('ca', 'revoke', listed[0]!.serial, '--reason', 'keyCompromise', '--dir', nodeB);
    assert.equal(revoked.code, 0, revoked.err);
    assert.equal((JSON.parse((await cli('ca', 'show', listed[0]!.serial, '--dir', nodeA)).out) as { status: unknown }).status, 'revoked');
    const audit = await cli('audit', 'verify', '--dir', nodeA);
    assert.equal(audit.code, 0, audit.err);
  });

  test('refuses a malformed database URL, an unmigrated database and a password in config.yaml, each with its code', async () => {
    const bad = await cli('db', 'migrate', '--database', 'mysql://root@127.0.0.1/symbolon');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^symbolon: STORE_DATABASE_URL_INVALID: /);

    const empty = await createTestDatabase('cli-empty');
    try {
      const dir = join(temp.path, 'node-a');
      const unmigrated = await cli('ca', 'list', '--dir', dir, '--database', empty.url);
      assert.equal(unmigrated.code, 1);
      assert.match(unmigrated.err, /^symbolon: STORE_MIGRATION_REQUIRED: .*symbolon db migrate/);
    } finally {
      await empty.drop();
    }

    const withPassword = join(temp.path, 'node-password');
    cpSync(join(temp.path, 'node-a'), withPassword, { recursive: true });
    const config = join(withPassword, 'config.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(/^database: .*$/m, 'database: "postgres://postgres:hunter2@127.0.0.1:5432/x"'),
    );
    const refused = await cli('ca', 'list', '--dir', withPassword);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /^symbolon: CA_CONFIG_INVALID: .*PGPASSWORD/);
    assert.doesNotMatch(refused.err, /hunter2/);
  });
});
