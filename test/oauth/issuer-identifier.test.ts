import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkIssuerIdentifier } from '../../src/oauth/index.js';
import { runCli } from '../cli/run-cli.js';
import { assertCode, makeTempDir } from '../ca/support.js';
import { existsSync } from 'node:fs';

test('an issuer identifier is an https URL without query, fragment or credentials, given without its trailing slash', async () => {
  assert.equal(checkIssuerIdentifier('https://auth.example.com/'), 'https://auth.example.com');
  assert.equal(checkIssuerIdentifier('https://auth.example.com:8443/tenant'), 'https://auth.example.com:8443/tenant');
  for (const bad of [
    'http://auth.example.com',
    'auth.example.com',
    '',
    'https://auth.example.com/?a=b',
    'https://auth.example.com/#x',
    'https://user:secret@auth.example.com',
    `https://${'a'.repeat(2000)}.example`,
    'https://[::1',
  ])
    await assertCode(() => checkIssuerIdentifier(bad), 'OAUTH_ISSUER_INVALID');
});

test('up refuses a bad --oauth-issuer before it starts anything: exit 2, the code named', async () => {
  const temp = makeTempDir('symbolon-oauth-issuer-');
  try {
    const result = await runCli([
      'up',
      '--dir',
      `${temp.path}/data`,
      '--listen',
      '127.0.0.1:0',
      '--oauth-issuer',
      'http://auth.example.com',
    ]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /OAUTH_ISSUER_INVALID/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(`${temp.path}/data`), false, 'no CA was made');
  } finally {
    temp.remove();
  }
});
