import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runProgram } from '../../src/cli/program.js';
import { CA_PASSPHRASE, copyCa, makeTemplateCa, makeTempDir, ROOT_PASSPHRASE } from '../ca/support.js';
import { REPO_ROOT } from './run-cli.js';

const temp = makeTempDir('symbolon-ca-refusals-');
const caPass = join(temp.path, 'ca.pass');
const shortPass = join(temp.path, 'short.pass');
let ca: string;
let csr: string;

/** Runs `symbolon` in this process. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runProgram(args, COMMANDS, { out: (t) => void (out += t), err: (t) => void (err += t) }, '0.0.0');
  return { code, out, err };
}

/** How many certificates the store records: a refused command must leave it unchanged. */
async function issuedCount(): Promise<number> {
  const listed = await cli('ca', 'list', '--json', '--all', '--dir', ca);
  assert.equal(listed.code, 0, listed.err);
  return (JSON.parse(listed.out) as unknown[]).length;
}

before(async () => {
  writeFileSync(caPass, `${CA_PASSPHRASE}\n`);
  writeFileSync(shortPass, 'short\n');
  ca = copyCa(await makeTemplateCa(temp.path), temp.path);
  csr = join(temp.path, 'dev.csr');
  const made = await cli('csr', 'create', '--key-out', join(temp.path, 'dev.key'), '--cn', 'dev', '--out', csr);
  assert.equal(made.code, 0, made.err);
  writeFileSync(join(temp.path, 'existing.crt'), 'not to be replaced\n');
  mkdirSync(join(temp.path, 'a-directory'));
});
after(() => temp.remove());

describe('every bad --out is refused before anything is issued or recorded', () => {
  const sign = (...extra: string[]): Promise<{ code: number; out: string; err: string }> =>
    cli('ca', 'sign', csr, '--profile', 'client', '--dir', ca, '--passphrase-file', caPass, ...extra);

  for (const [name, args, code] of [
    ['ca sign --out existing.crt', ['--out', 'existing.crt'], 'OUTPUT_FILE_EXISTS'],
    ['ca sign --out a-directory', ['--out', 'a-directory'], 'OUTPUT_UNWRITABLE'],
    ['ca sign --out a-directory/', ['--out', 'a-directory/'], 'OUTPUT_UNWRITABLE'],
    ['ca sign --out /missing-dir/x.crt', ['--out', 'missing-dir/x.crt'], 'OUTPUT_UNWRITABLE'],
    ['ca sign --out under-a-file/x.crt', ['--out', 'existing.crt/x.crt'], 'OUTPUT_UNWRITABLE'],
  ] as const) {
    test(`${name} exits 2 with ${code} and issues nothing`, async () => {
      const before = await issuedCount();
      const [option, path] = args;
      const result = await sign(option, join(temp.path, path) + (path.endsWith('/') ? '/' : ''));
      assert.equal(result.code, 2, result.err);
      assert.match(result.err, new RegExp(`^symbolon: ${code}: `));
      assert.equal(await issuedCount(), before);
    });
  }

  test('ca sign --out existing.crt --force replaces the file (the option the message names exists)', async () => {
    const path = join(temp.path, 'replaced.crt');
    writeFileSync(path, 'old\n');
    const refused = await sign('--out', path);
    assert.match(refused.err, /give --force/);
    const result = await sign('--out', path, '--force');
    assert.equal(result.code, 0, result.err);
  });

  test('ca renew --out existing.crt exits 2 and issues nothing; --force renews', async () => {
    const out = join(temp.path, 'to-renew.crt');
    assert.equal((await sign('--out', out)).code, 0);
    const before = await issuedCount();
    const refused = await cli('ca', 'renew', out, '--out', join(temp.path, 'existing.crt'), '--dir', ca, '--passphrase-file', caPass);
    assert.equal(refused.code, 2, refused.err);
    assert.match(refused.err, /^symbolon: OUTPUT_FILE_EXISTS: /);
    assert.equal(await issuedCount(), before);
    const missing = await cli(
      'ca',
      'renew',
      out,
      '--rekey',
      '--out',
      join(temp.path, 'missing-dir/renewed'),
      '--dir',
      ca,
      '--passphrase-file',
      caPass,
    );
    assert.match(missing.err, /^symbolon: OUTPUT_UNWRITABLE: /);
    assert.equal(await issuedCount(), before);
    const forced = await cli('ca', 'renew', out, '--out', out, '--force', '--dir', ca, '--passphrase-file', caPass);
    assert.equal(forced.code, 0, forced.err);
    assert.equal(await issuedCount(), before + 1);
  });

  test('ca issue --out /missing-dir/x exits 2, issues nothing and writes no key', async () => {
    const before = await issuedCount();
    const result = await cli(
      'ca',
      'issue',
      '--profile',
      'client',
      '--name',
      'x',
      '--out',
      join(temp.path, 'missing-dir/x'),
      '--dir',
      ca,
      '--passphrase-file',
      caPass,
    );
    assert.equal(result.code, 2, result.err);
    assert.match(result.err, /^symbolon: OUTPUT_UNWRITABLE: /);
    assert.equal(await issuedCount(), before);
  });

  test('ca issue over an existing key exits 2 with KEY_FILE_EXISTS before issuing; --force replaces it', async () => {
    const prefix = join(temp.path, 'kept');
    writeFileSync(`${prefix}.key`, 'a key someone needs\n');
    const before = await issuedCount();
    const result = await cli(
      'ca',
      'issue',
      '--profile',
      'client',
      '--name',
      'kept',
      '--out',
      prefix,
      '--dir',
      ca,
      '--passphrase-file',
      caPass,
    );
    assert.equal(result.code, 2, result.err);
    assert.match(result.err, /^symbolon: KEY_FILE_EXISTS: .*--force/);
    assert.equal(await issuedCount(), before);
    const forced = await cli(
      'ca',
      'issue',
      '--profile',
      'client',
      '--name',
      'kept',
      '--out',
      prefix,
      '--force',
      '--dir',
      ca,
      '--passphrase-file',
      caPass,
    );
    assert.equal(forced.code, 0, forced.err);
  });

  test('ca issue --out dir/ names the files after the common name, never dir/.key', async () => {
    const dir = join(temp.path, 'issued');
    mkdirSync(dir);
    const result = await cli(
      'ca',
      'issue',
      '--profile',
      'server',
      '--name',
      'api.acme.test',
      '--san',
      'api.acme.test',
      '--out',
      `${dir}/`,
      '--dir',
      ca,
      '--passphrase-file',
      caPass,
    );
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(readdirSync(dir).sort(), ['api.acme.test.chain.pem', 'api.acme.test.crt', 'api.acme.test.key']);
  });

  test('ca issue --pkcs12 with a short PKCS#12 passphrase exits 2 before issuing or writing anything', async () => {
    const before = await issuedCount();
    const prefix = join(temp.path, 'p12');
    const result = await cli(
      'ca',
      'issue',
      '--profile',
      'client',
      '--name',
      'p12',
      '--out',
      prefix,
      '--pkcs12',
      '--pkcs12-passphrase-file',
      shortPass,
      '--dir',
      ca,
      '--passphrase-file',
      caPass,
    );
    assert.equal(result.code, 2, result.err);
    assert.match(result.err, /^symbolon: KEY_WEAK_PASSPHRASE: /);
    assert.equal(await issuedCount(), before);
    assert.equal(existsSync(`${prefix}.key`), false);
  });

  test('ca issue with an unknown profile or a bad --san exits 2 and writes no key', async () => {
    const prefix = join(temp.path, 'unknown');
    const badProfile = await cli(
      'ca',
      'issue',
      '--profile',
      'no-such-profile',
      '--name',
      'u',
      '--out',
      prefix,
      '--dir',
      ca,
      '--passphrase-file',
      caPass,
    );
    assert.notEqual(badProfile.code, 0);
    const badSan = await cli(
      'ca',
      'issue',
      '--profile',
      'client',
      '--name',
      'u',
      '--san',
      'ip:not-an-ip',
      '--out',
      prefix,
      '--dir',
      ca,
      '--passphrase-file',
      caPass,
    );
    assert.equal(badSan.code, 2);
    assert.equal(existsSync(`${prefix}.key`), false);
  });
});

describe('exit codes', () => {
  for (const args of [
    ['ca', 'sign', 'x.csr', '--profile', 'client', '--ttl', 'abc'],
    ['ca', 'issue', '--profile', 'client', '--name', 'x', '--out', 'x', '--ttl', '0d'],
    ['ca', 'list', '--expiring', 'abc'],
    ['ca', 'root-crl', '--validity', 'soon'],
    ['up', '--crl-validity', '0'],
    ['up', '--ocsp-validity', '1x'],
    ['key', 'create', '--key-type', 'rsa1024', '--out', 'x.key'],
  ]) {
    test(`a malformed option exits 2: ${args.join(' ')}`, async () => {
      const result = await cli(...args, '--dir', join(temp.path, 'no-such-dir'));
      assert.equal(result.code, 2, result.err);
      assert.match(result.err, /^symbolon: (USAGE|KEY_UNSUPPORTED_TYPE): /);
    });
  }

  test('a wrong passphrase exits 2 with KEY_BAD_PASSPHRASE in every command that takes one', async () => {
    const wrong = join(temp.path, 'wrong.pass');
    writeFileSync(wrong, 'not the passphrase at all\n');
    const commands = [
      ['ca', 'sign', csr, '--profile', 'client', '--dir', ca, '--passphrase-file', wrong],
      [
        'ca',
        'issue',
        '--profile',
        'client',
        '--name',
        'w',
        '--out',
        join(temp.path, 'wrong-pass'),
        '--dir',
        ca,
        '--passphrase-file',
        wrong,
      ],
      ['ca', 'root-crl', '--dir', ca, '--root-passphrase-file', wrong],
      ['ca', 'intermediate', 'create', '--dir', ca, '--root-passphrase-file', wrong, '--passphrase-file', caPass],
      ['up', '--dir', ca, '--listen', '127.0.0.1:0', '--no-tls', '--passphrase-file', wrong],
    ];
    for (const args of commands) {
      const result = await cli(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.err}`);
      assert.match(result.err, /^symbolon: KEY_BAD_PASSPHRASE: /, args.join(' '));
    }
  });

  test('--type is an alias of --key-type; giving both is a usage error', async () => {
    const both = await cli('key', 'create', '--key-type', 'p256', '--type', 'p384', '--out', join(temp.path, 'both.key'));
    assert.equal(both.code, 2);
    assert.match(both.err, /^symbolon: USAGE: /);
    const alias = await cli('key', 'create', '--type', 'p384', '--out', join(temp.path, 'alias.key'));
    assert.equal(alias.code, 0, alias.err);
    assert.match(alias.out, /P-384|p384/i);
  });
});

test('ca list --json | head -1: a closed standard output ends the command quietly', async () => {
  // head -c 0 exits before the listing is written: every write then meets a pipe without a reader.
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(
      'sh',
      ['-c', `"${process.execPath}" --import tsx src/cli/main.ts ca list --json --all --dir "${ca}" | head -c 0; exit 0`],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  assert.equal(result.code, 0);
  assert.equal(result.stderr, '', 'no EPIPE stack trace');
});

describe('revoking an intermediate', () => {
  test('ca revoke intermediate-1 (or its certificate file) with the root key lists it in the root CRL, which later root CRLs keep; a plain revoke of it no longer says CA_CERT_FOREIGN', async () => {
    const dir = copyCa(ca, temp.path);
    const rootPass = join(temp.path, 'root.pass');
    writeFileSync(rootPass, `${ROOT_PASSPHRASE}\n`);
    const intermediateFile = join(dir, 'ca/intermediate-1.crt');
    const withoutKey = await cli(
      'ca',
      'revoke',
      intermediateFile,
      '--reason',
      'keyCompromise',
      '--dir',
      dir,
      '--root-key',
      join(temp.path, 'no-such.key'),
      '--root-passphrase-file',
      rootPass,
    );
    assert.equal(withoutKey.code, 2, withoutKey.err);
    assert.match(withoutKey.err, /^symbolon: INPUT_UNREADABLE: /);
    const revoked = await cli(
      'ca',
      'revoke',
      intermediateFile,
      '--reason',
      'keyCompromise',
      '--dir',
      dir,
      '--root-passphrase-file',
      rootPass,
    );
    assert.equal(revoked.code, 0, revoked.err);
    assert.match(revoked.out, /^Revoked intermediate-1 \(serial [0-9a-f]+, keyCompromise\) with the root key: root CRL \d+ written to /);
    assert.match(
      revoked.out,
      /intermediate-1 is the intermediate that issues: make its successor now with `symbolon ca intermediate create`/,
    );
    const serial = /serial ([0-9a-f]+)/.exec(revoked.out)![1]!;
    const listed = (): string => {
      const text = spawnSync('openssl', ['crl', '-in', join(dir, 'crl/root.crl.pem'), '-noout', '-text'], { encoding: 'utf8' });
      assert.equal(text.status, 0, text.stderr);
      return text.stdout;
    };
    assert.match(listed(), new RegExp(`Serial Number: ${serial.toUpperCase()}[\\s\\S]*Key Compromise`));
    const again = await cli('ca', 'root-crl', '--dir', dir, '--root-passphrase-file', rootPass);
    assert.equal(again.code, 0, again.err);
    assert.match(listed(), new RegExp(`Serial Number: ${serial.toUpperCase()}`), 'a later root CRL keeps the revocation');
    const root = await cli('ca', 'revoke', 'root', '--reason', 'keyCompromise', '--dir', dir, '--root-passphrase-file', rootPass);
    assert.equal(root.code, 2);
    assert.match(root.err, /^symbolon: USAGE: the root cannot be revoked/);
  });
});
