/**
 * A PostgreSQL database of its own for a test: created on the machine's cluster (127.0.0.1:5432,
 * user postgres, trust authentication, or SYMBOLON_TEST_POSTGRES_URL naming another server's
 * maintenance database) under a unique name, and dropped afterwards. When the server cannot be
 * reached the test fails with that said: the PostgreSQL tests are never skipped.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env['SYMBOLON_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** postgres://... of the new, empty database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>, adminUrl = ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${adminUrl} (${(error as Error).message}); the PostgreSQL tests need it: start it (\`.ci/run\` does) or set SYMBOLON_TEST_POSTGRES_URL`,
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name (`symbolon_test_<label>_<random>`) on the server of `adminUrl`. */
export async function createTestDatabase(label: string, adminUrl = ADMIN_URL): Promise<TestDatabase> {
  const name = `symbolon_test_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 20)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`), adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), adminUrl).then(() => undefined),
  };
}
