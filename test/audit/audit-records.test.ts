/**
 * OAuth clients, published token signing keys and enrollment tokens proved against the audit log
 * the same way as certificates and revocations: rows edited with the sqlite3 shell, as an attacker with the
 * database file would, are named by `symbolon audit verify` (exit 1) and by up's start check.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  createCertificateAuthority,
  openDataDir,
  signAuditCheckpoint,
  STORED_CHECKPOINT_FILE,
  unlockActiveIssuer,
  verifyStoreState,
} from '../../src/ca/index.js';
import { generateKeyRequest } from '../../src/keys/index.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runProgram } from '../../src/cli/program.js';
import { CA_PASSPHRASE, copyCa, makeTempDir } from '../ca/support.js';
import { runCli } from '../cli/run-cli.js';
import { killAllUp, spawnUp, stopUp } from '../cli/up-process.js';
import { makePopulatedCa } from './populated-ca.js';

const temp = makeTempDir('symbolon-audit-records-');
let populated: string;
/** An enrollment token used once of its three uses, and one revoked. */
let usedToken: string;
let revokedToken: string;
let passphraseFile: string;
const KEY = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runProgram(args, COMMANDS, { out: (t) => void (out += t), err: (t) => void (err += t) }, '0.0.0');
  return { code, out, err };
}

before(async () => {
  populated = (await makePopulatedCa(temp.path)).dir;
  passphraseFile = join(temp.path, 'passphrase');
  writeFileSync(passphraseFile, CA_PASSPHRASE, { mode: 0o600 });
  for (const args of [
    ['add', 'billing', '--subject-dn', 'CN=billing', '--scope', 'read', '--audience', 'https://api.example'],
    ['add', 'retired', '--san-dns', 'retired.example', '--scope', 'read', '--audience', 'https://api.example'],
    ['remove', 'retired'],
  ]) {
    const result = await cli('oauth', 'client', ...args, '--dir', populated);
    assert.equal(result.code, 0, result.err);
  }
  const dataDir = await openDataDir(populated, { actor: 'test', now: new Date() });
  try {
    const createdAt = new Date();
    await dataDir.store.publishSigningKey(
      {
        kid: 'k-node-a',
        jwk: { ...KEY, kid: 'k-node-a', alg: 'ES256', use: 'sig' },
        createdAt,
        expiresAt: new Date(createdAt.getTime() + 3600_000),
      },
      { at: createdAt, actor: 'test', action: 'oauth.key.publish', target: 'oauth-key/k-node-a', payload: { kid: 'k-node-a' } },
    );
  } finally {
    await dataDir.close();
  }
  const tokenIds: string[] = [];
  for (let i = 0; i < 2; i++) {
    const created = await cli('ca', 'token', 'create', '--profile', 'client', '--name', 'sensor-*', '--uses', '3', '--dir', populated);
    assert.equal(created.code, 0, created.err);
    tokenIds.push(/id: +([0-9a-f]{16})/.exec(created.out)![1]!);
  }
  [usedToken, revokedToken] = tokenIds as [string, string];
  assert.equal((await cli('ca', 'token', 'revoke', revokedToken, '--dir', populated)).code, 0);
  const again = await openDataDir(populated, { actor: 'test', now: new Date() });
  try {
    // A use as EST takes it: with the certificate it pays for, in one transaction.
    const now = new Date();
    const ca = createCertificateAuthority({
      store: again.store,
      config: again.config,
      issuer: await unlockActiveIssuer(again, CA_PASSPHRASE),
      clock: () => now,
      random: randomBytes,
    });
    const key = await generateKeyRequest('p256');
    await ca.issue(
      { subject: [[{ type: '2.5.4.3', value: 'sensor-1' }]], subjectAltNames: [], publicKey: key.publicKey, spki: key.spki },
      {
        profile: 'client',
        actor: `est:token:${usedToken}`,
        tokenUse: {
          id: usedToken,
          at: now,
          audit: {
            at: now,
            actor: `est:token:${usedToken}`,
            action: 'token.use',
            target: `token/${usedToken}`,
            payload: { operation: 'simpleenroll' },
          },
        },
      },
    );
  } finally {
    await again.close();
  }
});
after(() => {
  killAllUp();
  temp.remove();
});

/** A copy of the CA whose database the sqlite3 shell changed with `sql`. */
function tampered(sql: string): string {
  const dir = copyCa(populated, temp.path);
  const result = spawnSync('sqlite3', [join(dir, 'symbolon.db'), sql], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(result.status, 0, result.stderr);
  return dir;
}

async function assertNamed(dir: string, ...patterns: RegExp[]): Promise<void> {
  const result = await cli('audit', 'verify', '--dir', dir);
  assert.equal(result.code, 1, result.out + result.err);
  assert.match(result.err, /symbolon: AUDIT_STATE_MISMATCH: \d+ differences? between the tables and the audit log/);
  for (const pattern of patterns) assert.match(result.err, pattern);
}

test('untouched OAuth clients, signing keys and enrollment tokens verify', async () => {
  const result = await cli('audit', 'verify', '--dir', copyCa(populated, temp.path));
  assert.equal(result.code, 0, result.err);
});

test('names an OAuth client row inserted with the sqlite3 shell', async () => {
  const dir = tampered(
    `INSERT INTO oauth_clients (id, auth_method, certificate_name, jwks, scopes, audiences, created_at)
     VALUES ('mallory', 'tls_client_auth', '{"kind":"subject_dn","value":"CN=mallory"}', NULL, '["read","write"]', '["https://api.example"]', 0)`,
  );
  await assertNamed(dir, /oauth-client: OAuth client mallory is in the table but no audit entry records it/);
});

test('names an OAuth client whose scopes or certificate name were changed', async () => {
  await assertNamed(
    tampered(`UPDATE oauth_clients SET scopes = '["read","admin"]' WHERE id = 'billing'`),
    /oauth-client: OAuth client billing differs from what entry \d+ recorded/,
  );
  await assertNamed(
    tampered(`UPDATE oauth_clients SET certificate_name = '{"kind":"subject_dn","value":"CN=mallory"}' WHERE id = 'billing'`),
    /OAuth client billing differs from what entry \d+ recorded/,
  );
});

test('names a removed OAuth client put back, and a registered one deleted', async () => {
  await assertNamed(
    tampered(
      `INSERT INTO oauth_clients (id, auth_method, certificate_name, jwks, scopes, audiences, created_at)
       SELECT 'retired', auth_method, '{"kind":"san_dns","value":"retired.example"}', jwks, scopes, audiences, created_at FROM oauth_clients WHERE id = 'billing'`,
    ),
    /OAuth client retired is in the table but entry \d+ removed it/,
  );
  await assertNamed(
    tampered(`DELETE FROM oauth_clients WHERE id = 'billing'`),
    /oauth-client\/billing \(entry \d+\) is missing from its table/,
  );
});

test('names a signing key inserted, swapped or deleted: a forged issuer key', async () => {
  await assertNamed(
    tampered(
      `INSERT INTO oauth_signing_keys (kid, jwk, created_at, expires_at, audit_sequence)
       SELECT 'k-forged', replace(jwk, 'k-node-a', 'k-forged'), created_at, expires_at, audit_sequence FROM oauth_signing_keys`,
    ),
    /signing-key: token signing key k-forged is in the table but no audit entry records it/,
  );
  await assertNamed(
    tampered(`UPDATE oauth_signing_keys SET jwk = replace(jwk, '${KEY.x}', 'AAAA${KEY.x.slice(4)}')`),
    /signing-key: token signing key k-node-a differs from what entry \d+ recorded/,
  );
  await assertNamed(
    tampered(`UPDATE oauth_signing_keys SET expires_at = expires_at + 86400000000`),
    /token signing key k-node-a differs from what entry \d+ recorded/,
  );
  await assertNamed(tampered('DELETE FROM oauth_signing_keys'), /oauth-key\/k-node-a \(entry \d+\) is missing from its table/);
});

test('names an enrollment token inserted, given back its uses, un-revoked or moved to another profile', async () => {
  await assertNamed(
    tampered(
      `INSERT INTO enrollment_tokens (id, secret_hash, profile, names, label, uses, uses_left, expires_at, created_at, revoked_at)
       VALUES ('00000000000000ee', '${'ab'.repeat(32)}', 'client', '["*"]', NULL, 1000, 1000, 32503680000000, 0, NULL)`,
    ),
    /enrollment-token: enrollment token 00000000000000ee is in the table but no audit entry records it/,
  );
  await assertNamed(
    tampered(`UPDATE enrollment_tokens SET uses_left = uses WHERE id = '${usedToken}'`),
    new RegExp(`enrollment token ${usedToken} has 3 use\\(s\\) left, not revoked; the log says 2 use\\(s\\) left, not revoked`),
  );
  await assertNamed(
    tampered(`UPDATE enrollment_tokens SET revoked_at = NULL WHERE id = '${revokedToken}'`),
    new RegExp(`enrollment token ${revokedToken} has 3 use\\(s\\) left, not revoked; the log says 3 use\\(s\\) left, revoked at `),
  );
  await assertNamed(
    tampered(`UPDATE enrollment_tokens SET profile = 'server', names = '["*"]' WHERE id = '${usedToken}'`),
    new RegExp(`enrollment token ${usedToken} differs from what entry \\d+ recorded`),
  );
});

test("up's start check raises the alarm for an OAuth client row no entry records, from its stored checkpoint too", async () => {
  const dir = copyCa(populated, temp.path);
  const args = ['--dir', dir, '--listen', '127.0.0.1:0', '--no-tls', '--passphrase-file', passphraseFile];
  // A first start stores the checkpoint (with the clients and keys it proved), so the second one starts from it.
  const first = spawnUp(args);
  await first.ready;
  assert.match(first.stdout(), /Audit: /);
  assert.doesNotMatch(first.stdout(), /ALARM/, first.stdout() + first.stderr());
  await stopUp(first);
  const sql = spawnSync(
    'sqlite3',
    [
      join(dir, 'symbolon.db'),
      `INSERT INTO oauth_clients (id, auth_method, certificate_name, jwks, scopes, audiences, created_at)
       VALUES ('mallory', 'tls_client_auth', '{"kind":"subject_dn","value":"CN=mallory"}', NULL, '["read"]', '["https://api.example"]', 0)`,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  assert.equal(sql.status, 0, sql.stderr);
  const second = spawnUp(args);
  await second.ready;
  assert.match(
    second.stderr(),
    /symbolon: AUDIT_STATE_MISMATCH: oauth-client: OAuth client mallory is in the table but no audit entry records it/,
  );
  assert.match(second.stdout(), /Audit: ALARM: 1 problem\(s\)/);
  await stopUp(second);
  const verified = await runCli(['audit', 'verify', '--dir', dir]);
  assert.equal(verified.code, 1);
  assert.match(verified.stderr, /OAuth client mallory is in the table but no audit entry records it/);
});

test('a checkpoint stored before these rows were proved is not started from: up checks the whole log, finds nothing, and stores one that proves them', async () => {
  const dir = copyCa(populated, temp.path);
  const dataDir = await openDataDir(dir, { actor: 'test', now: new Date() });
  try {
    const verified = await verifyStoreState(dataDir.store);
    assert.deepEqual(verified.differences, []);
    const issuer = await unlockActiveIssuer(dataDir, CA_PASSPHRASE);
    // The state as an earlier Symbolon signed it: no records.
    const text = await signAuditCheckpoint(
      {
        storeId: await dataDir.store.storeId(),
        head: verified.proven!.head,
        at: new Date(),
        issuerId: issuer.id,
        state: { ...verified.proven!, records: undefined },
      },
      issuer,
    );
    assert.doesNotMatch(text, /"records"/);
    writeFileSync(join(dir, STORED_CHECKPOINT_FILE), text);
  } finally {
    await dataDir.close();
  }
  const up = spawnUp(['--dir', dir, '--listen', '127.0.0.1:0', '--no-tls', '--passphrase-file', passphraseFile]);
  await up.ready;
  assert.doesNotMatch(up.stdout() + up.stderr(), /ALARM|AUDIT_STATE_MISMATCH|checked the whole log instead/);
  await stopUp(up);
  const stored = JSON.parse(readFileSync(join(dir, STORED_CHECKPOINT_FILE), 'utf8')) as { state: { records: unknown[][] } };
  assert.ok(stored.state.records.some((row) => row[0] === 'oauth-client/billing'));
  assert.ok(stored.state.records.some((row) => row[0] === `token/${usedToken}` && row[4] === 2));
});
