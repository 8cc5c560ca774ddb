import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSymbolonError } from '../../src/errors.js';
import { buildCertsOnlyPkcs7, parseCertificates, parseCertsOnlyPkcs7 } from '../../src/x509/index.js';
import { makeTempDir } from '../ca/support.js';
import { runTool } from '../support/revocation-harness.js';

const temp = makeTempDir('symbolon-pkcs7-');
after(() => temp.remove());

test('a certs-only PKCS#7 holds the certificates given, as OpenSSL reads it, in DER SET OF order', async () => {
  const pems: string[] = [];
  for (const name of ['a', 'b', 'c']) {
    const made = await runTool('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(temp.path, `${name}.key`),
      '-out',
      join(temp.path, `${name}.crt`),
      '-subj',
      `/CN=${name}`,
      '-days',
      '1',
    ]);
    assert.equal(made.code, 0, made.output);
    pems.push((await runTool('cat', [join(temp.path, `${name}.crt`)])).stdout);
  }
  const certificates = parseCertificates(pems.join(''));
  const file = join(temp.path, 'certs.p7');
  writeFileSync(file, buildCertsOnlyPkcs7(certificates.map((certificate) => certificate.der)));
  const printed = await runTool('openssl', ['pkcs7', '-inform', 'DER', '-in', file, '-print_certs']);
  assert.equal(printed.code, 0, printed.output);
  const read = parseCertificates(printed.stdout);
  assert.deepEqual(
    read.map((certificate) => certificate.der.toString('hex')).sort(),
    certificates.map((certificate) => certificate.der.toString('hex')).sort(),
  );
  // X.690 11.6: the SET OF is in ascending order of the encodings.
  assert.deepEqual(
    read.map((certificate) => certificate.der.toString('hex')),
    read.map((certificate) => certificate.der.toString('hex')).sort(),
  );
  const empty = join(temp.path, 'empty.p7');
  writeFileSync(empty, buildCertsOnlyPkcs7([]));
  assert.equal((await runTool('openssl', ['pkcs7', '-inform', 'DER', '-in', empty, '-print_certs'])).code, 0);
});

test('parseCertsOnlyPkcs7 reads what OpenSSL writes (crl2pkcs7 -nocrl) and what buildCertsOnlyPkcs7 writes', async () => {
  const made = await runTool('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(temp.path, 'read.key'),
    '-out',
    join(temp.path, 'read.crt'),
    '-subj',
    '/CN=read',
    '-days',
    '1',
  ]);
  assert.equal(made.code, 0, made.output);
  const p7 = join(temp.path, 'openssl.p7');
  const converted = await runTool('openssl', [
    'crl2pkcs7',
    '-nocrl',
    '-certfile',
    join(temp.path, 'read.crt'),
    '-outform',
    'DER',
    '-out',
    p7,
  ]);
  assert.equal(converted.code, 0, converted.output);
  const certificate = parseCertificates(readFileSync(join(temp.path, 'read.crt'), 'utf8'))[0]!;
  assert.deepEqual(parseCertsOnlyPkcs7(readFileSync(p7)), [certificate.der]);
  assert.deepEqual(parseCertsOnlyPkcs7(buildCertsOnlyPkcs7([certificate.der])), [certificate.der]);
  assert.throws(
    () => parseCertsOnlyPkcs7(buildCertsOnlyPkcs7([])),
    (error: unknown) => isSymbolonError(error, 'PKCS7_MALFORMED'),
  );
});

test('any byte string, or a mutated certs-only PKCS#7, gives certificates or a typed error (seeded)', () => {
  const valid = buildCertsOnlyPkcs7([Buffer.from('3003020101', 'hex')]);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc
          .array(fc.record({ at: fc.nat({ max: valid.length - 1 }), value: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 4 })
          .map((edits) => {
            const bytes = Buffer.from(valid);
            for (const edit of edits) bytes[edit.at] = edit.value;
            return bytes;
          }),
      ),
      (bytes) => {
        try {
          assert.ok(Array.isArray(parseCertsOnlyPkcs7(bytes)));
        } catch (error) {
          assert.ok(isSymbolonError(error), String(error));
        }
      },
    ),
    { seed: 18, numRuns: 3000 },
  );
});
