import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildCertsOnlyPkcs7, parseCertificates } from '../../src/x509/index.js';
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
