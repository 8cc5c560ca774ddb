import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PASSPHRASE, makeOpensslPki, makeTempDir, opensslOk, opensslSpkiSha256 } from './pki-fixtures.js';
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

/** The CSR file with one bit of its signature flipped. */
function tamperedCsr(): string {
  const der = Buffer.from(opensslOk(dir, ['req', '-in', 'leaf.csr', '-outform', 'DER']));
  der[der.length - 5]! ^= 0x01;
  writeFileSync(file('tampered.csr.der'), der);
  return file('tampered.csr.der');
}

test('shows an OpenSSL CSR (PEM and DER) with its key and a valid signature', async () => {
  const [pem, der] = await Promise.all([runCli(['inspect', file('leaf.csr')]), runCli(['inspect', '--json', file('leaf.csr.der')])]);
  assertOk(pem);
  assertOk(der);
  assert.match(pem.stdout, /^Certificate request\n/);
  assert.equal(field(pem.stdout, 'Subject'), 'CN=api.acme.example,O=Acme');
  assert.equal(field(pem.stdout, 'Public key'), 'EC P-256');
  assert.equal(field(pem.stdout, 'SPKI SHA-256'), opensslSpkiSha256(dir, 'leaf.csr', 'csr'));
  assert.equal(field(pem.stdout, 'Signature'), 'ecdsa-with-SHA256, valid');
  const [csr] = JSON.parse(der.stdout) as (Record<string, unknown> & { publicKey: { spkiSha256: string } })[];
  assert.equal(csr!['kind'], 'csr');
  assert.deepEqual(csr!['source'], { format: 'der', pemLabel: null });
  assert.deepEqual(csr!['signatureCheck'], { result: 'valid', code: null, reason: null });
  assert.equal(csr!.publicKey.spkiSha256, opensslSpkiSha256(dir, 'leaf.csr', 'csr'));
  assert.deepEqual(csr!['subjectAltNames'], []);
});

test('a CSR whose signature does not verify is shown as INVALID and exits 1', async () => {
  const path = tamperedCsr();
  const text = await runCli(['inspect', path]);
  assertFailure(text, 1, 'CSR_SIGNATURE_INVALID');
  assert.equal(field(text.stdout, 'Signature'), 'ecdsa-with-SHA256, INVALID');
});

test('shows private keys in PKCS#8 (PEM and DER), SEC1 and PKCS#1 form, with OpenSSL SPKI fingerprints', async () => {
  const [pkcs8, sec1, pkcs1, der] = await Promise.all([
    runCli(['inspect', file('leaf.key')]),
    runCli(['inspect', '--json', file('sec1.key')]),
    runCli(['inspect', '--json', file('rsa.key')]),
    runCli(['inspect', '--json', '-'], { stdin: opensslOk(dir, ['pkey', '-in', 'int.key', '-outform', 'DER']) }),
  ]);
  for (const result of [pkcs8, sec1, pkcs1, der]) assertOk(result);
  const leafSpki = opensslSpkiSha256(dir, 'leaf.key');
  const rsaSpki = opensslSpkiSha256(dir, 'int.key');
  assert.match(pkcs8.stdout, /^Private key\n/);
  assert.equal(field(pkcs8.stdout, 'Type'), 'EC P-256');
  assert.equal(field(pkcs8.stdout, 'Encrypted'), 'no');
  assert.equal(field(pkcs8.stdout, 'SPKI SHA-256'), leafSpki);
  assert.doesNotMatch(pkcs8.stdout, /BEGIN/);
  assert.deepEqual(JSON.parse(sec1.stdout), [
    {
      kind: 'privateKey',
      source: { format: 'pem', pemLabel: 'EC PRIVATE KEY' },
      isEncrypted: false,
      encryption: null,
      type: 'ec',
      curve: 'P-256',
      bits: 256,
      summary: 'EC P-256',
      spkiSha256: leafSpki,
      isSupported: true,
      unsupportedReason: null,
    },
  ]);
  const rsa = (JSON.parse(pkcs1.stdout) as Record<string, unknown>[])[0]!;
  assert.equal(rsa['summary'], 'RSA 2048');
  assert.equal(rsa['spkiSha256'], rsaSpki);
  const derKey = (JSON.parse(der.stdout) as Record<string, unknown>[])[0]!;
  assert.deepEqual([derKey['kind'], derKey['spkiSha256'], derKey['source']], ['privateKey', rsaSpki, { format: 'der', pemLabel: null }]);
});

test('an encrypted key is shown as encrypted without a passphrase, and described once decrypted', async () => {
  writeFileSync(file('wrong.txt'), 'not the passphrase\n');
  const [locked, unlocked, wrong] = await Promise.all([
    runCli(['inspect', '--json', file('leaf.enc.key')]),
    runCli(['inspect', '--passphrase-env', 'KEY_PASS', '-'], { stdin: readFileSync(file('leaf.enc.key')), env: { KEY_PASS: PASSPHRASE } }),
    runCli(['inspect', '--passphrase-file', file('wrong.txt'), file('leaf.enc.key')]),
  ]);
  assertOk(locked);
  const [key] = JSON.parse(locked.stdout) as Record<string, unknown>[];
  assert.equal(key!['isEncrypted'], true);
  assert.equal(key!['type'], null);
  assert.deepEqual(key!['encryption'], { scheme: 'PBES2', keyDerivation: 'PBKDF2-HMAC-SHA256', iterations: 2048, cipher: 'AES-256-CBC' });
  assertOk(unlocked);
  assert.equal(field(unlocked.stdout, 'Type'), 'EC P-256');
  assert.match(field(unlocked.stdout, 'Encrypted'), /^yes \(PBES2, /);
  assert.equal(field(unlocked.stdout, 'SPKI SHA-256'), opensslSpkiSha256(dir, 'leaf.key'));
  assertFailure(wrong, 2, 'KEY_BAD_PASSPHRASE');
  assert.doesNotMatch(wrong.stderr + unlocked.stdout, new RegExp(PASSPHRASE));
});

test('a key Symbolon would refuse (RSA 1024) is still described, and marked unsupported', async () => {
  opensslOk(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', 'weak.key']);
  const result = await runCli(['inspect', file('weak.key')]);
  assertOk(result);
  assert.equal(field(result.stdout, 'Type'), 'RSA 1024');
  assert.match(field(result.stdout, 'Supported'), /^no: an RSA key of 1024 bits is too weak/);
});
