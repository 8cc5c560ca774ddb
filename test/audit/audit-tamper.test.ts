import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { auditPayloadHash, canonicalJson } from '../../src/audit/index.js';
import type { AuditFault } from '../../src/audit/index.js';
import { openDataDir, verifyStoreAudit } from '../../src/ca/index.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runProgram } from '../../src/cli/program.js';
import { copyCa, makeTempDir, tamperedCopy } from '../ca/support.js';
import { makePopulatedCa } from './populated-ca.js';

const temp = makeTempDir('symbolon-audit-');
let populated: string;

before(async () => {
  populated = (await makePopulatedCa(temp.path)).dir;
});
after(() => temp.remove());

/** A copy of the populated CA, edited with a raw SQLite connection as an attacker with file access would. */
function tampered(edit: (db: Database.Database) => void): string {
  return tamperedCopy(populated, temp.path, edit);
}

async function verify(dir: string): Promise<{ ok: boolean; reason?: AuditFault; sequence?: number }> {
  const dataDir = await openDataDir(dir, { actor: 'test', now: new Date() });
  try {
    return await verifyStoreAudit(dataDir.store);
  } finally {
    await dataDir.close();
  }
}

test('an untouched log verifies: init, intermediate, config, four issuances, a revocation', async () => {
  const result = await verify(copyCa(populated, temp.path));
  assert.deepEqual({ ok: result.ok, count: (result as { count?: number }).count }, { ok: true, count: 8 });
});

test('detects an edited field', async () => {
  const dir = tampered((db) => db.prepare("UPDATE audit_log SET actor = 'someone else' WHERE sequence = 5").run());
  assert.deepEqual(await verify(dir), { ok: false, reason: 'edited', sequence: 5, detail: 'entry 5 does not match its hash' });
});

test('detects an edited payload, even with its payload hash recomputed', async () => {
  const dir = tampered((db) => {
    const row = db.prepare('SELECT payload FROM audit_log WHERE sequence = 6').get() as { payload: string };
    const payload = canonicalJson({ ...JSON.parse(row.payload), subject: 'CN=forged' });
    db.prepare('UPDATE audit_log SET payload = ?, payload_hash = ? WHERE sequence = 6').run(payload, auditPayloadHash(payload));
  });
  const result = await verify(dir);
  assert.equal(result.ok, false);
  assert.equal(result.reason, 'edited');
  assert.equal(result.sequence, 6);
});

test('detects a removed entry', async () => {
  const dir = tampered((db) => db.prepare('DELETE FROM audit_log WHERE sequence = 4').run());
  const result = await verify(dir);
  assert.equal(result.reason, 'removed');
  assert.equal(result.sequence, 4);
});

test('detects a removed entry with the later ones renumbered to close the gap', async () => {
  const dir = tampered((db) => {
    db.prepare('DELETE FROM audit_log WHERE sequence = 4').run();
    for (let s = 5; s <= 8; s++) db.prepare('UPDATE audit_log SET sequence = ? WHERE sequence = ?').run(s - 1, s);
  });
  const result = await verify(dir);
  assert.equal(result.ok, false);
  assert.equal(result.sequence, 4);
});

test('detects two entries swapped in place', async () => {
  const dir = tampered((db) => {
    const columns = 'at, actor, action, target, payload, payload_hash, previous_hash, entry_hash';
    const five = db.prepare(`SELECT ${columns} FROM audit_log WHERE sequence = 5`).get() as Record<string, string>;
    const six = db.prepare(`SELECT ${columns} FROM audit_log WHERE sequence = 6`).get() as Record<string, string>;
    const set = db.prepare(
      'UPDATE audit_log SET at = @at, actor = @actor, action = @action, target = @target, payload = @payload, payload_hash = @payload_hash, previous_hash = @previous_hash, entry_hash = @entry_hash WHERE sequence = @sequence',
    );
    set.run({ ...six, sequence: 5 });
    set.run({ ...five, sequence: 6 });
  });
  assert.deepEqual(await verify(dir), { ok: false, reason: 'reordered', sequence: 5, detail: 'entry 5 links to an entry stored after it' });
});

test('detects entries reordered by renumbering', async () => {
  const dir = tampered((db) => {
    db.prepare('UPDATE audit_log SET sequence = -1 WHERE sequence = 5').run();
    db.prepare('UPDATE audit_log SET sequence = 5 WHERE sequence = 6').run();
    db.prepare('UPDATE audit_log SET sequence = 6 WHERE sequence = -1').run();
  });
  const result = await verify(dir);
  assert.equal(result.reason, 'reordered');
  assert.equal(result.sequence, 5);
});

test('detects the newest entry cut from the end', async () => {
  const dir = tampered((db) => db.prepare('DELETE FROM audit_log WHERE sequence = 8').run());
  assert.deepEqual(await verify(dir), {
    ok: false,
    reason: 'truncated',
    sequence: 8,
    detail: 'the log ends at entry 7 but the recorded head is entry 8',
  });
});

test('`symbolon audit verify` exits 0 on a good log and 1 with AUDIT_CHAIN_BROKEN on a bad one', async () => {
  const run = async (dir: string) => {
    let out = '';
    let err = '';
    const code = await runProgram(
      ['audit', 'verify', '--dir', dir],
      COMMANDS,
      { out: (t) => void (out += t), err: (t) => void (err += t) },
      '0.0.0',
    );
    return { code, out, err };
  };
  const good = await run(copyCa(populated, temp.path));
  assert.equal(good.code, 0, good.err);
  assert.match(
    good.out,
    /^Audit log verified: 8 entries; head 8:[0-9a-f]{64}\nTables match the log: 4 certificates, 1 revocations, issuers, OAuth clients, signing keys, enrollment tokens and configuration\n$/,
  );
  const bad = await run(tampered((db) => db.prepare("UPDATE audit_log SET target = 'x' WHERE sequence = 7").run()));
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^symbolon: AUDIT_CHAIN_BROKEN: edited at entry 7/);
});
