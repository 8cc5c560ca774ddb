import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { auditEntryHash, auditPayloadHash, canonicalJson, GENESIS_HASH } from '../../src/audit/index.js';
import { openDataDir, unlockActiveIssuer, verifyStoreState } from '../../src/ca/index.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runProgram } from '../../src/cli/program.js';
import { CA_PASSPHRASE, copyCa, makeTempDir, tamperedCopy } from '../ca/support.js';
import { makePopulatedCa } from './populated-ca.js';

const temp = makeTempDir('symbolon-audit-state-');
let populated: string;
let passphraseFile: string;
/** `<issuer>/<serial>` of the four certificates issued: a, b (revoked, keyCompromise), c, d. */
const issued: string[] = [];

before(async () => {
  passphraseFile = join(temp.path, 'passphrase');
  writeFileSync(passphraseFile, CA_PASSPHRASE, { mode: 0o600 });
  const made = await makePopulatedCa(temp.path);
  populated = made.dir;
  issued.push(...made.issued);
});
after(() => temp.remove());

function tampered(edit: (db: Database.Database) => void, from = populated): string {
  return tamperedCopy(from, temp.path, edit);
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runProgram(args, COMMANDS, { out: (t) => void (out += t), err: (t) => void (err += t) }, '0.0.0');
  return { code, out, err };
}

const serialOf = (key: string): string => key.split('/')[1]!;

async function assertNamed(dir: string, ...patterns: RegExp[]): Promise<string> {
  const result = await cli('audit', 'verify', '--dir', dir);
  assert.equal(result.code, 1, result.out + result.err);
  assert.match(result.err, /symbolon: AUDIT_STATE_MISMATCH: \d+ differences? between the tables and the audit log/);
  for (const pattern of patterns) assert.match(result.err, pattern);
  return result.err;
}

test('an untouched CA verifies: the chain and every row', async () => {
  const result = await cli('audit', 'verify', '--dir', copyCa(populated, temp.path));
  assert.equal(result.code, 0, result.err);
  assert.match(
    result.out,
    /^Audit log verified: 8 entries; head 8:[0-9a-f]{64}\nTables match the log: 4 certificates, 1 revocations, issuers, OAuth clients, signing keys, enrollment tokens and configuration\n$/,
  );
});

test('names a revocation row deleted with the sqlite3 shell', async () => {
  const dir = tampered((db) => db.prepare('DELETE FROM revocations').run());
  await assertNamed(
    dir,
    new RegExp(`revocation: revocation of ${issued[1]} \\(keyCompromise, entry 8\\) is missing from the revocations table`),
  );
});

test('names a changed revocation reason', async () => {
  const dir = tampered((db) => db.prepare("UPDATE revocations SET reason = 'superseded'").run());
  await assertNamed(dir, new RegExp(`revocation of ${issued[1]}: reason is superseded, entry 8 recorded keyCompromise`));
});

test("names a certificate's changed not_after", async () => {
  const dir = tampered((db) =>
    db.prepare('UPDATE certificates SET not_after = not_after + 86400000 * 365 WHERE serial = ?').run(serialOf(issued[2]!)),
  );
  await assertNamed(dir, new RegExp(`certificate ${issued[2]}: not_after is \\S+, entry 6 recorded \\S+`));
});

test("names a certificate's swapped DER, with or without its fingerprint column changed to match", async () => {
  const swap = (withFingerprint: boolean) => (db: Database.Database) => {
    const other = db.prepare('SELECT der, fingerprint FROM certificates WHERE serial = ?').get(serialOf(issued[3]!)) as {
      der: Buffer;
      fingerprint: string;
    };
    if (withFingerprint)
      db.prepare('UPDATE certificates SET der = ?, fingerprint = ? WHERE serial = ?').run(
        other.der,
        other.fingerprint,
        serialOf(issued[0]!),
      );
    else db.prepare('UPDATE certificates SET der = ? WHERE serial = ?').run(other.der, serialOf(issued[0]!));
  };
  const named = new RegExp(`certificate ${issued[0]}: its DER \\(SHA-256 [0-9a-f]{16}\\.\\.\\.\\) is not the certificate entry 4 recorded`);
  await assertNamed(tampered(swap(true)), named);
  const err = await assertNamed(tampered(swap(false)), named);
  assert.match(err, /its fingerprint column [0-9a-f]{16}\.\.\. does not match its DER/);
});

test('names a certificate row inserted with the sqlite3 shell', async () => {
  const dir = tampered((db) =>
    db
      .prepare(
        `INSERT INTO certificates (issuer_id, serial, subject, subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at, audit_sequence)
         SELECT issuer_id, 'abcdef0123456789', 'CN=forged', subject_alt_names, profile, not_before, not_after, fingerprint, der, issued_at, audit_sequence FROM certificates LIMIT 1`,
      )
      .run(),
  );
  await assertNamed(
    dir,
    /certificate intermediate-1\/abcdef0123456789 \(CN=forged\) is in the certificates table but no audit entry records its issuance/,
  );
});

test('names a deleted certificate row, an inserted revocation row and a revocation moved to another certificate', async () => {
  const dir = tampered((db) => {
    db.prepare('DELETE FROM certificates WHERE serial = ?').run(serialOf(issued[3]!));
    const ids = db.prepare('SELECT id FROM certificates ORDER BY id').pluck().all() as number[];
    // The revocation of b now points at a's row: OCSP would answer good for b.
    db.prepare('UPDATE revocations SET certificate_id = ?').run(ids[0]);
    db.prepare(
      `INSERT INTO revocations (certificate_id, issuer_id, serial, reason, revoked_at, audit_sequence) VALUES (?, 'intermediate-1', ?, 'unspecified', 0, 8)`,
    ).run(ids[2], serialOf(issued[2]!));
  });
  await assertNamed(
    dir,
    new RegExp(`certificate ${issued[3]} \\(entry 7\\) is missing from the certificates table`),
    new RegExp(`the revocations table revokes ${issued[2]} \\(unspecified\\) but no audit entry records it`),
    new RegExp(`certificate ${issued[1]} does not carry its revocation \\(entry 8\\)`),
  );
});

test('names an issuer marked active against the log', async () => {
  const dir = tampered((db) => {
    db.prepare('UPDATE issuers SET is_active = 0').run();
    db.prepare("UPDATE issuers SET is_active = 1 WHERE id = 'root'").run();
  });
  const { store } = await openStore(dir);
  const result = await verifyStoreState(store).finally(() => store.close());
  assert.deepEqual(
    result.differences.map((d) => d.detail),
    [
      'issuer root is marked active; the log says intermediate-1 is',
      'issuer intermediate-1 is not marked active; the log made it the active issuer',
    ],
  );
});

async function openStore(dir: string) {
  // The raw store: openDataDir refuses a data directory with no active intermediate.
  const { openSqliteStore } = await import('../../src/store/index.js');
  return { store: openSqliteStore({ path: join(dir, 'symbolon.db'), mustExist: true }) };
}

test('a checkpoint catches a log cut short and one whose head was rewritten, which the chain alone cannot', async () => {
  const dir = copyCa(populated, temp.path);
  const checkpoint = join(temp.path, `checkpoint-${Date.now()}.json`);
  const made = await cli('audit', 'checkpoint', '--dir', dir, '--out', checkpoint, '--passphrase-file', passphraseFile);
  assert.equal(made.code, 0, made.err);
  assert.match(made.out, /^Checkpoint of entry 8 \([0-9a-f]{64}\) signed by intermediate-1, written to /);
  assert.equal((await cli('audit', 'verify', '--dir', dir, '--checkpoint', checkpoint)).code, 0);

  // Cut short: the revocation and its entry are gone, and the recorded head is moved back. The
  // chain and the tables agree with each other, so only the checkpoint can tell.
  const truncate = (db: Database.Database) => {
    db.prepare('DELETE FROM revocations').run();
    db.prepare('DELETE FROM audit_log WHERE sequence = 8').run();
    const seven = db.prepare('SELECT entry_hash FROM audit_log WHERE sequence = 7').pluck().get() as string;
    db.prepare("UPDATE meta SET value = ? WHERE key = 'audit_head'").run(`7:${seven}`);
  };
  const cut = tampered(truncate, dir);
  assert.equal((await cli('audit', 'verify', '--dir', cut)).code, 0, 'the chain alone cannot see it');
  const cutResult = await cli('audit', 'verify', '--dir', cut, '--checkpoint', checkpoint);
  assert.equal(cutResult.code, 1);
  assert.match(
    cutResult.err,
    /^symbolon: AUDIT_CHECKPOINT_NOT_EXTENDED: the checkpoint of \S+ signed entry 8, and the log has no entry 8: it was cut short\n$/,
  );

  // Rewritten: entry 8 replaced by a well-sealed entry that says something else.
  const rewritten = tampered((db) => {
    truncate(db);
    const seven = db.prepare('SELECT entry_hash FROM audit_log WHERE sequence = 7').pluck().get() as string;
    const payload = canonicalJson({ note: 'nothing happened' });
    const unsealed = {
      sequence: 8,
      at: new Date().toISOString(),
      actor: 'test',
      action: 'root.crl',
      target: 'root',
      payload,
      payloadHash: auditPayloadHash(payload),
      recordHash: auditPayloadHash(payload),
      previousHash: seven,
    };
    const entryHash = auditEntryHash(unsealed);
    db.prepare(
      'INSERT INTO audit_log (sequence, at, actor, action, target, payload, payload_hash, record_hash, previous_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      8,
      unsealed.at,
      unsealed.actor,
      unsealed.action,
      unsealed.target,
      payload,
      unsealed.payloadHash,
      unsealed.recordHash,
      seven,
      entryHash,
    );
    db.prepare("UPDATE meta SET value = ? WHERE key = 'audit_head'").run(`8:${entryHash}`);
  }, dir);
  assert.equal((await cli('audit', 'verify', '--dir', rewritten)).code, 0, 'the chain alone cannot see it');
  const rewrittenResult = await cli('audit', 'verify', '--dir', rewritten, '--checkpoint', checkpoint);
  assert.equal(rewrittenResult.code, 1);
  assert.match(
    rewrittenResult.err,
    /AUDIT_CHECKPOINT_NOT_EXTENDED: entry 8 is not the one the checkpoint of \S+ signed: the log was rewritten from there or before/,
  );
});

test('refuses a checkpoint that is altered, malformed or of another data directory', async () => {
  const dir = copyCa(populated, temp.path);
  const checkpoint = join(temp.path, `checkpoint-alter-${Date.now()}.json`);
  assert.equal((await cli('audit', 'checkpoint', '--dir', dir, '--out', checkpoint, '--passphrase-file', passphraseFile)).code, 0);
  const signed = JSON.parse(readFileSync(checkpoint, 'utf8')) as Record<string, unknown>;
  const variants: [string, string, RegExp][] = [
    [
      'an earlier sequence',
      JSON.stringify({ ...signed, sequence: 7 }),
      /AUDIT_CHECKPOINT_INVALID: the audit checkpoint signature does not verify/,
    ],
    ['not JSON', '{"format":', /AUDIT_CHECKPOINT_INVALID: the audit checkpoint is not JSON/],
    ['an array', '[]', /AUDIT_CHECKPOINT_INVALID/],
    [
      'no signature',
      JSON.stringify({ ...signed, signature: undefined }),
      /AUDIT_CHECKPOINT_INVALID: the audit checkpoint lacks its signature/,
    ],
    ['an unknown algorithm', JSON.stringify({ ...signed, algorithm: 'md5WithRSAEncryption' }), /AUDIT_CHECKPOINT_INVALID/],
    [
      'an unknown issuer',
      JSON.stringify({ ...signed, issuer: 'intermediate-9' }),
      /AUDIT_CHECKPOINT_INVALID: the audit checkpoint is signed by intermediate-9/,
    ],
    ['another store', JSON.stringify({ ...signed, storeId: 'x' }), /AUDIT_CHECKPOINT_FOREIGN/],
    ['a huge sequence', JSON.stringify({ ...signed, sequence: 1e300 }), /AUDIT_CHECKPOINT_INVALID: the audit checkpoint lacks its head/],
  ];
  for (const [what, text, expected] of variants) {
    const path = join(temp.path, `bad-${Date.now()}-${what.replaceAll(' ', '-')}.json`);
    writeFileSync(path, text);
    const result = await cli('audit', 'verify', '--dir', dir, '--checkpoint', path);
    assert.equal(result.code, 1, what);
    assert.match(result.err, expected, what);
  }
});

test('entries from before record hashes still verify, are said to predate them, and their rows are still compared', async () => {
  // What an older Symbolon wrote: no record hashes, entries sealed in format 1, payloads without
  // what the store now adds (an issuer's isActive, a revocation's time and feed sequence).
  const legacy = tampered((db) => {
    let previous = GENESIS_HASH;
    const rows = db.prepare('SELECT * FROM audit_log ORDER BY sequence').all() as Record<string, string | number>[];
    for (const row of rows) {
      const {
        isActive: _isActive,
        revokedAt: _revokedAt,
        feedSequence: _feedSequence,
        ...older
      } = JSON.parse(row['payload'] as string) as Record<string, unknown>;
      row['payload'] = canonicalJson(older);
      row['payload_hash'] = auditPayloadHash(row['payload']);
      const entry = {
        sequence: row['sequence'] as number,
        at: row['at'] as string,
        actor: row['actor'] as string,
        action: row['action'] as string,
        target: row['target'] as string,
        payload: row['payload'],
        payloadHash: row['payload_hash'],
        recordHash: null,
        previousHash: previous,
      };
      previous = auditEntryHash(entry);
      db.prepare(
        'UPDATE audit_log SET payload = ?, payload_hash = ?, record_hash = NULL, previous_hash = ?, entry_hash = ? WHERE sequence = ?',
      ).run(entry.payload, entry.payloadHash, entry.previousHash, previous, entry.sequence);
    }
    db.prepare("UPDATE meta SET value = ? WHERE key = 'audit_head'").run(`${rows.length}:${previous}`);
  });
  const good = await cli('audit', 'verify', '--dir', legacy);
  assert.equal(good.code, 0, good.err);
  assert.match(
    good.out,
    /\n8 entries predate record hashes \(written by an older Symbolon\): their rows were compared with the fields those entries recorded/,
  );
  const edited = tampered((db) => {
    db.prepare("UPDATE revocations SET reason = 'superseded'").run();
    db.prepare('UPDATE certificates SET not_after = not_after + 1000 WHERE serial = ?').run(serialOf(issued[0]!));
  }, legacy);
  await assertNamed(
    edited,
    new RegExp(`revocation of ${issued[1]}: reason is superseded, entry 8 recorded keyCompromise`),
    new RegExp(`certificate ${issued[0]}: not_after is`),
  );
});

test('every use of the root key leaves an audit entry: ca root-crl and ca intermediate create; the rotation is proved too', async () => {
  const { ROOT_PASSPHRASE } = await import('../ca/support.js');
  const dir = copyCa(populated, temp.path);
  const rootPassphraseFile = join(temp.path, `root-passphrase-${Date.now()}`);
  writeFileSync(rootPassphraseFile, ROOT_PASSPHRASE, { mode: 0o600 });
  const crl = await cli('ca', 'root-crl', '--dir', dir, '--root-passphrase-file', rootPassphraseFile);
  assert.equal(crl.code, 0, crl.err);
  const rotated = await cli(
    'ca',
    'intermediate',
    'create',
    '--dir',
    dir,
    '--root-passphrase-file',
    rootPassphraseFile,
    '--passphrase-file',
    passphraseFile,
  );
  assert.equal(rotated.code, 0, rotated.err);
  const { store } = await openStore(dir);
  try {
    const log = await store.readAuditLog(8, 10);
    assert.deepEqual(
      log.map((entry) => [entry.action, entry.target]),
      [
        ['root.crl', 'root'],
        ['issuer.add', 'intermediate-2'],
      ],
    );
    const payload = JSON.parse(log[0]!.payload) as { crlNumber: string; sha256: string };
    const { createHash } = await import('node:crypto');
    assert.equal(
      payload.sha256,
      createHash('sha256')
        .update(readFileSync(join(dir, 'crl/root.crl')))
        .digest('hex'),
    );
    assert.equal((JSON.parse(log[1]!.payload) as { isActive: unknown }).isActive, true);
  } finally {
    await store.close();
  }
  const verified = await cli('audit', 'verify', '--dir', dir);
  assert.equal(verified.code, 0, verified.err);
  // The rotation is state the log proves: the old intermediate made active again is named.
  const reverted = tampered((db) => {
    db.prepare('UPDATE issuers SET is_active = 0').run();
    db.prepare("UPDATE issuers SET is_active = 1 WHERE id = 'intermediate-1'").run();
  }, dir);
  await assertNamed(reverted, /issuer intermediate-1 is marked active; the log says intermediate-2 is/);
});

test('a check from a checkpoint reads only later entries, yet compares every revocation row and issuer and counts certificate rows', async () => {
  const dir = copyCa(populated, temp.path);
  const first = await openStore(dir);
  const proven = (await verifyStoreState(first.store).finally(() => first.store.close())).proven!;
  assert.equal(proven.head.sequence, 8);
  const edited = tampered((db) => {
    db.prepare('DELETE FROM revocations').run();
    db.prepare("UPDATE issuers SET subject = 'CN=someone else' WHERE id = 'intermediate-1'").run();
    db.prepare('DELETE FROM certificates WHERE serial = ?').run(serialOf(issued[0]!));
  }, dir);
  const { store } = await openStore(edited);
  try {
    const result = await verifyStoreState(store, { from: proven });
    assert.ok(result.chain.ok);
    assert.equal(result.entriesRead, 0);
    assert.deepEqual(
      result.differences.map((d) => d.detail),
      [
        `revocation of ${issued[1]} (keyCompromise, entry 8) is missing from the revocations table`,
        'the certificates table holds 3 rows; the log records 4 issuances (run `symbolon audit verify` to name them)',
        'issuer intermediate-1 differs from what entry 2 recorded',
      ],
    );
    // An entry before the checkpoint rewritten: the checkpoint's head is no longer in the log.
    const rewritten = tampered((db) => db.prepare('UPDATE audit_log SET entry_hash = ? WHERE sequence = 8').run('0'.repeat(64)), dir);
    const other = await openStore(rewritten);
    const broken = await verifyStoreState(other.store, { from: proven }).finally(() => other.store.close());
    assert.deepEqual(broken.chain, { ok: false, reason: 'edited', sequence: 8, detail: 'entry 8 is not the one the checkpoint verified' });
  } finally {
    await store.close();
  }
});

test("up's start check stores a signed checkpoint, starts from it, and raises the alarm for one that was altered", async () => {
  const { checkAuditAtStart, STORED_CHECKPOINT_FILE } = await import('../../src/ca/index.js');
  const dir = copyCa(populated, temp.path);
  const run = async () => {
    const dataDir = await openDataDir(dir, { actor: 'test', now: new Date() });
    try {
      const signer = await unlockActiveIssuer(dataDir, CA_PASSPHRASE);
      return await checkAuditAtStart(dataDir, { signer, configText: readFileSync(dataDir.paths.config, 'utf8'), now: new Date() });
    } finally {
      await dataDir.close();
    }
  };
  const first = await run();
  assert.deepEqual(first.problems, []);
  assert.equal(first.checkpoint, undefined);
  assert.ok(first.isCheckpointStored);
  const second = await run();
  assert.deepEqual(second.problems, []);
  assert.equal(second.checkpoint?.head.sequence, 8);
  assert.equal(second.verification.entriesRead, 0);

  const path = join(dir, STORED_CHECKPOINT_FILE);
  const stored = JSON.parse(readFileSync(path, 'utf8')) as { state: { revocations: unknown[] } };
  stored.state.revocations = [];
  writeFileSync(path, JSON.stringify(stored));
  const altered = await run();
  assert.equal(altered.checkpoint, undefined, 'the whole log is checked instead');
  assert.equal(altered.problems.length, 1);
  assert.match(
    altered.problems[0]!,
    /the stored checkpoint .* was refused \(AUDIT_CHECKPOINT_INVALID: the audit checkpoint signature does not verify/,
  );
  assert.equal(altered.isCheckpointStored, false, 'an alarm is not overwritten by a new checkpoint');
});
