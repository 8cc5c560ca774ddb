import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeOpensslPki, makeTempDir } from './pki-fixtures.js';
import { assertFailure, runCli } from './run-cli.js';

const temp = makeTempDir();
const dir = temp.path;
const file = (name: string): string => join(dir, name);

before(() => makeOpensslPki(dir));
after(() => temp.remove());

/** `symbolon inspect` on a file holding `contents`: exit 2 and one `symbolon: CODE:` line. */
async function assertRefused(name: string, contents: string | Uint8Array, code: string): Promise<void> {
  writeFileSync(file(name), contents);
  assertFailure(await runCli(['inspect', file(name)]), 2, code);
}

function leafPem(): string {
  return readFileSync(file('leaf.pem'), 'utf8');
}

// Each case is one process; they run side by side to keep the suite quick.
describe('inspect refuses bad input with exit 2 and a typed error, never a stack trace', { concurrency: 4 }, () => {
  test('an empty file is INPUT_EMPTY', () => assertRefused('empty', '', 'INPUT_EMPTY'));

  test('binary garbage is INPUT_UNRECOGNIZED', () => {
    // A fixed pseudo-random pattern, so that a failure replays.
    const garbage = Buffer.alloc(3000, 0).map((_, i) => (i * 7919 + 13) % 251);
    return assertRefused('garbage.bin', garbage, 'INPUT_UNRECOGNIZED');
  });

  test('PEM blocks of kinds inspect does not read are INPUT_UNRECOGNIZED', () =>
    assertRefused('other.pem', '-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n', 'INPUT_UNRECOGNIZED'));

  test('input over 4 MiB is INPUT_TOO_LARGE', () => assertRefused('big.pem', Buffer.alloc(4 * 1024 * 1024 + 1, 0x41), 'INPUT_TOO_LARGE'));

  test('a missing file is INPUT_UNREADABLE', async () => {
    assertFailure(await runCli(['inspect', file('no-such-file.pem')]), 2, 'INPUT_UNREADABLE');
  });

  test('a directory is INPUT_UNREADABLE', async () => {
    mkdirSync(file('a-directory'));
    assertFailure(await runCli(['inspect', file('a-directory')]), 2, 'INPUT_UNREADABLE');
  });

  test('a PEM file cut off before its END line is PEM_UNTERMINATED', () =>
    assertRefused('cut.pem', leafPem().slice(0, 400), 'PEM_UNTERMINATED'));

  test('a PEM file cut off inside its BEGIN line is PEM_UNTERMINATED', () =>
    assertRefused('cut-begin.pem', '-----BEGIN CERTIF', 'PEM_UNTERMINATED'));

  test('a PEM body that is not base64 is PEM_BAD_BASE64', () => {
    const lines = leafPem().split('\n');
    lines[2] = '!' + lines[2]!.slice(1);
    return assertRefused('bad-base64.pem', lines.join('\n'), 'PEM_BAD_BASE64');
  });

  test('a certificate whose DER is cut short is INPUT_UNRECOGNIZED (it is no longer DER)', () => {
    const der = readFileSync(file('leaf.der'));
    return assertRefused('cut.der', der.subarray(0, der.length - 10), 'INPUT_UNRECOGNIZED');
  });

  test('a certificate with a damaged field is a CERT error', () => {
    const der = Buffer.from(readFileSync(file('leaf.der')));
    // The version [0] holds INTEGER 2 at a fixed place in OpenSSL's output; 5 is no version.
    const at = der.indexOf(Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]));
    der[at + 4] = 0x05;
    return assertRefused('bad-version.der', der, 'CERT_UNSUPPORTED_VERSION');
  });

  test('an unknown option is USAGE', async () => {
    assertFailure(await runCli(['inspect', '--colour', file('leaf.pem')]), 2, 'USAGE');
  });
});
