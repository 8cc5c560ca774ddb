import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { verifyAuditChain } from '../../src/audit/index.js';
import { isSymbolonError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite-migrations.js';
import { certificate, draft, issuer, runStoreContract } from './store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'symbolon-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

runStoreContract('sqlite', () => {
  const path = join(root, `contract-${++counter}.db`);
  let store: Store = openSqliteStore({ path });
  return {
    get store() {
      return store;
    },
    reopen: async () => {
      await store.close();
      store = openSqliteStore({ path });
      return store;
    },
    dispose: async () => {
      await store.close();
      rmSync(path, { force: true });
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
    },
  };
});

function throwsCode(action: () => unknown, code: ErrorCode): void {
  assert.throws(action, (error: unknown) => isSymbolonError(error) && error.code === code);
}

describe('sqlite store', () => {
  test('uses WAL, foreign keys and a recorded migration', async () => {
    const path = join(root, 'pragmas.db');
    const store = openSqliteStore({ path });
    await store.close();
    const raw = new Database(path);
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.deepEqual(
        raw.prepare('SELECT version FROM schema_migrations').pluck().all(),
        SQLITE_MIGRATIONS.map((migration) => migration.version),
      );
    } finally {
      raw.close();
    }
  });

  test('the database itself refuses a second certificate with the same issuer and serial', async () => {
    const path = join(root, 'unique.db');
    const store = openSqliteStore({ path });
    await store.addIssuer(issuer('root', null, true), draft('ca.init', 'root'));
    await store.recordIssuance(certificate('root', '01'), draft('certificate.issue', 'root/01'));
    await store.close();
    const raw = new Database(path);
    try {
      assert.throws(
        () =>
          raw
            .prepare(
              `INSERT INTO certificates (issuer_id, serial, subject, subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at, audit_sequence)
                           VALUES ('root', '01', 'x', '[]', 'p', 0, 0, 'f', x'00', 0, 1)`,
            )
            .run(),
        /UNIQUE constraint failed: certificates.issuer_id, certificates.serial/,
      );
    } finally {
      raw.close();
    }
  });

  test('refuses a file that is not a database', () => {
    const path = join(root, 'garbage.db');
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    throwsCode(() => openSqliteStore({ path }), 'STORE_CORRUPT');
  });

  test("refuses another program's SQLite database", () => {
    const path = join(root, 'foreign.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE contacts (name TEXT)');
    raw.close();
    throwsCode(() => openSqliteStore({ path }), 'STORE_CORRUPT');
  });

  test('refuses a database with a newer schema', async () => {
    const path = join(root, 'newer.db');
    await openSqliteStore({ path }).close();
    const raw = new Database(path);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run('future');
    raw.close();
    throwsCode(() => openSqliteStore({ path }), 'STORE_VERSION_UNSUPPORTED');
  });

  test('refuses a missing file when it must exist', () => {
    throwsCode(() => openSqliteStore({ path: join(root, 'missing.db'), mustExist: true }), 'STORE_UNAVAILABLE');
  });

  test('two connections to one file write one chain: each transaction starts from the recorded head', async () => {
    const path = join(root, 'two-writers.db');
    const first = openSqliteStore({ path });
    const second = openSqliteStore({ path });
    try {
      await first.addIssuer(issuer('root', null, true), draft('ca.init', 'root'));
      for (let i = 1; i <= 6; i++) {
        const writer = i % 2 === 0 ? first : second;
        await writer.recordIssuance(certificate('root', i.toString(16).padStart(2, '0')), draft('certificate.issue', `root/${i}`));
      }
      const log = await first.readAuditLog(0, 100);
      assert.equal(log.length, 7);
      assert.ok(verifyAuditChain(log, await second.auditHead()).ok);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
