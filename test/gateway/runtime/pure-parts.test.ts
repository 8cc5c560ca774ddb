import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWorkerCount } from '../../../src/cli/gateway/gateway-workers.js';
import { reasonOfOpenSslError, reasonOfPathError } from '../../../src/gateway/runtime/client-verifier.js';
import { ERROR_CODES } from '../../../src/errors.js';
import type { PathErrorCode } from '../../../src/path/index.js';

test('OpenSSL verify errors map to the rejection reasons a client can act on', () => {
  assert.equal(reasonOfOpenSslError('CERT_HAS_EXPIRED'), 'expired');
  assert.equal(reasonOfOpenSslError('CERT_NOT_YET_VALID'), 'not_yet_valid');
  assert.equal(reasonOfOpenSslError('INVALID_PURPOSE'), 'wrong_usage');
  assert.equal(reasonOfOpenSslError('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), 'untrusted_issuer');
  assert.equal(reasonOfOpenSslError('SELF_SIGNED_CERT_IN_CHAIN'), 'untrusted_issuer');
  assert.equal(reasonOfOpenSslError('PERMITTED_VIOLATION'), 'chain_invalid');
  assert.equal(reasonOfOpenSslError('something new'), 'untrusted_issuer');
});

test('every strict-validation failure maps to a documented rejection reason', () => {
  const codes = Object.keys(ERROR_CODES).filter((code) => code.startsWith('PATH_')) as PathErrorCode[];
  assert.ok(codes.length > 10);
  assert.equal(reasonOfPathError('PATH_NAME_CONSTRAINT_VIOLATED'), 'chain_invalid');
  assert.equal(reasonOfPathError('PATH_EXTENDED_KEY_USAGE_INVALID'), 'wrong_usage');
  assert.equal(reasonOfPathError('PATH_EXPIRED'), 'expired');
});

test('--workers takes auto or 1 to 256, and refuses anything else with USAGE', () => {
  assert.ok(parseWorkerCount('auto') >= 1);
  assert.equal(parseWorkerCount('3'), 3);
  for (const bad of ['0', '257', '-1', '1.5', 'many', '', '0x10']) assert.throws(() => parseWorkerCount(bad), { code: 'USAGE' }, bad);
});
