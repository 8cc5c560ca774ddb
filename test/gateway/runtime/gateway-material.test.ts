import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { toPem } from '../../../src/x509/index.js';
import { makeTempDir } from '../../ca/support.js';
import { opensslOk } from '../../cli/pki-fixtures.js';
import { P256_LONG_SCALAR_PKCS8 } from '../../support/hostile-keys.js';
import { describeFailures, runIsolated } from '../../support/isolated-inputs.js';
import { CERTIFICATE_VARIABLE } from './gateway-material-checks.js';

const temp = makeTempDir('symbolon-gateway-material-');
after(() => temp.remove());

test('a listener key file is checked before node:crypto loads it: the hostile key of issue 13 is GATEWAY_TLS_MATERIAL_INVALID, in a process that lives on', async () => {
  opensslOk(temp.path, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'key.pem',
    '-out',
    'cert.pem',
    '-subj',
    '/CN=gateway.test',
    '-days',
    '2',
  ]);
  opensslOk(temp.path, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'other.pem']);
  const inputs = [
    readFileSync(join(temp.path, 'key.pem')),
    Buffer.from(toPem('PRIVATE KEY', P256_LONG_SCALAR_PKCS8)),
    P256_LONG_SCALAR_PKCS8,
    readFileSync(join(temp.path, 'other.pem')),
  ];
  const run = await runIsolated(new URL('./gateway-material-checks.ts', import.meta.url), 'loadKeyFile', inputs, {
    env: { [CERTIFICATE_VARIABLE]: readFileSync(join(temp.path, 'cert.pem'), 'utf8') },
  });
  assert.deepEqual(run.failures, [], describeFailures(run.failures));
  assert.deepEqual(run.results, ['loaded', 'GATEWAY_TLS_MATERIAL_INVALID', 'GATEWAY_TLS_MATERIAL_INVALID', 'GATEWAY_TLS_MATERIAL_INVALID']);
});
