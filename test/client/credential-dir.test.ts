import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { prepareCredentialDir, readCredentialDir, writeCredentialDir } from '../../src/client/index.js';
import type { Credential } from '../../src/client/index.js';
import { parseCertificate, parsePem } from '../../src/x509/index.js';
import { assertCode, makeTempDir } from '../ca/support.js';
import { selfSignedServer } from '../support/self-signed-server.js';

// The credential directory on its own: versions, the `current` swap, what a killed writer leaves,
// and directories that do not hold a matching key and certificate (refused, never used).

const temp = makeTempDir('symbolon-credential-dir-');
after(() => temp.remove());

async function credential(name: string): Promise<Credential> {
  const made = await selfSignedServer(temp.path, name);
  return {
    privateKey: createPrivateKey(made.key),
    keyPem: made.key,
    certificate: parseCertificate(parsePem(made.cert, 'CERTIFICATE')[0]!),
    chainPem: made.cert,
    caPem: made.cert,
    receivedAt: new Date('2026-01-02T03:04:05Z'),
  };
}

test('each write is a new version made current; the one before is kept, older ones go; leftovers of a killed writer are removed', async () => {
  const dir = join(temp.path, 'versions');
  await prepareCredentialDir(dir);
  assert.equal(await readCredentialDir(dir), undefined);
  const written: string[] = [];
  for (const name of ['one', 'two', 'three']) written.push(await writeCredentialDir(dir, await credential(name)));
  assert.deepEqual(written, ['v-000001', 'v-000002', 'v-000003']);
  const held = await readCredentialDir(dir);
  assert.equal(held?.version, 'v-000003');
  assert.deepEqual(held?.receivedAt, new Date('2026-01-02T03:04:05Z'));
  assert.deepEqual(
    readdirSync(dir).filter((name) => name.startsWith('v-')),
    ['v-000002', 'v-000003'],
  );
  mkdirSync(join(dir, '.tmp-deadbeef'));
  writeFileSync(join(dir, '.tmp-deadbeef', 'key.pem'), 'half');
  symlinkSync('v-000002', join(dir, '.current-deadbeef'));
  await prepareCredentialDir(dir);
  assert.deepEqual(
    readdirSync(dir).filter((name) => name.startsWith('.')),
    [],
  );
});

test('a current that points outside the versions, or a version whose key is not its certificate, is CLIENT_CREDENTIAL_DIR_INVALID', async () => {
  const dir = join(temp.path, 'hostile');
  await prepareCredentialDir(dir);
  await writeCredentialDir(dir, await credential('good'));
  rmSync(join(dir, 'current'));
  symlinkSync('../../etc', join(dir, 'current'));
  await assertCode(() => readCredentialDir(dir), 'CLIENT_CREDENTIAL_DIR_INVALID');

  rmSync(join(dir, 'current'));
  symlinkSync('v-000001', join(dir, 'current'));
  const other = await credential('other');
  writeFileSync(join(dir, 'v-000001', 'key.pem'), other.keyPem);
  await assertCode(() => readCredentialDir(dir), 'CLIENT_CREDENTIAL_DIR_INVALID');

  writeFileSync(join(dir, 'v-000001', 'chain.pem'), 'not a certificate');
  await assertCode(() => readCredentialDir(dir), 'CLIENT_CREDENTIAL_DIR_INVALID');
});
