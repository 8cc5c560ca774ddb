import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MAX_KEY_INPUT_BYTES, readKeyFile, writePrivateKeyFile, writePublicKeyFile } from '../../src/keys/index.js';
import { assertCode, makeTempDir, outcomeCode } from './support.js';

const dir = makeTempDir();
after(() => dir.remove());
let counter = 0;
/** A fresh, empty directory inside the test's temporary directory. */
function freshDir(): string {
  const path = join(dir.path, `case-${counter++}`);
  mkdirSync(path);
  return path;
}

const modeOf = (path: string): number => statSync(path).mode & 0o777;

test('writes a private key file with mode 0600', async () => {
  const path = join(freshDir(), 'key.pem');
  await writePrivateKeyFile(path, 'secret\n');
  assert.equal(modeOf(path), 0o600);
  assert.equal(readFileSync(path, 'utf8'), 'secret\n');
});

test('writes a private key file with mode 0600 whatever the umask allows', async () => {
  const previous = process.umask(0o000);
  try {
    const path = join(freshDir(), 'key.pem');
    await writePrivateKeyFile(path, 'secret\n');
    assert.equal(modeOf(path), 0o600);
  } finally {
    process.umask(previous);
  }
});

test('writes a public key file with mode 0644 less the umask', async () => {
  const path = join(freshDir(), 'key.pub.pem');
  await writePublicKeyFile(path, Buffer.from('public\n'));
  const umask = process.umask();
  assert.equal(modeOf(path), 0o644 & ~umask);
});

test('refuses to overwrite an existing file with KEY_FILE_EXISTS and leaves it untouched', async () => {
  const directory = freshDir();
  const path = join(directory, 'key.pem');
  writeFileSync(path, 'old');
  await assertCode(() => writePrivateKeyFile(path, 'new'), 'KEY_FILE_EXISTS');
  await assertCode(() => writePublicKeyFile(path, 'new'), 'KEY_FILE_EXISTS');
  assert.equal(readFileSync(path, 'utf8'), 'old');
  assert.deepEqual(readdirSync(directory), ['key.pem']);
});

test('overwrites when asked, and the new file is 0600 even where the old one was 0644', async () => {
  const directory = freshDir();
  const path = join(directory, 'key.pem');
  writeFileSync(path, 'old');
  chmodSync(path, 0o644);
  await writePrivateKeyFile(path, 'new', { overwrite: true });
  assert.equal(readFileSync(path, 'utf8'), 'new');
  assert.equal(modeOf(path), 0o600);
  assert.deepEqual(readdirSync(directory), ['key.pem']);
});

test('lets exactly one of several concurrent writers create the file', async () => {
  const directory = freshDir();
  const path = join(directory, 'key.pem');
  const writers = Array.from({ length: 8 }, (_, index) => outcomeCode(() => writePrivateKeyFile(path, `writer ${index}`)));
  const outcomes = await Promise.all(writers);
  assert.equal(outcomes.filter((code) => code === null).length, 1);
  assert.equal(outcomes.filter((code) => code === 'KEY_FILE_EXISTS').length, 7);
  assert.match(readFileSync(path, 'utf8'), /^writer \d$/);
  assert.deepEqual(readdirSync(directory), ['key.pem']);
});

test('refuses to write into a missing directory with KEY_FILE_UNWRITABLE, leaving nothing behind', async () => {
  const directory = freshDir();
  await assertCode(() => writePrivateKeyFile(join(directory, 'missing', 'key.pem'), 'secret'), 'KEY_FILE_UNWRITABLE');
  assert.deepEqual(readdirSync(directory), []);
});

test('refuses to replace a directory with KEY_FILE_UNWRITABLE and removes its temporary file', async () => {
  const directory = freshDir();
  mkdirSync(join(directory, 'key.pem'));
  await assertCode(() => writePrivateKeyFile(join(directory, 'key.pem'), 'secret', { overwrite: true }), 'KEY_FILE_UNWRITABLE');
  assert.deepEqual(readdirSync(directory), ['key.pem']);
});

test('reads back what it wrote', async () => {
  const path = join(freshDir(), 'key.der');
  const bytes = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]);
  await writePrivateKeyFile(path, bytes);
  assert.deepEqual(await readKeyFile(path), bytes);
});

test('reads a file of exactly the size cap and refuses one byte more with INPUT_TOO_LARGE', async () => {
  const directory = freshDir();
  writeFileSync(join(directory, 'cap'), Buffer.alloc(MAX_KEY_INPUT_BYTES, 0x41));
  writeFileSync(join(directory, 'over'), Buffer.alloc(MAX_KEY_INPUT_BYTES + 1, 0x41));
  assert.equal((await readKeyFile(join(directory, 'cap'))).length, MAX_KEY_INPUT_BYTES);
  await assertCode(() => readKeyFile(join(directory, 'over')), 'INPUT_TOO_LARGE');
});

test('refuses a missing file, a directory and a FIFO with INPUT_UNREADABLE', async () => {
  const directory = freshDir();
  await assertCode(() => readKeyFile(join(directory, 'missing.pem')), 'INPUT_UNREADABLE');
  await assertCode(() => readKeyFile(directory), 'INPUT_UNREADABLE');
  const fifo = join(directory, 'fifo');
  execFileSync('mkfifo', [fifo]);
  await assertCode(() => readKeyFile(fifo), 'INPUT_UNREADABLE');
});
