import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PASSPHRASE, makeOpensslPki, makeTempDir, openssl, opensslOk, opensslSpkiSha256 } from './pki-fixtures.js';
import { assertFailure, assertOk, runCli } from './run-cli.js';

const temp = makeTempDir();
const dir = temp.path;
const file = (name: string): string => join(dir, name);

before(() => makeOpensslPki(dir));
after(() => temp.remove());

function field(report: string, label: string): string {
  const line = report.split('\n').find((l) => l.trimStart().startsWith(`${label}:`));
  assert.ok(line !== undefined, `no "${label}" line in:\n${report}`);
  return line.slice(line.indexOf(':') + 1).trim();
}

/** OpenSSL 3.0 `req -verify` exits 0 even when the signature is bad: its words are what count. */
function assertOpensslVerifies(path: string): void {
  const result = openssl(dir, ['req', '-in', path, '-verify', '-noout']);
  assert.match(result.text, /verify OK/, result.text);
  assert.doesNotMatch(result.text, /verify failure/i, result.text);
}

test('makes a new key and a CSR that OpenSSL verifies, with the subject, names and usages asked for', async () => {
  const result = await runCli([
    'csr',
    'create',
    '--key-out',
    file('api.key'),
    '--subject',
    '/O=Acme/OU=Platform/CN=api',
    '--dns',
    'api.acme.example',
    '--dns',
    '*.api.acme.example',
    '--ip',
    '192.0.2.7',
    '--ip',
    '2001:db8::7',
    '--uri',
    'spiffe://acme.example/ns/prod/sa/api',
    '--email',
    'ops@acme.example',
    '--key-usage',
    'digitalSignature,keyEncipherment',
    '--eku',
    'serverAuth,clientAuth',
    '--eku',
    '1.3.6.1.5.5.7.3.17',
    '--out',
    file('api.csr'),
  ]);
  assertOk(result);
  assert.equal(statSync(file('api.key')).mode & 0o777, 0o600);
  assert.match(readFileSync(file('api.key'), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  assert.match(readFileSync(file('api.csr'), 'utf8'), /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  assertOpensslVerifies(file('api.csr'));
  const text = opensslOk(dir, ['req', '-in', file('api.csr'), '-noout', '-text', '-nameopt', 'RFC2253']).toString('utf8');
  assert.match(text, /Subject: CN=api,OU=Platform,O=Acme/);
  assert.match(
    text,
    /DNS:api\.acme\.example, DNS:\*\.api\.acme\.example, IP Address:192\.0\.2\.7, IP Address:2001:DB8:0:0:0:0:0:7, URI:spiffe:\/\/acme\.example\/ns\/prod\/sa\/api, email:ops@acme\.example/,
  );
  assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment/);
  assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication, ipsec Internet Key Exchange/);
  assert.equal(field(result.stdout, 'CSR'), file('api.csr'));
  assert.equal(field(result.stdout, 'Subject'), 'CN=api,OU=Platform,O=Acme');
  assert.equal(field(result.stdout, 'SPKI SHA-256'), opensslSpkiSha256(dir, file('api.key')));
  assert.equal(field(result.stdout, 'SPKI SHA-256'), opensslSpkiSha256(dir, file('api.csr'), 'csr'));

  // Our own CSR, read back by our own inspect.
  const inspected = await runCli(['inspect', '--json', file('api.csr')]);
  assertOk(inspected);
  const [csr] = JSON.parse(inspected.stdout) as (Record<string, unknown> & { extKeyUsage: { name: string | null; oid: string }[] })[];
  assert.equal(csr!['subject'], 'CN=api,OU=Platform,O=Acme');
  assert.deepEqual(csr!['signatureCheck'], { result: 'valid', code: null, reason: null });
  assert.deepEqual(csr!['dnsNames'], ['api.acme.example', '*.api.acme.example']);
  assert.deepEqual(csr!['ipAddresses'], ['192.0.2.7', '2001:db8::7']);
  assert.equal(csr!['spiffeId'], 'spiffe://acme.example/ns/prod/sa/api');
  assert.deepEqual(csr!['keyUsage'], ['digitalSignature', 'keyEncipherment']);
  assert.deepEqual(
    csr!.extKeyUsage.map((usage) => usage.name ?? usage.oid),
    ['serverAuth', 'clientAuth', '1.3.6.1.5.5.7.3.17'],
  );
});

test('signs with an existing encrypted OpenSSL key; a SPIFFE ID alone needs no subject; - writes to standard output', async () => {
  const [spiffe, locked] = await Promise.all([
    runCli([
      'csr',
      'create',
      '--key',
      file('leaf.enc.key'),
      '--passphrase-file',
      file('pass.txt'),
      '--uri',
      'spiffe://acme.example/ns/prod/sa/worker',
      '--out',
      '-',
    ]),
    runCli(['csr', 'create', '--key', file('leaf.enc.key'), '--cn', 'x', '--out', file('locked.csr')]),
  ]);
  assert.equal(spiffe.code, 0, spiffe.stderr);
  assert.match(spiffe.stdout, /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]*-----END CERTIFICATE REQUEST-----\n$/);
  assert.equal(field(spiffe.stderr, 'Subject'), '(empty)');
  assert.equal(field(spiffe.stderr, 'Names'), 'URI:spiffe://acme.example/ns/prod/sa/worker');
  assert.doesNotMatch(spiffe.stdout + spiffe.stderr, new RegExp(PASSPHRASE));
  writeFileSync(file('worker.csr'), spiffe.stdout);
  assertOpensslVerifies(file('worker.csr'));
  const text = opensslOk(dir, ['req', '-in', file('worker.csr'), '-noout', '-text']).toString('utf8');
  // RFC 5280 4.2.1.6: with an empty subject the subjectAltName is critical.
  assert.match(text, /X509v3 Subject Alternative Name: critical\n\s+URI:spiffe:\/\/acme\.example\/ns\/prod\/sa\/worker/);
  assert.equal(opensslSpkiSha256(dir, file('worker.csr'), 'csr'), opensslSpkiSha256(dir, file('leaf.key')));
  assertFailure(locked, 2, 'KEY_PASSPHRASE_REQUIRED');
  assert.equal(existsSync(file('locked.csr')), false);
});

test('--type chooses the new key: Ed25519 and RSA CSRs verify too, and an encrypted new key needs the passphrase', async () => {
  const [ed25519, rsa] = await Promise.all([
    runCli(
      [
        'csr',
        'create',
        '--key-out',
        file('ed.key'),
        '--key-type',
        'ed25519',
        '--cn',
        'ed',
        '--out',
        file('ed.csr'),
        '--passphrase-env',
        'P',
      ],
      { env: { P: 'ed25519 passphrase' } },
    ),
    runCli(['csr', 'create', '--key-out', file('new-rsa.key'), '--type', 'rsa2048', '--cn', 'rsa', '--out', file('rsa.csr')]),
  ]);
  assertOk(ed25519);
  assertOk(rsa);
  assert.match(field(ed25519.stdout, 'Key'), /^Ed25519, .*encrypted/);
  assert.match(field(rsa.stdout, 'Key'), /^RSA 2048, /);
  assertOpensslVerifies(file('ed.csr'));
  assertOpensslVerifies(file('rsa.csr'));
  assert.match(readFileSync(file('ed.key'), 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  opensslOk(dir, ['pkey', '-in', file('ed.key'), '-passin', 'pass:ed25519 passphrase', '-noout']);
});

test('refuses to replace an existing CSR or key file', async () => {
  writeFileSync(file('taken.csr'), 'keep me');
  writeFileSync(file('taken.key'), 'keep me');
  const [csrTaken, keyTaken] = await Promise.all([
    runCli(['csr', 'create', '--key', file('leaf.key'), '--cn', 'x', '--out', file('taken.csr')]),
    runCli(['csr', 'create', '--key-out', file('taken.key'), '--cn', 'x', '--out', file('untaken.csr')]),
  ]);
  assertFailure(csrTaken, 2, 'OUTPUT_FILE_EXISTS');
  assertFailure(keyTaken, 2, 'KEY_FILE_EXISTS');
  assert.equal(readFileSync(file('taken.csr'), 'utf8'), 'keep me');
  assert.equal(readFileSync(file('taken.key'), 'utf8'), 'keep me');
  assert.equal(existsSync(file('untaken.csr')), false);
});

test('bad names, addresses and option values are exit 2 with a typed error, and nothing is written', async () => {
  const before = readdirSync(dir).sort();
  const attempt = (...args: string[]): Promise<import('./run-cli.js').CliResult> =>
    runCli(['csr', 'create', '--key-out', file('never.key'), '--out', file('never.csr'), ...args]);
  const cases: [string[], string][] = [
    [['--cn', 'x', '--ip', '300.1.2.3'], 'CERT_BAD_NAME'],
    [['--subject', 'not a name'], 'CERT_BAD_NAME'],
    [['--cn', 'x', '--dns', 'bad name.example'], 'CERT_BAD_NAME'],
    [['--uri', 'spiffe://Acme.Example/trailing/'], 'CERT_BAD_NAME'],
    [['--cn', 'x', '--eku', 'superAuth'], 'USAGE'],
    [[], 'USAGE'],
  ];
  const results = await Promise.all(cases.map(([args]) => attempt(...args)));
  cases.forEach(([args, code], index) => {
    assert.doesNotThrow(() => assertFailure(results[index]!, 2, code), `${args.join(' ')}: ${results[index]!.stderr}`);
  });
  const both = await runCli([
    'csr',
    'create',
    '--key',
    file('leaf.key'),
    '--key-out',
    file('never.key'),
    '--cn',
    'x',
    '--out',
    file('never.csr'),
  ]);
  assertFailure(both, 2, 'USAGE');
  assert.deepEqual(readdirSync(dir).sort(), before);
});
