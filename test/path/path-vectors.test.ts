import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrustBundle, validatePath } from '../../src/path/index.js';
import type { PathResult } from '../../src/path/index.js';
import { parseCertificate, parseCrl, toPem } from '../../src/x509/index.js';
import { AT, makePathVectors } from '../../scripts/make-path-vectors.js';
import type { PathVector } from '../../scripts/make-path-vectors.js';
import { hasCommand, makeTempDir } from '../x509/openssl-interop-build-tools.js';

// Every vector of scripts/make-path-vectors.ts: the result and code Symbolon must give, then
// the same chain through `openssl verify` and, for the valid ones, GnuTLS `certtool
// --verify-chain`. Where a tool is expected to differ, the vector says which rule decides.

const hasOpenssl = hasCommand('openssl');
const hasCerttool = hasCommand('certtool');
const dir = makeTempDir('symbolon-path-vectors-');
after(() => dir.remove());

/** A hostile vector still ends well within this (the bench machine has two shared cores). */
const HOSTILE_TIME_LIMIT_MS = 3000;

const vectors = await makePathVectors();

function validate(vector: PathVector): PathResult {
  const anchors = new TrustBundle(vector.anchors.map((der) => parseCertificate(der)));
  return validatePath(vector.leaf, {
    anchors,
    intermediates: vector.intermediates,
    at: AT,
    purpose: vector.purpose,
    crls: vector.crls.map((der) => parseCrl(der)),
    ...(vector.peer !== undefined && { peer: vector.peer }),
    ...(vector.crlRequirement !== undefined && { crlRequirement: vector.crlRequirement }),
    ...(vector.limits !== undefined && { limits: vector.limits }),
    ...(vector.profile !== undefined && { profile: vector.profile }),
  });
}

let fileCount = 0;
function pemFile(label: 'CERTIFICATE' | 'X509 CRL', ders: readonly Buffer[]): string {
  const path = join(dir.path, `${fileCount++}.pem`);
  writeFileSync(path, ders.map((d) => toPem(label, d)).join(''));
  return path;
}

function opensslVerify(vector: PathVector): { ok: boolean; output: string } {
  const args = [
    'verify',
    '-x509_strict',
    '-attime',
    String(Math.floor(AT.getTime() / 1000)),
    '-CAfile',
    pemFile('CERTIFICATE', vector.anchors),
  ];
  if (vector.intermediates.length > 0) args.push('-untrusted', pemFile('CERTIFICATE', vector.intermediates));
  if (vector.purpose !== 'any') args.push('-purpose', vector.purpose === 'client' ? 'sslclient' : 'sslserver');
  if (vector.peer?.type === 'dns') args.push('-verify_hostname', vector.peer.value);
  if (vector.peer?.type === 'ip') args.push('-verify_ip', vector.peer.value);
  if (vector.peer?.type === 'email') args.push('-verify_email', vector.peer.value);
  args.push(...(vector.opensslArgs ?? []));
  if (vector.crls.length > 0)
    args.push(vector.crlRequirement === 'chain' ? '-crl_check_all' : '-crl_check', '-CRLfile', pemFile('X509 CRL', vector.crls));
  args.push(pemFile('CERTIFICATE', [vector.leaf]));
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  return {
    ok: result.status === 0 && /: OK\s*$/.test(result.stdout),
    output: `openssl ${args.join(' ')}\n${result.stdout}${result.stderr}`,
  };
}

function certtoolVerifyChain(path: readonly Buffer[]): { ok: boolean; output: string } {
  const result = spawnSync('certtool', ['--verify-chain', '--infile', pemFile('CERTIFICATE', path)], { encoding: 'utf8' });
  return { ok: result.status === 0 && /Chain verification output: Verified/.test(result.stdout), output: result.stdout + result.stderr };
}

test('the generator makes a vector for every rule, valid and invalid', () => {
  assert.ok(vectors.length >= 80, `${vectors.length} vectors`);
  const codes = new Set(vectors.flatMap((vector) => (vector.expected.ok ? [] : [vector.expected.code])));
  for (const code of [
    'PATH_CERT_MALFORMED',
    'PATH_EXTENSION_INVALID',
    'PATH_NO_ISSUER',
    'PATH_SIGNATURE_INVALID',
    'PATH_EXPIRED',
    'PATH_NOT_YET_VALID',
    'PATH_NOT_CA',
    'PATH_LENGTH_EXCEEDED',
    'PATH_KEY_USAGE_INVALID',
    'PATH_EXTENDED_KEY_USAGE_INVALID',
    'PATH_NAME_CONSTRAINT_VIOLATED',
    'PATH_UNKNOWN_CRITICAL_EXTENSION',
    'PATH_POLICY_INVALID',
    'PATH_NAME_MISMATCH',
    'PATH_REVOKED',
    'PATH_REVOCATION_UNKNOWN',
    'PATH_CRL_INVALID',
    'PATH_CRL_NOT_CURRENT',
    'PATH_LIMIT_EXCEEDED',
  ] as const) {
    assert.ok(codes.has(code), `no vector ends with ${code}`);
  }
  assert.ok(vectors.filter((vector) => vector.expected.ok).length >= 25);
});

for (const vector of vectors) {
  test(`${vector.expected.ok ? 'accepts' : `refuses with ${vector.expected.code}`}: ${vector.name}`, () => {
    const started = performance.now();
    const result = validate(vector);
    const elapsedMs = performance.now() - started;
    if (vector.expected.ok) {
      assert.ok(result.ok, `expected a valid chain, got ${JSON.stringify(result)}`);
      if (vector.expected.pathLength !== undefined) assert.equal(result.path.length, vector.expected.pathLength);
      assert.equal(result.path[0]!.der.equals(vector.leaf), true);
    } else {
      assert.equal(result.ok, false, `expected ${vector.expected.code}, the chain validated`);
      assert.equal(result.code, vector.expected.code, result.detail);
      if (vector.expected.certificateIndex !== undefined)
        assert.equal(result.certificateIndex, vector.expected.certificateIndex, result.detail);
      assert.ok(result.detail.length > 10);
    }
    if (vector.isHostile === true) assert.ok(elapsedMs < HOSTILE_TIME_LIMIT_MS, `took ${elapsedMs.toFixed(0)} ms`);
  });
}

test(
  'OpenSSL agrees with every vector, except where a vector names the rule that decides',
  { skip: !hasOpenssl && 'openssl is not installed' },
  () => {
    const surprises: string[] = [];
    let compared = 0;
    for (const vector of vectors) {
      if (vector.openssl === 'skip') continue;
      const expected = vector.openssl ?? vector.expected.ok;
      const { ok, output } = opensslVerify(vector);
      compared++;
      if (ok !== expected)
        surprises.push(`${vector.name}: openssl says ${ok ? 'OK' : 'no'}, expected ${expected ? 'OK' : 'no'}\n${output}`);
      // A vector that names a disagreement with OpenSSL must really be one.
      if (vector.disagreement !== undefined && vector.openssl !== undefined)
        assert.notEqual(expected, vector.expected.ok, `${vector.name} names a disagreement that is not one`);
    }
    assert.ok(compared >= 60, `${compared} vectors compared`);
    assert.deepEqual(surprises, []);
  },
);

test(
  'GnuTLS certtool --verify-chain accepts the path Symbolon found for every valid vector',
  { skip: !hasCerttool && 'certtool is not installed' },
  () => {
    const surprises: string[] = [];
    let compared = 0;
    for (const vector of vectors) {
      if (!vector.expected.ok || vector.certtool === 'skip') continue;
      const result = validate(vector);
      assert.ok(result.ok);
      const expected = vector.certtool ?? true;
      const { ok, output } = certtoolVerifyChain(result.path.map((certificate) => certificate.der));
      compared++;
      if (ok !== expected) surprises.push(`${vector.name}: certtool says ${ok ? 'Verified' : 'no'}\n${output}`);
    }
    assert.ok(compared >= 25, `${compared} vectors compared`);
    assert.deepEqual(surprises, []);
  },
);
