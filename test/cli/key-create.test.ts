import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KEY_TYPES } from '../../src/keys/index.js';
import { makeTempDir, openssl, opensslOk, opensslSpkiSha256 } from './pki-fixtures.js';
import { assertFailure, assertOk, runCli } from './run-cli.js';

const temp = makeTempDir();
const dir = temp.path;
const file = (name: string): string => join(dir, name);

after(() => temp.remove());

function field(report: string, label: string): string {
  const line = report.split('\n').find((l) => l.trimStart().startsWith(`${label}:`));
  assert.ok(line !== undefined, `no "${label}" line in:\n${report}`);
  return line.slice(line.indexOf(':') + 1).trim();
}

const SUMMARIES: Readonly<Record<string, string>> = {
  p256: 'EC P-256',
  p384: 'EC P-384',
  ed25519: 'Ed25519',
  rsa2048: 'RSA 2048',
  rsa3072: 'RSA 3072',
  rsa4096: 'RSA 4096',
};

test('writes a key of every type as PKCS#8 with mode 0600 that OpenSSL reads, and prints only its summary', async () => {
  const results = await Promise.all(KEY_TYPES.map((type) => runCli(['key', 'create', '--key-type', type, '--out', file(`${type}.key`)])));
  KEY_TYPES.forEach((type, index) => {
    const result = results[index]!;
    assertOk(result);
    const path = file(`${type}.key`);
    assert.equal(statSync(path).mode & 0o777, 0o600, `${type} key mode`);
    assert.match(readFileSync(path, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    opensslOk(dir, ['pkey', '-in', path, '-noout', '-check']);
    assert.equal(field(result.stdout, 'Type'), SUMMARIES[type]);
    assert.equal(field(result.stdout, 'SPKI SHA-256'), opensslSpkiSha256(dir, path));
    assert.doesNotMatch(result.stdout, /BEGIN|PRIVATE KEY-----/);
  });
});

test('the default type is P-256, and --public-out writes the matching public key', async () => {
  const result = await runCli(['key', 'create', '--out', file('default.key'), '--public-out', file('default.pub')]);
  assertOk(result);
  assert.equal(field(result.stdout, 'Type'), 'EC P-256');
  const fromPublic = opensslOk(dir, ['pkey', '-pubin', '-in', file('default.pub'), '-outform', 'DER']);
  const fromPrivate = opensslOk(dir, ['pkey', '-in', file('default.key'), '-pubout', '-outform', 'DER']);
  assert.deepEqual(fromPublic, fromPrivate);
});

test('an encrypted key needs its passphrase (from a file less its newline, or from the environment)', async () => {
  writeFileSync(file('pass.txt'), 'a long enough passphrase\n');
  const [fromFile, fromEnv] = await Promise.all([
    runCli(['key', 'create', '--key-type', 'ed25519', '--out', file('enc.key'), '--passphrase-file', file('pass.txt')]),
    runCli(['key', 'create', '--type', 'p384', '--out', file('env.key'), '--passphrase-env', 'SYMBOLON_TEST_PASS'], {
      env: { SYMBOLON_TEST_PASS: 'another good passphrase' },
    }),
  ]);
  assertOk(fromFile);
  assertOk(fromEnv);
  assert.match(readFileSync(file('enc.key'), 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  assert.equal(statSync(file('enc.key')).mode & 0o777, 0o600);
  assert.notEqual(openssl(dir, ['pkey', '-in', file('enc.key'), '-passin', 'pass:', '-noout']).status, 0);
  assert.notEqual(openssl(dir, ['pkey', '-in', file('enc.key'), '-passin', 'pass:a long enough passphrase\n', '-noout']).status, 0);
  opensslOk(dir, ['pkey', '-in', file('enc.key'), '-passin', 'pass:a long enough passphrase', '-noout']);
  opensslOk(dir, ['pkey', '-in', file('env.key'), '-passin', 'pass:another good passphrase', '-noout']);
  assert.equal(field(fromFile.stdout, 'SPKI SHA-256'), opensslSpkiSha256(dir, file('enc.key'), 'key', 'a long enough passphrase'));
  assert.doesNotMatch(fromFile.stdout + fromEnv.stdout, /a long enough|another good/);
});

test('refuses to replace an existing file unless --force', async () => {
  writeFileSync(file('taken.key'), 'keep me');
  writeFileSync(file('taken.pub'), 'keep me too');
  const refused = await runCli(['key', 'create', '--out', file('fresh.key'), '--public-out', file('taken.pub')]);
  assertFailure(refused, 2, 'KEY_FILE_EXISTS');
  assert.equal(readFileSync(file('taken.pub'), 'utf8'), 'keep me too');
  assert.equal(existsSync(file('fresh.key')), false, 'nothing is written when one output is refused');
  const forced = await runCli(['key', 'create', '--out', file('taken.key'), '--force']);
  assertOk(forced);
  assert.equal(statSync(file('taken.key')).mode & 0o777, 0o600);
  opensslOk(dir, ['pkey', '-in', file('taken.key'), '-noout']);
});

test('writes a key to standard output only when it is encrypted', async () => {
  const [plain, encrypted] = await Promise.all([
    runCli(['key', 'create', '--out', '-']),
    runCli(['key', 'create', '--out', '-', '--passphrase-env', 'P'], { env: { P: 'stdout passphrase' } }),
  ]);
  assertFailure(plain, 2, 'USAGE');
  assert.equal(plain.stdout, '');
  assert.equal(encrypted.code, 0);
  assert.match(encrypted.stdout, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n[\s\S]*-----END ENCRYPTED PRIVATE KEY-----\n$/);
  assert.match(encrypted.stderr, /SPKI SHA-256: +[0-9a-f]{64}/);
  writeFileSync(file('stdout.key'), encrypted.stdout);
  opensslOk(dir, ['pkey', '-in', file('stdout.key'), '-passin', 'pass:stdout passphrase', '-noout']);
});

test('wrong option values are exit 2 with a typed error and leave no file', async () => {
  writeFileSync(file('short.txt'), 'short\n');
  const [type, unsetEnv, weak] = await Promise.all([
    runCli(['key', 'create', '--type', 'rsa1024', '--out', file('x.key')]),
    runCli(['key', 'create', '--out', file('x.key'), '--passphrase-env', 'SYMBOLON_SURELY_UNSET']),
    runCli(['key', 'create', '--out', file('x.key'), '--passphrase-file', file('short.txt')]),
  ]);
  assertFailure(type, 2, 'KEY_UNSUPPORTED_TYPE');
  assertFailure(unsetEnv, 2, 'USAGE');
  assertFailure(weak, 2, 'KEY_WEAK_PASSPHRASE');
  assert.equal(existsSync(file('x.key')), false);
});
