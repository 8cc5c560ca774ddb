import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import { runProgram } from '../../src/cli/program.js';
import { toPem } from '../../src/x509/index.js';
import { AT, makePathVectors } from '../../scripts/make-path-vectors.js';
import type { PathVector } from '../../scripts/make-path-vectors.js';
import { makeProfileVectors } from '../../scripts/make-profile-vectors.js';
import { makeTempDir } from '../x509/openssl-interop-build-tools.js';
import { CA_PASSPHRASE, copyCa, makeTemplateCa, makeTempDir as makeCaTempDir } from '../ca/support.js';

const dir = makeTempDir('symbolon-verify-cli-');
after(() => dir.remove());
const vectors = await makePathVectors();
const AT_SECONDS = String(Math.floor(AT.getTime() / 1000));

function vector(name: string): PathVector {
  const found = vectors.find((v) => v.name === name);
  assert.ok(found, name);
  return found;
}

let count = 0;
function file(label: 'CERTIFICATE' | 'X509 CRL', ders: readonly Buffer[]): string {
  const path = join(dir.path, `${count++}.pem`);
  writeFileSync(path, ders.map((d) => toPem(label, d)).join(''));
  return path;
}

function filesOf(v: PathVector): string[] {
  const args = [file('CERTIFICATE', [v.leaf]), '--roots', file('CERTIFICATE', v.anchors)];
  if (v.intermediates.length > 0) args.push('--intermediates', file('CERTIFICATE', v.intermediates));
  for (const crl of v.crls) args.push('--crl', file('X509 CRL', [crl]));
  return args;
}

async function verify(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runProgram(['verify', ...args], [verifyCommand], { out: (t) => (out += t), err: (t) => (err += t) }, '0.0.0');
  return { code, out, err };
}

const valid = vector('valid P-256 chain for a TLS client');

test('a valid chain exits 0 and prints the path', async () => {
  const { code, out, err } = await verify(...filesOf(valid), '--at', AT_SECONDS, '--purpose', 'client', '--dns', 'client-1.example.com');
  assert.equal(code, 0, err);
  assert.match(out, /^OK: .*CN=client-1.* <- .*CN=Vector Issuing CA.* <- .*CN=Vector Root/);
});

test('--intermediates may be repeated: every file is read, not only the last', async () => {
  const cross = vector('a cross-signed root leads to the other anchor');
  const [issuing, crossSigned] = cross.intermediates;
  const base = [file('CERTIFICATE', [cross.leaf]), '--roots', file('CERTIFICATE', cross.anchors), '--at', AT_SECONDS];
  const { code, err } = await verify(
    ...base,
    '--intermediates',
    file('CERTIFICATE', [issuing!]),
    '--intermediates',
    file('CERTIFICATE', [crossSigned!]),
  );
  assert.equal(code, 0, err);
  const onlyOne = await verify(...base, '--intermediates', file('CERTIFICATE', [crossSigned!]));
  assert.equal(onlyOne.code, 1);
  assert.match(onlyOne.err, /^symbolon: PATH_NO_ISSUER: /);
});

test('--at takes RFC 3339 as well as Unix seconds', async () => {
  assert.equal((await verify(...filesOf(valid), '--at', '2030-01-01T00:00:00Z')).code, 0);
  const expired = await verify(...filesOf(valid), '--at', '2046-01-01T00:00:00Z');
  assert.equal(expired.code, 1);
  assert.match(expired.err, /^symbolon: PATH_EXPIRED: /);
});

test('an invalid chain exits 1 with the code and a sentence on one line', async () => {
  const { code, out, err } = await verify(...filesOf(vector('an expired leaf')), '--at', AT_SECONDS);
  assert.equal(code, 1);
  assert.equal(out, '');
  assert.match(err, /^symbolon: PATH_EXPIRED: certificate 0 expired at 2029-01-01T00:00:00.000Z\n$/);
});

test('--json prints the result as JSON, valid or not', async () => {
  const good = await verify(...filesOf(valid), '--at', AT_SECONDS, '--json');
  assert.equal(good.code, 0);
  const parsed = JSON.parse(good.out) as { valid: boolean; path: unknown[] };
  assert.equal(parsed.valid, true);
  assert.equal(parsed.path.length, 3);
  const bad = await verify(...filesOf(vector('a leaf listed in its issuer CRL')), '--at', AT_SECONDS, '--json');
  assert.equal(bad.code, 1);
  assert.deepEqual((JSON.parse(bad.out) as { code: unknown }).code, 'PATH_REVOKED');
  assert.equal((JSON.parse(bad.out) as { certificateIndex: unknown }).certificateIndex, 0);
});

test('the peer name options check the leaf', async () => {
  const mismatch = await verify(...filesOf(valid), '--at', AT_SECONDS, '--dns', 'other.example.com');
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.err, /^symbolon: PATH_NAME_MISMATCH: /);
  assert.equal((await verify(...filesOf(valid), '--at', AT_SECONDS, '--uri', 'spiffe://example.org/ns/prod/sa/api')).code, 0);
  assert.equal((await verify(...filesOf(valid), '--at', AT_SECONDS, '--ip', '10.1.2.3')).code, 0);
  assert.equal((await verify(...filesOf(valid), '--at', AT_SECONDS, '--email', 'ops@example.com')).code, 0);
});

test('--purpose and --max-depth reach the validator', async () => {
  const serverOnly = vector('a server-only leaf used as a TLS client');
  const refused = await verify(...filesOf(serverOnly), '--at', AT_SECONDS, '--purpose', 'client');
  assert.equal(refused.code, 1);
  assert.match(refused.err, /PATH_EXTENDED_KEY_USAGE_INVALID/);
  const cross = vector('a cross-signed root leads to the other anchor');
  assert.equal((await verify(...filesOf(cross), '--at', AT_SECONDS)).code, 0);
  const tooDeep = await verify(...filesOf(cross), '--at', AT_SECONDS, '--max-depth', '1');
  assert.equal(tooDeep.code, 1);
  assert.match(tooDeep.err, /PATH_LIMIT_EXCEEDED/);
});

test('--max-depth 0 accepts a leaf issued by the root and refuses one below an intermediate', async () => {
  const direct = vector('an anchor with pathLen 0 issues a leaf directly');
  const accepted = await verify(...filesOf(direct), '--at', AT_SECONDS, '--max-depth', '0');
  assert.equal(accepted.code, 0, accepted.err);
  const refused = await verify(...filesOf(valid), '--at', AT_SECONDS, '--max-depth', '0');
  assert.equal(refused.code, 1);
  assert.match(refused.err, /^symbolon: PATH_LIMIT_EXCEEDED: /);
  assert.equal((await verify(...filesOf(valid), '--max-depth', '-1')).code, 2);
});

test('--profile rfc5280 relaxes the strict profile, which is the default', async () => {
  const [weak] = (await makeProfileVectors()).filter((v) => v.name === 'an RSA key of 1024 bits');
  const args = [
    file('CERTIFICATE', [weak!.leaf]),
    '--roots',
    file('CERTIFICATE', weak!.anchors),
    '--intermediates',
    file('CERTIFICATE', weak!.intermediates),
    '--at',
    AT_SECONDS,
  ];
  const strict = await verify(...args);
  assert.equal(strict.code, 1);
  assert.match(strict.err, /^symbolon: PATH_WEAK_KEY: /);
  assert.equal((await verify(...args, '--profile', 'strict')).code, 1);
  const relaxed = await verify(...args, '--profile', 'rfc5280');
  assert.equal(relaxed.code, 0, relaxed.err);
  assert.equal((await verify(...args, '--profile', 'lenient')).code, 2);
});

test('usage and input errors exit 2', async () => {
  const both = await verify(...filesOf(valid), '--dns', 'a.example.com', '--ip', '10.0.0.1');
  assert.equal(both.code, 2);
  assert.match(both.err, /^symbolon: USAGE: /);
  assert.equal((await verify(...filesOf(valid), '--at', 'yesterday')).code, 2);
  assert.equal((await verify(...filesOf(valid), '--purpose', 'email')).code, 2);
  const notACertificate = join(dir.path, 'garbage.pem');
  writeFileSync(notACertificate, 'not a certificate');
  assert.equal((await verify(notACertificate, '--roots', file('CERTIFICATE', valid.anchors))).code, 2);
  const noRoots = await verify(file('CERTIFICATE', [valid.leaf]), '--dir', join(dir.path, 'no-such-data-dir'));
  assert.equal(noRoots.code, 2);
  assert.match(noRoots.err, /no --roots given/);
});

test('the symbolon process exits 0, 1 and 2 as documented', () => {
  const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
  const run = (...args: string[]): number | null =>
    spawnSync(process.execPath, ['--import', 'tsx', main, 'verify', ...args], { encoding: 'utf8' }).status;
  assert.equal(run(...filesOf(valid), '--at', AT_SECONDS), 0);
  assert.equal(run(...filesOf(vector('an expired leaf')), '--at', AT_SECONDS), 1);
  assert.equal(run(...filesOf(valid), '--max-depth', 'x'), 2);
});

// Issue #13: CRLs given must cover what --crl-check says (the whole chain by default), and a
// chain of the data directory's CA is checked against its own records.

function withCrls(v: PathVector, crls: readonly Buffer[]): string[] {
  const args = [file('CERTIFICATE', [v.leaf]), '--roots', file('CERTIFICATE', v.anchors), '--at', AT_SECONDS];
  if (v.intermediates.length > 0) args.push('--intermediates', file('CERTIFICATE', v.intermediates));
  for (const crl of crls) args.push('--crl', file('X509 CRL', [crl]));
  return args;
}

test('with --crl, the CRLs must cover every certificate below the root unless --crl-check says less', async () => {
  const covered = vector('a leaf not listed in current CRLs');
  const [issuingCrl, rootCrl] = covered.crls as [Buffer, Buffer];
  assert.equal((await verify(...withCrls(covered, [issuingCrl, rootCrl]))).code, 0);
  // The root's CRL alone does not cover the leaf: a CRL of another issuer is not an answer.
  const notCovering = await verify(...withCrls(covered, [rootCrl]));
  assert.equal(notCovering.code, 1);
  assert.match(notCovering.err, /^symbolon: PATH_REVOCATION_UNKNOWN: .*certificate 0/);
  const noRootCrl = await verify(...withCrls(covered, [issuingCrl]));
  assert.equal(noRootCrl.code, 1);
  assert.match(noRootCrl.err, /^symbolon: PATH_REVOCATION_UNKNOWN: .*certificate 1/);
  assert.equal((await verify(...withCrls(covered, [issuingCrl]), '--crl-check', 'leaf')).code, 0);
  assert.equal((await verify(...withCrls(covered, [rootCrl]), '--crl-check', 'available')).code, 0);
  assert.equal((await verify(...withCrls(covered, [rootCrl]), '--crl-check', 'leaf')).code, 1);
  assert.equal((await verify(...withCrls(covered, []), '--crl-check', 'sometimes')).code, 2);
  // What a CRL lists is revoked whatever --crl-check says.
  const revoked = await verify(
    ...withCrls(vector('a leaf listed in its issuer CRL'), vector('a leaf listed in its issuer CRL').crls),
    '--crl-check',
    'available',
  );
  assert.equal(revoked.code, 1);
  assert.match(revoked.err, /^symbolon: PATH_REVOKED: /);
});

test("without --roots, a certificate the data directory's CA revoked is refused from its records, without --crl", async () => {
  const temp = makeCaTempDir('symbolon-verify-own-');
  try {
    const ca = copyCa(await makeTemplateCa(temp.path), temp.path);
    const passphrase = join(temp.path, 'ca.pass');
    writeFileSync(passphrase, `${CA_PASSPHRASE}\n`);
    const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
      let out = '';
      let err = '';
      const code = await runProgram(args, COMMANDS, { out: (t) => void (out += t), err: (t) => void (err += t) }, '0.0.0');
      return { code, out, err };
    };
    for (const name of ['kept', 'revoked']) {
      const issued = await run(
        'ca',
        'issue',
        '--dir',
        ca,
        '--passphrase-file',
        passphrase,
        '--profile',
        'client',
        '--name',
        name,
        '--out',
        join(temp.path, name),
      );
      assert.equal(issued.code, 0, issued.err);
    }
    const revoke = await run('ca', 'revoke', join(temp.path, 'revoked.crt'), '--reason', 'keyCompromise', '--dir', ca);
    assert.equal(revoke.code, 0, revoke.err);
    const kept = await run('verify', join(temp.path, 'kept.crt'), '--dir', ca);
    assert.equal(kept.code, 0, kept.err);
    const refused = await run('verify', join(temp.path, 'revoked.crt'), '--dir', ca);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /^symbolon: PATH_REVOKED: certificate 0 .*keyCompromise/);
  } finally {
    temp.remove();
  }
});
