import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { copyCa, makeTemplateCa } from '../../ca/support.js';
import { createTestDatabase } from '../../support/postgres-database.js';
import type { TestDatabase } from '../../support/postgres-database.js';
import { startEstHarness } from './est-harness.js';
import type { EstHarness } from './est-harness.js';

/** SQL for each store, run on the CA's database before EST starts: triggers that make a write fail for real. */
export interface StoreSetup {
  readonly sqlite: readonly string[];
  readonly postgres: readonly string[];
}

/**
 * An EST server over a new CA in `root` (made here), on SQLite or on a new PostgreSQL database
 * named after `name`, whose `device` profile requires approval, with `setup` run on its store first.
 */
export async function startEstOnStore(
  kind: 'sqlite' | 'postgres',
  root: string,
  name: string,
  setup: StoreSetup,
): Promise<{ est: EstHarness; database: TestDatabase | undefined }> {
  const database = kind === 'postgres' ? await createTestDatabase(name) : undefined;
  mkdirSync(root);
  const template = await makeTemplateCa(root, database === undefined ? {} : { database: database.url });
  appendFileSync(join(template, 'config.yaml'), '\nprofiles:\n  device:\n    extends: client\n    requireApproval: true\n');
  if (database === undefined) {
    const db = new Database(join(template, 'symbolon.db'));
    try {
      for (const sql of setup.sqlite) db.exec(sql);
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      for (const sql of setup.postgres) await client.query(sql);
    } finally {
      await client.end();
    }
  }
  return { est: await startEstHarness(copyCa(template, root), root), database };
}
