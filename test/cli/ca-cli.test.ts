import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runProgram } from '../../src/cli/program.js';
import { parsePem, toPem } from '../../src/x509/index.js';
import { copyCa, makeTempDir } from '../ca/support.js';

const repo = new URL('../..', import.meta.url).pathname;
const temp = makeTempDir('symbolon-ca-cli-');
const rootPass = join(temp.path, 'root.pass');
const caPass = join(temp.path, 'ca.pass');
const p12Pass = join(temp.path, 'p12.pass');
let ca: string;

/** The environment of a spawned CLI: no passphrase variables leak in from the test's. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env['SYMBOLON_CA_PASSPHRASE'];
  delete env['SYMBOLON_ROOT_PASSPHRASE'];
  return { ...env, ...extra };
}

/** Runs `symbolon` as a real process (stdin not a terminal). */
function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = childEnv()): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), ...args], {
    cwd: repo,
    env,
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `symbolon` in this process: the same program, without a process start each time. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runProgram(args, COMMANDS, { out: (t) => void (out += t), err: (t) => void (err += t) }, '0.0.0');
  return { code, out, err };
}

function tool(command: string, args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, output: result.stdout + result.stderr };
}

function opensslCsr(name: string, keyArgs: string[], extra: string[] = []): string {
  const path = join(temp.path, `${name}.csr`);
  const result = tool('openssl', [
    'req',
    '-new',
    ...keyArgs,
    '-nodes',
    '-keyout',
    join(temp.path, `${name}.key`),
    '-subj',
    `/CN=${name}`,
    ...extra,
    '-out',
    path,
  ]);
  assert.equal(result.status, 0, result.output);
  return path;
}

before(() => {
  writeFileSync(rootPass, 'root passphrase, kept offline\n');
  writeFileSync(caPass, 'intermediate passphrase\n');
  writeFileSync(p12Pass, 'pkcs12 export passphrase\n');
  ca = join(temp.path, 'data');
  const init = spawnCli([
    'ca',
    'init',
    '--dir',
    ca,
    '--name',
    'Acme',
    '--root-passphrase-file',
    rootPass,
    '--passphrase-file',
    caPass,
    '--public-base-url',
    'https://ca.acme.test',
    '--spiffe-trust-domain',
    'acme.test',
  ]);
  assert.equal(init.status, 0, init.stderr);
});
after(() => temp.remove());

describe('symbolon ca (proof with OpenSSL and GnuTLS)', () => {
  test('init writes both keys 0600 and encrypted; openssl cannot read the root key without its passphrase', () => {
    for (const key of ['offline/root.key.enc', 'ca/intermediate-1.key.enc']) {
      assert.equal(statSync(join(ca, key)).mode & 0o777, 0o600);
      assert.match(readFileSync(join(ca, key), 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    }
    const withoutPass = tool('openssl', ['pkey', '-in', join(ca, 'offline/root.key.enc'), '-passin', 'pass:', '-noout']);
    assert.notEqual(withoutPass.status, 0);
    const wrongPass = tool('openssl', ['pkey', '-in', join(ca, 'offline/root.key.enc'), '-passin', 'pass:guess-guess', '-noout']);
    assert.notEqual(wrongPass.status, 0);
    const rightPass = tool('openssl', ['pkey', '-in', join(ca, 'offline/root.key.enc'), '-passin', `file:${rootPass}`, '-noout']);
    assert.equal(rightPass.status, 0, rightPass.output);
    const root = tool('openssl', ['x509', '-in', join(ca, 'ca/root.crt'), '-noout', '-text']);
    assert.match(root.output, /CA:TRUE, pathlen:1/);
    const intermediate = tool('openssl', ['x509', '-in', join(ca, 'ca/intermediate-1.crt'), '-noout', '-text']);
    assert.match(intermediate.output, /CA:TRUE, pathlen:0/);
    assert.match(intermediate.output, /Permitted:\s+URI:acme.test/);
  });

  test('issue: key, certificate, chain and PKCS#12 that openssl verify, certtool and openssl pkcs12 accept', async () => {
    const out = join(temp.path, 'api');
    const issued = await cli(
      'ca',
      'issue',
      '--dir',
      ca,
      '--passphrase-file',
      caPass,
      '--profile',
      'server',
      '--name',
      'api.acme.test',
      '--san',
      '10.0.0.7',
      '--out',
      out,
      '--pkcs12',
      '--pkcs12-passphrase-file',
      p12Pass,
    );
    assert.equal(issued.code, 0, issued.err);
    assert.equal(statSync(`${out}.key`).mode & 0o777, 0o600);
    const verify = tool('openssl', [
      'verify',
      '-CAfile',
      join(ca, 'ca/root.crt'),
      '-untrusted',
      `${out}.chain.pem`,
      '-purpose',
      'sslserver',
      `${out}.crt`,
    ]);
    assert.equal(verify.status, 0, verify.output);
    const chainFile = join(temp.path, 'api-full-chain.pem');
    writeFileSync(chainFile, readFileSync(`${out}.chain.pem`, 'utf8') + readFileSync(join(ca, 'ca/root.crt'), 'utf8'));
    const gnutls = tool('certtool', ['--verify-chain', '--infile', chainFile]);
    assert.equal(gnutls.status, 0, gnutls.output);
    assert.match(gnutls.output, /Chain verification output: Verified/);
    const p12 = tool('openssl', ['pkcs12', '-in', `${out}.p12`, '-passin', `file:${p12Pass}`, '-nodes']);
    assert.equal(p12.status, 0, p12.output);
    assert.equal(p12.output.match(/BEGIN CERTIFICATE/g)?.length, 3);
    assert.match(p12.output, /BEGIN PRIVATE KEY/);
    assert.notEqual(tool('openssl', ['pkcs12', '-in', `${out}.p12`, '-passin', 'pass:wrong passphrase', '-noout']).status, 0);
  });

  test('sign: an OpenSSL CSR under the client profile; list, show, renew --rekey and revoke', async () => {
    const csr = opensslCsr(
      'alice',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      ['-addext', 'subjectAltName=email:alice@acme.test'],
    );
    const cert = join(temp.path, 'alice.crt');
    const signed = await cli(
      'ca',
      'sign',
      csr,
      '--profile',
      'client',
      '--ttl',
      '7d',
      '--dir',
      ca,
      '--passphrase-file',
      caPass,
      '--out',
      cert,
      '--chain',
    );
    assert.equal(signed.code, 0, signed.err);
    const verify = tool('openssl', ['verify', '-CAfile', join(ca, 'ca/root.crt'), '-untrusted', cert, '-purpose', 'sslclient', cert]);
    assert.equal(verify.status, 0, verify.output);
    const serial = /serial ([0-9a-f]+)/.exec(signed.err)![1]!;

    const listed = await cli('ca', 'list', '--dir', ca, '--profile', 'client', '--expiring', '8d', '--json');
    assert.equal(listed.code, 0, listed.err);
    const records = JSON.parse(listed.out) as { serial: string; status: string; subjectAltNames: string[] }[];
    assert.deepEqual(
      records.map((r) => [r.serial, r.status, r.subjectAltNames]),
      [[serial, 'valid', ['email:alice@acme.test']]],
    );
    const shown = await cli('ca', 'show', serial.toUpperCase().replace(/(..)(?!$)/g, '$1:'), '--dir', ca);
    assert.equal((JSON.parse(shown.out) as { subject: unknown }).subject, 'CN=alice');

    const renewed = await cli('ca', 'renew', cert, '--rekey', '--out', join(temp.path, 'alice2'), '--dir', ca, '--passphrase-file', caPass);
    assert.equal(renewed.code, 0, renewed.err);
    const renewedSerial = /as serial ([0-9a-f]+)/.exec(renewed.err)![1]!;
    assert.equal(
      (JSON.parse((await cli('ca', 'show', renewedSerial, '--dir', ca)).out) as { renewalOf: unknown }).renewalOf,
      `intermediate-1/${serial}`,
    );

    const revoked = await cli('ca', 'revoke', cert, '--reason', 'superseded', '--dir', ca);
    assert.equal(revoked.code, 0, revoked.err);
    assert.match(revoked.out, /Revoked intermediate-1\/[0-9a-f]+ \(superseded\).*feed sequence \d+/);
    const again = await cli('ca', 'revoke', serial, '--reason', 'superseded', '--dir', ca);
    assert.equal(again.code, 1);
    assert.match(again.err, /^symbolon: STORE_ALREADY_REVOKED: /);
    assert.equal((JSON.parse((await cli('ca', 'list', '--dir', ca, '--status', 'revoked', '--json')).out) as unknown[]).length, 1);
    const audit = await cli('audit', 'verify', '--dir', ca);
    assert.equal(audit.code, 0, audit.err);
  });
});

describe('symbolon ca: bad input and faults, each a typed error and a non-zero exit', () => {
  async function fails(args: string[], code: string, exit: number): Promise<string> {
    const result = await cli(...args);
    assert.equal(result.code, exit, `${args.join(' ')}: ${result.err}`);
    assert.match(result.err, new RegExp(`^symbolon: ${code}: `));
    assert.equal(result.err.trim().split('\n').length, 1);
    return result.err;
  }
  const sign = (csr: string, ...more: string[]) => ['ca', 'sign', csr, '--dir', ca, '--passphrase-file', caPass, ...more];

  test('a CSR whose signature does not verify', async () => {
    const csr = opensslCsr('forged', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const der = parsePem(readFileSync(csr, 'utf8'), 'CERTIFICATE REQUEST')[0]!;
    der[der.length - 5]! ^= 0x01;
    writeFileSync(csr, toPem('CERTIFICATE REQUEST', der));
    await fails(sign(csr, '--profile', 'client'), 'CSR_SIGNATURE_INVALID', 2);
  });

  test('weak keys: RSA 1024 and P-192', async () => {
    await fails(sign(opensslCsr('rsa1024', ['-newkey', 'rsa:1024']), '--profile', 'client'), 'CA_KEY_TOO_WEAK', 1);
    await fails(
      sign(opensslCsr('p192', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime192v1']), '--profile', 'client'),
      'CA_KEY_TOO_WEAK',
      1,
    );
  });

  test('disallowed names, lifetime beyond the profile, unknown profile', async () => {
    const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    const outside = opensslCsr('svid', p256, ['-addext', 'subjectAltName=URI:spiffe://elsewhere.test/ns/a']);
    const message = await fails(sign(outside, '--profile', 'spiffe'), 'CA_NAME_NOT_ALLOWED', 1);
    assert.match(message, /outside this CA's trust domain acme\.test/);
    const server = opensslCsr('web.acme.test', p256);
    await fails(sign(server, '--profile', 'server', '--ttl', '900d'), 'CA_LIFETIME_EXCEEDED', 1);
    await fails(sign(server, '--profile', 'nope'), 'CA_PROFILE_UNKNOWN', 1);
    await fails(sign(server, '--profile', 'server', '--ttl', 'soon'), 'USAGE', 2);
  });

  test('a wrong passphrase', async () => {
    const wrong = join(temp.path, 'wrong.pass');
    writeFileSync(wrong, 'not the passphrase\n');
    const message = await fails(
      ['ca', 'issue', '--dir', ca, '--passphrase-file', wrong, '--profile', 'client', '--name', 'x', '--out', join(temp.path, 'x')],
      'KEY_BAD_PASSPHRASE',
      2,
    );
    assert.match(message, /intermediate-1\.key\.enc/);
  });

  test('a corrupted or foreign data directory', async () => {
    const corrupt = copyCa(ca, temp.path);
    writeFileSync(join(corrupt, 'symbolon.db'), Buffer.alloc(4096, 7));
    await fails(['ca', 'list', '--dir', corrupt], 'STORE_CORRUPT', 1);
    const foreign = join(temp.path, 'foreign');
    writeFileSync(join(temp.path, 'foreign-file'), 'x');
    await fails(['ca', 'list', '--dir', temp.path], 'CA_DATA_DIR_FOREIGN', 1);
    await fails(['ca', 'list', '--dir', foreign], 'CA_DATA_DIR_MISSING', 1);
    await fails(['ca', 'init', '--dir', ca], 'CA_DATA_DIR_EXISTS', 1);
    await fails(['ca', 'revoke', 'abcd', '--reason', 'because', '--dir', ca], 'CA_REVOCATION_REASON_UNKNOWN', 1);
  });

  test('without a terminal or a passphrase source, says which options to use (a real process, as in CI)', () => {
    const result = spawnCli(['ca', 'issue', '--dir', ca, '--profile', 'client', '--name', 'x', '--out', join(temp.path, 'no-tty')]);
    assert.equal(result.status, 2);
    assert.match(
      result.stderr,
      /^symbolon: USAGE: the intermediate CA key needs a passphrase and there is no terminal to ask on; give --passphrase-file FILE or --passphrase-env NAME, or set SYMBOLON_CA_PASSPHRASE, or put it in \S+intermediate\.passphrase\n$/,
    );
    const fromEnv = spawnCli(
      ['ca', 'issue', '--dir', ca, '--profile', 'client', '--name', 'from-env', '--out', join(temp.path, 'from-env')],
      childEnv({ SYMBOLON_CA_PASSPHRASE: 'intermediate passphrase' }),
    );
    assert.equal(fromEnv.status, 0, fromEnv.stderr);
  });
});
