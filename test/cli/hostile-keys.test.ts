import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { toPem } from '../../src/x509/index.js';
import { CA_PASSPHRASE, makeTemplateCa, makeTempDir } from '../ca/support.js';
import {
  P256_INFINITY_CSR,
  P256_INFINITY_SPKI,
  P256_LONG_SCALAR_PKCS8,
  SECP256K1_INFINITY_CERTIFICATE,
  SECP256K1_INFINITY_CSR,
} from '../support/hostile-keys.js';
import { opensslOk } from './pki-fixtures.js';
import { assertFailure, runCli } from './run-cli.js';

// Issue 13, section 0: each hostile key through the real `symbolon` process on every path that
// reads it. A native abort would exit 134 with a C++ stack on stderr; each must be a typed error
// on one line and exit 2.

const temp = makeTempDir('symbolon-hostile-cli-');
const file = (name: string): string => join(temp.path, name);
let ca: string;

before(async () => {
  writeFileSync(file('infinity.pub.der'), P256_INFINITY_SPKI);
  writeFileSync(file('infinity.pub.pem'), toPem('PUBLIC KEY', P256_INFINITY_SPKI));
  writeFileSync(file('long-scalar.key.der'), P256_LONG_SCALAR_PKCS8);
  writeFileSync(file('long-scalar.key.pem'), toPem('PRIVATE KEY', P256_LONG_SCALAR_PKCS8));
  writeFileSync(file('k1-infinity.crt'), toPem('CERTIFICATE', SECP256K1_INFINITY_CERTIFICATE));
  writeFileSync(file('k1-infinity.der'), SECP256K1_INFINITY_CERTIFICATE);
  writeFileSync(file('p256-infinity.csr'), toPem('CERTIFICATE REQUEST', P256_INFINITY_CSR));
  writeFileSync(file('k1-infinity.csr'), toPem('CERTIFICATE REQUEST', SECP256K1_INFINITY_CSR));
  writeFileSync(file('ca.pass'), CA_PASSPHRASE + '\n');
  opensslOk(temp.path, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'root.key',
    '-out',
    'root.crt',
    '-subj',
    '/CN=Hostile Test Root',
    '-days',
    '2',
  ]);
  ca = await makeTemplateCa(temp.path);
});
after(() => temp.remove());

test('inspect refuses the P-256 point at infinity, in PEM and DER: KEY_MALFORMED, exit 2', async () => {
  for (const name of ['infinity.pub.pem', 'infinity.pub.der']) assertFailure(await runCli(['inspect', file(name)]), 2, 'KEY_MALFORMED');
});

test('inspect refuses the PKCS#8 key with a scalar longer than P-256, in PEM and DER: KEY_MALFORMED, exit 2', async () => {
  for (const name of ['long-scalar.key.pem', 'long-scalar.key.der'])
    assertFailure(await runCli(['inspect', file(name)]), 2, 'KEY_MALFORMED');
});

test('inspect refuses the certificate whose key is the secp256k1 point at infinity: CERT_MALFORMED, exit 2', async () => {
  for (const name of ['k1-infinity.crt', 'k1-infinity.der']) assertFailure(await runCli(['inspect', file(name)]), 2, 'CERT_MALFORMED');
});

test('inspect refuses CSRs carrying the point at infinity: CSR_MALFORMED, exit 2', async () => {
  for (const name of ['p256-infinity.csr', 'k1-infinity.csr']) assertFailure(await runCli(['inspect', file(name)]), 2, 'CSR_MALFORMED');
});

test('csr create --key refuses the key with a scalar longer than P-256: KEY_MALFORMED, exit 2', async () => {
  for (const name of ['long-scalar.key.pem', 'long-scalar.key.der']) {
    assertFailure(
      await runCli(['csr', 'create', '--key', file(name), '--cn', 'hostile', '--out', file(`${name}.csr`)]),
      2,
      'KEY_MALFORMED',
    );
  }
});

test('ca sign refuses CSRs whose key is the point at infinity: CSR_MALFORMED, exit 2', async () => {
  for (const name of ['p256-infinity.csr', 'k1-infinity.csr']) {
    const result = await runCli([
      'ca',
      'sign',
      file(name),
      '--profile',
      'client',
      '--dir',
      ca,
      '--passphrase-file',
      file('ca.pass'),
      '--out',
      file(`${name}.crt`),
    ]);
    assertFailure(result, 2, 'CSR_MALFORMED');
  }
});

test('verify refuses the secp256k1 point at infinity as an intermediate and as the leaf: CERT_MALFORMED, exit 2', async () => {
  assertFailure(
    await runCli(['verify', file('root.crt'), '--roots', file('root.crt'), '--intermediates', file('k1-infinity.crt')]),
    2,
    'CERT_MALFORMED',
  );
  assertFailure(await runCli(['verify', file('k1-infinity.crt'), '--roots', file('root.crt')]), 2, 'CERT_MALFORMED');
  assertFailure(await runCli(['verify', file('root.crt'), '--roots', file('k1-infinity.crt')]), 2, 'CERT_MALFORMED');
});

test('inspect still shows a certificate with a valid secp256k1 key, read by Symbolon alone', async () => {
  opensslOk(temp.path, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:secp256k1',
    '-nodes',
    '-keyout',
    'k1.key',
    '-out',
    'k1.crt',
    '-subj',
    '/CN=k1',
    '-days',
    '2',
  ]);
  const result = await runCli(['inspect', file('k1.crt')]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Public key: +EC secp256k1 \(not used by Symbolon\)/);
  assert.match(result.stdout, /Self-signed: +not checked: /);
  // Its private key is refused before node:crypto reads it.
  assertFailure(await runCli(['inspect', file('k1.key')]), 2, 'KEY_UNSUPPORTED_TYPE');
});
