import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeOpensslPki, makeTempDir, opensslCertField, opensslOk, opensslSpkiSha256 } from './pki-fixtures.js';
import { assertOk, runCli } from './run-cli.js';
import type { CliResult } from './run-cli.js';

const temp = makeTempDir();
const dir = temp.path;
const file = (name: string): string => join(dir, name);

before(() => makeOpensslPki(dir));
after(() => temp.remove());

let chainJson: Promise<CliResult> | undefined;
/** `inspect --json chain.pem`, run once for the tests that read it. */
function inspectChainJson(): Promise<CliResult> {
  chainJson ??= runCli(['inspect', '--json', file('chain.pem')]);
  return chainJson;
}

/** The text after `label:` on its line of a report. */
function field(report: string, label: string): string {
  const line = report.split('\n').find((l) => l.trimStart().startsWith(`${label}:`));
  assert.ok(line !== undefined, `no "${label}" line in:\n${report}`);
  return line.slice(line.indexOf(':') + 1).trim();
}

/** The members of a certificate in `inspect --json` output that these tests look inside. */
type InspectedCertificate = Record<string, unknown> & {
  readonly subjectAltNames: readonly unknown[];
  readonly subjectKeyIdentifier: string;
  readonly authorityKeyIdentifier: { readonly keyIdentifier: string };
  readonly certificatePolicies: readonly { readonly policyId: string }[];
  readonly extensions: readonly { readonly oid: string }[];
  readonly issuerSignature: { readonly checkedAgainst: string };
};

test('shows every certificate of an OpenSSL chain, numbered, each checked against the next', async () => {
  const result = await runCli(['inspect', file('chain.pem')]);
  assertOk(result);
  const [leaf = '', intermediate = '', root = ''] = result.stdout.split(/\n(?=Certificate #)/);
  assert.match(leaf, /^Certificate #1 of 3\n/);
  assert.equal(field(leaf, 'Subject'), 'CN=api.acme.example,O=Acme');
  assert.equal(field(leaf, 'Issuer'), 'CN=Acme Intermediate,O=Acme');
  assert.equal(field(leaf, 'Serial'), '0a:1b:2c:3d:4e:5f:60:71:82:93');
  assert.match(field(leaf, 'Validity'), /^expires in (29|30) days$/);
  assert.equal(field(leaf, 'Public key'), 'EC P-256');
  assert.equal(field(leaf, 'SPKI SHA-256'), opensslSpkiSha256(dir, 'leaf.pem', 'cert'));
  assert.equal(field(leaf, 'Signature'), 'sha256WithRSAEncryption');
  assert.equal(field(leaf, 'Subject alt names'), 'DNS: api.acme.example, www.acme.example');
  assert.match(leaf, /^ +IP: 192\.0\.2\.1, 2001:db8::1$/m);
  assert.match(leaf, /^ +URI: spiffe:\/\/acme\.example\/ns\/prod\/sa\/api$/m);
  assert.match(leaf, /^ +email: ops@acme\.example$/m);
  assert.equal(field(leaf, 'SPIFFE ID'), 'spiffe://acme.example/ns/prod/sa/api');
  assert.equal(field(leaf, 'Key usage (critical)'), 'digitalSignature');
  assert.equal(field(leaf, 'Extended key usage'), 'serverAuth, clientAuth, 1.3.6.1.5.5.7.3.17');
  assert.equal(field(leaf, 'Basic constraints'), 'CA: false');
  assert.equal(field(leaf, 'CRL distribution points'), 'http://crl.acme.example/int.crl');
  assert.equal(field(leaf, 'OCSP'), 'http://ocsp.acme.example');
  assert.equal(field(leaf, 'CA issuers'), 'http://acme.example/int.cer');
  assert.equal(field(leaf, 'Policies'), '2.23.140.1.2.1');
  assert.match(leaf, /^ +1\.3\.6\.1\.4\.1\.99999\.1$/m);
  assert.equal(field(leaf, 'Authority key ID'), field(intermediate, 'Subject key ID'));
  assert.match(field(leaf, 'Subject key ID'), /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
  assert.equal(
    field(leaf, 'SHA-256 fingerprint'),
    opensslCertField(dir, 'leaf.pem', '-fingerprint', '-sha256').replaceAll(':', '').toLowerCase(),
  );
  assert.equal(field(leaf, 'Signed by #2'), 'valid');

  assert.match(intermediate, /^Certificate #2 of 3\n/);
  assert.equal(field(intermediate, 'Public key'), 'RSA 2048');
  assert.equal(field(intermediate, 'Basic constraints (critical)'), 'CA: true, path length: 0');
  assert.equal(field(intermediate, 'Key usage (critical)'), 'keyCertSign, cRLSign');
  assert.equal(field(intermediate, 'Name constraints (critical)'), 'permitted DNS:.acme.example');
  assert.match(intermediate, /^ +excluded IP:10\.0\.0\.0\/8$/m);
  assert.equal(field(intermediate, 'Signed by #3'), 'valid');

  assert.match(root, /^Certificate #3 of 3\n/);
  assert.equal(field(root, 'Public key'), 'EC P-384');
  assert.equal(field(root, 'Basic constraints (critical)'), 'CA: true, path length: unlimited');
  assert.equal(field(root, 'Self-signed'), 'valid');
  assert.doesNotMatch(result.stdout, /PRIVATE KEY/);
});

test('--json is one array with kind, ISO dates and hex, and serial and fingerprint as OpenSSL has them', async () => {
  const result = await inspectChainJson();
  assertOk(result);
  const doc = JSON.parse(result.stdout) as Record<string, unknown>[];
  assert.ok(Array.isArray(doc));
  assert.deepEqual(
    doc.map((object) => object['kind']),
    ['certificate', 'certificate', 'certificate'],
  );
  const [leaf, intermediate, root] = doc as [InspectedCertificate, InspectedCertificate, InspectedCertificate];
  assert.equal(leaf['serialNumber'], opensslCertField(dir, 'leaf.pem', '-serial').toLowerCase());
  assert.equal(leaf['fingerprintSha256'], opensslCertField(dir, 'leaf.pem', '-fingerprint', '-sha256').replaceAll(':', '').toLowerCase());
  assert.equal(leaf['notAfter'], new Date(opensslCertField(dir, 'leaf.pem', '-enddate')).toISOString());
  assert.equal(leaf['notBefore'], new Date(opensslCertField(dir, 'leaf.pem', '-startdate')).toISOString());
  assert.equal(leaf['validityStatus'], 'valid');
  assert.equal(leaf['subject'], 'CN=api.acme.example,O=Acme');
  assert.deepEqual(leaf['source'], { format: 'pem', pemLabel: 'CERTIFICATE' });
  assert.deepEqual(leaf['publicKey'], {
    algorithm: 'ec',
    algorithmOid: '1.2.840.10045.2.1',
    curve: 'P-256',
    bits: 256,
    spkiSha256: opensslSpkiSha256(dir, 'leaf.pem', 'cert'),
  });
  assert.deepEqual(leaf['dnsNames'], ['api.acme.example', 'www.acme.example']);
  assert.deepEqual(leaf['ipAddresses'], ['192.0.2.1', '2001:db8::1']);
  assert.deepEqual(leaf.subjectAltNames[4], { type: 'uri', value: 'spiffe://acme.example/ns/prod/sa/api' });
  assert.equal(leaf['spiffeId'], 'spiffe://acme.example/ns/prod/sa/api');
  assert.deepEqual(leaf['keyUsage'], ['digitalSignature']);
  assert.deepEqual(leaf['extKeyUsage'], [
    { oid: '1.3.6.1.5.5.7.3.1', name: 'serverAuth' },
    { oid: '1.3.6.1.5.5.7.3.2', name: 'clientAuth' },
    { oid: '1.3.6.1.5.5.7.3.17', name: null },
  ]);
  assert.deepEqual(leaf['basicConstraints'], { isCa: false, pathLenConstraint: null });
  assert.match(leaf.subjectKeyIdentifier, /^[0-9a-f]{40}$/);
  assert.equal(leaf.authorityKeyIdentifier.keyIdentifier, intermediate.subjectKeyIdentifier);
  assert.deepEqual(leaf['crlDistributionPoints'], ['http://crl.acme.example/int.crl']);
  assert.deepEqual(leaf['ocspUrls'], ['http://ocsp.acme.example']);
  assert.deepEqual(leaf['caIssuersUrls'], ['http://acme.example/int.cer']);
  assert.deepEqual(
    leaf.certificatePolicies.map((policy) => policy.policyId),
    ['2.23.140.1.2.1', '1.3.6.1.4.1.99999.1'],
  );
  assert.deepEqual(
    leaf.extensions.find((extension) => extension.oid === '2.5.29.15'),
    {
      oid: '2.5.29.15',
      name: 'keyUsage',
      critical: true,
      value: '03020780',
    },
  );
  assert.deepEqual(leaf['issuerSignature'], { checkedAgainst: 'next', result: 'valid', code: null, reason: null });
  assert.deepEqual(intermediate['basicConstraints'], { isCa: true, pathLenConstraint: 0 });
  assert.deepEqual(intermediate['nameConstraints'], {
    permitted: [{ type: 'dns', value: '.acme.example' }],
    excluded: [{ type: 'ip', value: '10.0.0.0/8' }],
  });
  assert.equal(intermediate['serialNumber'], '1001');
  assert.equal(root.issuerSignature.checkedAgainst, 'self');
});

test('reads DER, and standard input as -, the same as PEM', async () => {
  const [pem, der, stdinDer] = await Promise.all([
    inspectChainJson(),
    runCli(['inspect', '--json', file('leaf.der')]),
    runCli(['inspect', '--json', '-'], { stdin: readFileSync(file('leaf.der')) }),
  ]);
  for (const result of [pem, der, stdinDer]) assertOk(result);
  // The leaf alone has no next certificate to check its signature against; the rest is the same.
  const leafOf = (text: string): unknown =>
    (JSON.parse(text) as Record<string, unknown>[]).slice(0, 1).map(({ source: _source, issuerSignature: _check, ...rest }) => rest);
  assert.deepEqual(leafOf(der.stdout), leafOf(pem.stdout));
  assert.deepEqual(leafOf(stdinDer.stdout), leafOf(pem.stdout));
  assert.deepEqual((JSON.parse(der.stdout) as Record<string, unknown>[])[0]!['source'], { format: 'der', pemLabel: null });
});

test('states validity relative to --now: not yet valid, expires in, expired', async () => {
  const notBefore = new Date(opensslCertField(dir, 'leaf.pem', '-startdate')).getTime();
  const notAfter = new Date(opensslCertField(dir, 'leaf.pem', '-enddate')).getTime();
  const at = (ms: number): string => new Date(ms).toISOString();
  const minute = 60_000;
  const day = 24 * 60 * minute;
  const [early, valid, expired] = await Promise.all([
    runCli(['inspect', '--now', at(notBefore - 2 * 60 * minute - minute), file('leaf.pem')]),
    runCli(['inspect', '--now', at(notAfter - 12 * day - 60 * minute), file('leaf.pem')]),
    runCli(['inspect', '--now', at(notAfter + 3 * day + minute), file('leaf.pem')]),
  ]);
  for (const result of [early, valid, expired]) assertOk(result);
  assert.equal(field(early.stdout, 'Validity'), 'not valid for another 2 hours');
  assert.equal(field(valid.stdout, 'Validity'), 'expires in 12 days');
  assert.equal(field(expired.stdout, 'Validity'), 'expired 3 days ago');
});

test('a chain out of order is still shown, with the signature that does not verify marked', async () => {
  writeFileSync(file('disorder.pem'), readFileSync(file('root.pem'), 'utf8') + readFileSync(file('leaf.pem'), 'utf8'));
  const result = await runCli(['inspect', file('disorder.pem')]);
  assertOk(result);
  assert.equal(field(result.stdout, 'Signed by #2'), 'INVALID');
});

test('shows each block of a PEM file of mixed kinds in order, and notes the blocks it skips', async () => {
  const params = opensslOk(dir, ['ecparam', '-name', 'prime256v1']).toString('utf8');
  const mixed = ['leaf.key', 'leaf.pem', 'leaf.csr', 'leaf.pub'].map((name) => readFileSync(file(name), 'utf8')).join('') + params;
  writeFileSync(file('mixed.pem'), 'Explanatory text before the blocks\n' + mixed);
  const json = await runCli(['inspect', '--json', file('mixed.pem')]);
  assert.equal(json.code, 0);
  assert.equal(json.stderr, 'symbolon: note: skipped a "EC PARAMETERS" PEM block, which inspect does not read\n');
  const doc = JSON.parse(json.stdout) as Record<string, unknown>[];
  assert.deepEqual(
    doc.map((object) => object['kind']),
    ['privateKey', 'certificate', 'csr', 'publicKey'],
  );
  const spki = opensslSpkiSha256(dir, 'leaf.key');
  assert.equal(doc[0]!['spkiSha256'], spki);
  assert.equal(doc[3]!['spkiSha256'], spki);
  assert.deepEqual(doc[2]!['signatureCheck'], { result: 'valid', code: null, reason: null });
});
