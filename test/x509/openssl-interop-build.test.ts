import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSigner } from '../../src/keys/index.js';
import type { Signer, SignerOptions } from '../../src/keys/index.js';
import { buildCertificate, buildSelfSignedCertificate } from '../../src/x509/certificate-builder.js';
import type { CertificateTemplate } from '../../src/x509/certificate-builder.js';
import { buildCsr } from '../../src/x509/csr/csr-builder.js';
import { keyIdentifier } from '../../src/x509/extensions/encoding-key-ids.js';
import { encodeName, parseName } from '../../src/x509/name.js';
import { OID } from '../../src/x509/oids.js';
import { toPem } from '../../src/asn1/pem.js';
import { asn1parse, certificateExtensions, hasCommand, makeTempDir, run } from './openssl-interop-build-tools.js';

const hasOpenssl = hasCommand('openssl');
const hasCerttool = hasCommand('certtool');
const skipWithoutOpenssl = !hasOpenssl && 'openssl is not installed';
const dir = makeTempDir('symbolon-interop-');
after(() => dir.remove());

// Every certificate covers the time the tests run, except the ones after 2049, checked with -attime.
const NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
const LEAF_NOT_AFTER = new Date('2045-01-01T00:00:00Z');
const INTERMEDIATE_NOT_AFTER = new Date('2055-01-01T00:00:00Z');
const ROOT_NOT_AFTER = new Date('2060-01-01T00:00:00Z');
const POLICY = '1.3.6.1.4.1.99999.1.1';

type KeyKind = 'P-256' | 'P-384' | 'Ed25519' | 'RSA PKCS#1 v1.5' | 'RSA-PSS';

const rsaKeys: KeyObject[] = [];
function rsaKey(index: number): KeyObject {
  // RSA keys are slow to make: PKCS#1 v1.5 and PSS share them.
  while (rsaKeys.length <= index) rsaKeys.push(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  return rsaKeys[index]!;
}

interface Party {
  readonly privateKey: KeyObject;
  readonly signer: Signer;
  readonly spki: Buffer;
  readonly keyId: Buffer;
  readonly name: Buffer;
}

function party(kind: KeyKind, subject: string, index = 0): Party {
  let privateKey: KeyObject;
  let options: SignerOptions = {};
  switch (kind) {
    case 'P-256':
      privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      break;
    case 'P-384':
      privateKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
      break;
    case 'Ed25519':
      privateKey = generateKeyPairSync('ed25519').privateKey;
      break;
    case 'RSA PKCS#1 v1.5':
      privateKey = rsaKey(index);
      break;
    case 'RSA-PSS':
      privateKey = rsaKey(index);
      options = { rsaPadding: 'pss' };
      break;
  }
  const signer = createSigner(privateKey, options);
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, signer, spki, keyId: keyIdentifier(spki), name: encodeName(parseName(subject)) };
}

let fileCount = 0;
function writePem(label: 'CERTIFICATE' | 'CERTIFICATE REQUEST', ...ders: Buffer[]): string {
  const path = join(dir.path, `${fileCount++}.pem`);
  writeFileSync(path, ders.map((d) => toPem(label, d)).join(''));
  return path;
}

let serial = 1000n;

async function rootCa(p: Party, pathLenConstraint = 1): Promise<Buffer> {
  return buildSelfSignedCertificate(
    {
      serialNumber: serial++,
      subject: p.name,
      notBefore: NOT_BEFORE,
      notAfter: ROOT_NOT_AFTER,
      basicConstraints: { isCa: true, pathLenConstraint },
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    p.signer,
  );
}

type IssueFields = Omit<
  CertificateTemplate,
  'serialNumber' | 'issuer' | 'subject' | 'subjectPublicKey' | 'authorityKeyIdentifier' | 'notBefore' | 'notAfter'
> &
  Partial<Pick<CertificateTemplate, 'serialNumber' | 'subject' | 'notBefore' | 'notAfter'>>;

function issue(issuer: Party, subject: Party, fields: IssueFields): Promise<Buffer> {
  return buildCertificate(
    {
      serialNumber: serial++,
      subject: subject.name,
      notBefore: NOT_BEFORE,
      notAfter: LEAF_NOT_AFTER,
      ...fields,
      issuer: issuer.name,
      subjectPublicKey: subject.spki,
      authorityKeyIdentifier: issuer.keyId,
    },
    issuer.signer,
  );
}

function text(certificate: Buffer): string {
  const result = run('openssl', ['x509', '-inform', 'DER', '-noout', '-text'], certificate);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

interface VerifyOptions {
  readonly intermediates?: readonly Buffer[];
  readonly args?: readonly string[];
}

function opensslVerify(root: Buffer, leaf: Buffer, options: VerifyOptions = {}): { ok: boolean; output: string } {
  const args = ['verify', '-x509_strict', '-CAfile', writePem('CERTIFICATE', root)];
  if (options.intermediates !== undefined) args.push('-untrusted', writePem('CERTIFICATE', ...options.intermediates));
  args.push(...(options.args ?? []), writePem('CERTIFICATE', leaf));
  const result = run('openssl', args);
  return { ok: result.status === 0 && /: OK\s*$/.test(result.stdout), output: result.stdout + result.stderr };
}

function assertOpensslVerifies(root: Buffer, leaf: Buffer, options: VerifyOptions = {}): void {
  const { ok, output } = opensslVerify(root, leaf, options);
  assert.ok(ok, output);
}

function certtoolVerify(chain: readonly Buffer[], extra: readonly string[] = []): { ok: boolean; output: string } {
  const result = run('certtool', ['--verify-chain', '--infile', writePem('CERTIFICATE', ...chain), ...extra]);
  return { ok: result.status === 0 && /Chain verification output: Verified/.test(result.stdout), output: result.stdout + result.stderr };
}

function assertCerttoolVerifies(chain: readonly Buffer[], extra: readonly string[] = []): void {
  if (!hasCerttool) return;
  const { ok, output } = certtoolVerify(chain, extra);
  assert.ok(ok, output);
}

// One hierarchy for the profile tests: a P-256 root, a P-384 intermediate with name constraints.
const root = party('P-256', '/C=US/O=Symbolon Test/CN=Test Root CA');
const intermediate = party('P-384', '/C=US/O=Symbolon Test/CN=Test Issuing CA');
const rootCert = await rootCa(root);
const intermediateCert = await issue(root, intermediate, {
  notAfter: INTERMEDIATE_NOT_AFTER,
  basicConstraints: { isCa: true, pathLenConstraint: 0 },
  keyUsage: ['keyCertSign', 'cRLSign'],
  certificatePolicies: [{ policyId: OID.anyPolicy }],
  nameConstraints: {
    permitted: [
      { type: 'dns', value: 'example.com' },
      { type: 'ip', value: '10.0.0.0/8' },
      { type: 'ip', value: 'fd00::/8' },
      { type: 'uri', value: 'example.org' },
      { type: 'uri', value: '.example.org' },
      { type: 'email', value: 'example.com' },
    ],
    excluded: [
      { type: 'dns', value: 'forbidden.example.com' },
      { type: 'ip', value: '10.66.0.0/16' },
      { type: 'uri', value: '.evil.example.org' },
      { type: 'email', value: 'mallory@example.com' },
    ],
  },
});
const chainOf = (leaf: Buffer): Buffer[] => [leaf, intermediateCert, rootCert];

test('a self-signed root CA with pathLen 1 is accepted by OpenSSL and GnuTLS', { skip: skipWithoutOpenssl }, () => {
  const shown = text(rootCert);
  assert.match(shown, /Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
  assert.match(shown, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
  assert.match(shown, /Issuer: C = US, O = Symbolon Test, CN = Test Root CA/);
  assert.match(shown, /Subject: C = US, O = Symbolon Test, CN = Test Root CA/);
  const extensions = certificateExtensions(rootCert);
  const ski = extensions.get(OID.subjectKeyIdentifier)!.value;
  assert.deepEqual(extensions.get(OID.authorityKeyIdentifier)!.value, Buffer.concat([Buffer.from([0x30, 22, 0x80, 20]), ski.subarray(2)]));
  assertOpensslVerifies(rootCert, rootCert);
  assertCerttoolVerifies([rootCert]);
});

test('an intermediate with pathLen 0 and DNS/IP/URI/email name constraints chains to the root', { skip: skipWithoutOpenssl }, () => {
  const shown = text(intermediateCert);
  assert.match(shown, /CA:TRUE, pathlen:0/);
  assert.match(shown, /Name Constraints: critical/);
  const permitted = shown.slice(shown.indexOf('Permitted:'), shown.indexOf('Excluded:'));
  const excluded = shown.slice(shown.indexOf('Excluded:'));
  for (const name of [
    'DNS:example.com',
    'IP:10.0.0.0/255.0.0.0',
    'IP:FD00:0:0:0:0:0:0:0/FF00:0:0:0:0:0:0:0',
    'URI:example.org',
    'email:example.com',
  ])
    assert.ok(permitted.includes(name), `${name} in ${permitted}`);
  for (const name of ['DNS:forbidden.example.com', 'IP:10.66.0.0/255.255.0.0', 'URI:.evil.example.org', 'email:mallory@example.com'])
    assert.ok(excluded.includes(name), `${name} in ${excluded}`);
  assertOpensslVerifies(rootCert, intermediateCert);
  assertCerttoolVerifies([intermediateCert, rootCert]);
});

test('a TLS server leaf with DNS, IPv4 and IPv6 names verifies for sslserver', { skip: skipWithoutOpenssl }, async () => {
  const leafKey = party('P-256', '/O=Symbolon Test/CN=api.example.com');
  const leaf = await issue(intermediate, leafKey, {
    basicConstraints: { isCa: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['serverAuth'],
    subjectAltName: [
      { type: 'dns', value: 'api.example.com' },
      { type: 'dns', value: '*.api.example.com' },
      { type: 'ip', value: '10.1.2.3' },
      { type: 'ip', value: 'fd00::1' },
    ],
  });
  const shown = text(leaf);
  assert.match(
    shown,
    /Subject Alternative Name: \n\s+DNS:api.example.com, DNS:\*.api.example.com, IP Address:10.1.2.3, IP Address:FD00:0:0:0:0:0:0:1/,
  );
  assert.match(shown, /Extended Key Usage: \n\s+TLS Web Server Authentication/);
  assert.match(shown, /Basic Constraints: \n\s+CA:FALSE/);
  assertOpensslVerifies(rootCert, leaf, {
    intermediates: [intermediateCert],
    args: ['-purpose', 'sslserver', '-verify_hostname', 'x.api.example.com'],
  });
  assertOpensslVerifies(rootCert, leaf, { intermediates: [intermediateCert], args: ['-purpose', 'sslserver', '-verify_ip', 'fd00::1'] });
  assert.equal(opensslVerify(rootCert, leaf, { intermediates: [intermediateCert], args: ['-purpose', 'sslclient'] }).ok, false);
  assertCerttoolVerifies(chainOf(leaf), ['--verify-hostname', 'api.example.com', '--verify-purpose', OID.serverAuth]);
});

test('a client leaf with an email name verifies for sslclient', { skip: skipWithoutOpenssl }, async () => {
  const leafKey = party('P-256', '/O=Symbolon Test/CN=alice');
  const leaf = await issue(intermediate, leafKey, {
    basicConstraints: { isCa: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['clientAuth'],
    subjectAltName: [{ type: 'email', value: 'alice@example.com' }],
  });
  const shown = text(leaf);
  assert.match(shown, /Subject Alternative Name: \n\s+email:alice@example.com/);
  assert.match(shown, /TLS Web Client Authentication/);
  assertOpensslVerifies(rootCert, leaf, {
    intermediates: [intermediateCert],
    args: ['-purpose', 'sslclient', '-verify_email', 'alice@example.com'],
  });
  assertCerttoolVerifies(chainOf(leaf), ['--verify-email', 'alice@example.com', '--verify-purpose', OID.clientAuth]);
});

test('a SPIFFE leaf with an empty subject gets a critical URI subjectAltName', { skip: skipWithoutOpenssl }, async () => {
  const leafKey = party('P-256', '');
  const fields = {
    basicConstraints: { isCa: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    subjectAltName: [{ type: 'uri', value: 'spiffe://example.org/ns/prod/sa/api' }],
  } satisfies IssueFields;
  const leaf = await issue(intermediate, leafKey, fields);
  const shown = text(leaf);
  assert.match(shown, /Subject: \n/);
  assert.match(shown, /Subject Alternative Name: critical\s+URI:spiffe:\/\/example.org\/ns\/prod\/sa\/api/);
  assert.equal(certificateExtensions(leaf).get(OID.subjectAltName)!.critical, true);
  assertOpensslVerifies(rootCert, leaf, { intermediates: [intermediateCert], args: ['-purpose', 'sslclient'] });
  if (!hasCerttool) return;
  // GnuTLS does not evaluate excluded URI subtrees and so, as RFC 5280 4.2.1.10 allows, rejects
  // every URI name under them; under a CA that only permits the trust domain it accepts.
  assert.match(certtoolVerify(chainOf(leaf)).output, /violates the signer's constraints/);
  const spiffeCa = party('P-256', '/O=Symbolon Test/CN=Test SPIFFE CA');
  const spiffeCaCert = await issue(root, spiffeCa, {
    notAfter: INTERMEDIATE_NOT_AFTER,
    basicConstraints: { isCa: true, pathLenConstraint: 0 },
    keyUsage: ['keyCertSign', 'cRLSign'],
    nameConstraints: { permitted: [{ type: 'uri', value: 'example.org' }], excluded: [] },
  });
  const spiffeLeaf = await issue(spiffeCa, leafKey, fields);
  assertOpensslVerifies(rootCert, spiffeLeaf, { intermediates: [spiffeCaCert], args: ['-purpose', 'sslclient'] });
  assertCerttoolVerifies([spiffeLeaf, spiffeCaCert, rootCert]);
});

test('an OCSP signer carries ocspSigning and id-pkix-ocsp-nocheck', { skip: skipWithoutOpenssl }, async () => {
  const leafKey = party('P-256', '/O=Symbolon Test/CN=Test OCSP Responder');
  const leaf = await issue(intermediate, leafKey, {
    basicConstraints: { isCa: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['ocspSigning'],
    ocspNoCheck: true,
  });
  const shown = text(leaf);
  assert.match(shown, /Extended Key Usage: \n\s+OCSP Signing/);
  assert.match(shown, /OCSP No Check: \n/);
  assertOpensslVerifies(rootCert, leaf, { intermediates: [intermediateCert], args: ['-purpose', 'ocsphelper'] });
  assertCerttoolVerifies(chainOf(leaf), ['--verify-purpose', OID.ocspSigning]);
});

test('a leaf with CRL distribution points, AIA and policies satisfies an explicit policy', { skip: skipWithoutOpenssl }, async () => {
  const leafKey = party('P-256', '/O=Symbolon Test/CN=svc.example.com');
  const leaf = await issue(intermediate, leafKey, {
    basicConstraints: { isCa: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    subjectAltName: [{ type: 'dns', value: 'svc.example.com' }],
    crlDistributionPoints: ['http://ca.example.com/issuing.crl'],
    freshestCrl: ['http://ca.example.com/issuing-delta.crl'],
    authorityInfoAccess: { ocsp: ['http://ocsp.example.com'], caIssuers: ['http://ca.example.com/issuing.cer'] },
    certificatePolicies: [{ policyId: POLICY, cpsUris: ['https://example.com/cps'], userNotice: 'Nur für Tests' }],
  });
  const shown = text(leaf);
  assert.match(shown, /CRL Distribution Points: \n\s+Full Name:\s+URI:http:\/\/ca.example.com\/issuing.crl/);
  assert.match(shown, /Freshest CRL: \n\s+Full Name:\s+URI:http:\/\/ca.example.com\/issuing-delta.crl/);
  assert.match(shown, /OCSP - URI:http:\/\/ocsp.example.com\n\s+CA Issuers - URI:http:\/\/ca.example.com\/issuing.cer/);
  assert.match(
    shown,
    new RegExp(`Policy: ${POLICY.replaceAll('.', '\\.')}\\s+CPS: https://example.com/cps\\s+User Notice:\\s+Explicit Text: Nur f`),
  );
  assertOpensslVerifies(rootCert, leaf, {
    intermediates: [intermediateCert],
    args: ['-purpose', 'sslserver', '-policy', POLICY, '-explicit_policy'],
  });
  assert.equal(
    opensslVerify(rootCert, leaf, { intermediates: [intermediateCert], args: ['-policy', '1.3.6.1.4.1.99999.1.2', '-explicit_policy'] }).ok,
    false,
  );
  assertCerttoolVerifies(chainOf(leaf));
});

test("names outside the intermediate's constraints are refused by OpenSSL and GnuTLS", { skip: skipWithoutOpenssl }, async () => {
  const leafKey = party('P-256', '/O=Symbolon Test/CN=leaf');
  const cases: Array<[string, CertificateTemplate['subjectAltName'], RegExp]> = [
    ['excluded DNS name', [{ type: 'dns', value: 'x.forbidden.example.com' }], /excluded subtree violation/],
    ['DNS name outside permitted', [{ type: 'dns', value: 'example.net' }], /permitted subtree violation/],
    ['excluded IPv4 address', [{ type: 'ip', value: '10.66.1.1' }], /excluded subtree violation/],
    ['IPv4 outside permitted', [{ type: 'ip', value: '192.168.1.1' }], /permitted subtree violation/],
    ['IPv6 outside permitted', [{ type: 'ip', value: '2001:db8::1' }], /permitted subtree violation/],
    ['excluded URI host', [{ type: 'uri', value: 'spiffe://a.evil.example.org/x' }], /excluded subtree violation/],
    ['excluded mailbox', [{ type: 'email', value: 'mallory@example.com' }], /excluded subtree violation/],
  ];
  for (const [what, subjectAltName, expected] of cases) {
    const leaf = await issue(intermediate, leafKey, {
      basicConstraints: { isCa: false },
      keyUsage: ['digitalSignature'],
      subjectAltName: subjectAltName!,
    });
    const { ok, output } = opensslVerify(rootCert, leaf, { intermediates: [intermediateCert] });
    assert.equal(ok, false, what);
    assert.match(output, expected, what);
    if (hasCerttool) assert.equal(certtoolVerify(chainOf(leaf)).ok, false, `GnuTLS accepted the ${what}`);
  }
});

test('times from 2050 on are GeneralizedTime, before are UTCTime', { skip: skipWithoutOpenssl }, async () => {
  const leafKey = party('P-256', '/O=Symbolon Test/CN=future.example.com');
  const future = await issue(intermediate, leafKey, {
    notBefore: new Date('2050-06-01T00:00:00Z'),
    notAfter: new Date('2051-06-01T00:00:00Z'),
    basicConstraints: { isCa: false },
    subjectAltName: [{ type: 'dns', value: 'future.example.com' }],
  });
  assert.match(asn1parse(future), /GENERALIZEDTIME\s+:20500601000000Z[\s\S]*GENERALIZEDTIME\s+:20510601000000Z/);
  assert.match(text(future), /Not Before: Jun {2}1 00:00:00 2050 GMT\s+Not After : Jun {2}1 00:00:00 2051 GMT/);
  const atTime = String(Date.UTC(2050, 11, 1) / 1000);
  assertOpensslVerifies(rootCert, future, { intermediates: [intermediateCert], args: ['-attime', atTime] });
  assert.equal(opensslVerify(rootCert, future, { intermediates: [intermediateCert] }).ok, false);

  const boundary = await issue(intermediate, leafKey, {
    notBefore: new Date('2049-12-31T23:59:59Z'),
    notAfter: new Date('2050-01-01T00:00:00Z'),
    basicConstraints: { isCa: false },
    subjectAltName: [{ type: 'dns', value: 'future.example.com' }],
  });
  assert.match(asn1parse(boundary), /UTCTIME\s+:491231235959Z\s[\s\S]*GENERALIZEDTIME\s+:20500101000000Z/);
  assertOpensslVerifies(rootCert, boundary, {
    intermediates: [intermediateCert],
    args: ['-attime', String(Date.UTC(2049, 11, 31, 23, 59, 59) / 1000)],
  });
  // The root's own notAfter (2060) is GeneralizedTime as well.
  assert.match(asn1parse(rootCert), /UTCTIME\s+:250101000000Z[\s\S]*GENERALIZEDTIME\s+:20600101000000Z/);
});

test(
  '20-octet serial numbers, with the sign octet in front of a high bit, are read back by OpenSSL',
  { skip: skipWithoutOpenssl },
  async () => {
    const leafKey = party('P-256', '/O=Symbolon Test/CN=serial.example.com');
    // 19 magnitude octets with the high bit set: INTEGER content 00 ff ..., 20 octets.
    const highBit = Buffer.concat([Buffer.from([0xff]), Buffer.alloc(18, 0xa5)]);
    // 20 magnitude octets without the high bit: 20 octets as well.
    const full = Buffer.concat([Buffer.from([0x7f]), Buffer.alloc(19, 0x5a)]);
    for (const serialNumber of [highBit, full]) {
      const leaf = await issue(intermediate, leafKey, {
        serialNumber,
        basicConstraints: { isCa: false },
        subjectAltName: [{ type: 'dns', value: 'serial.example.com' }],
      });
      const shown = run('openssl', ['x509', '-inform', 'DER', '-noout', '-serial'], leaf);
      assert.equal(shown.stdout.trim(), `serial=${serialNumber.toString('hex').toUpperCase()}`);
      // The first INTEGER is the version, the second the serial.
      const integers = [...asn1parse(leaf).matchAll(/INTEGER\s+:([0-9A-F]+)/g)].map((m) => m[1]);
      assert.equal(integers[1], serialNumber.toString('hex').toUpperCase());
      assertOpensslVerifies(rootCert, leaf, { intermediates: [intermediateCert] });
      assertCerttoolVerifies(chainOf(leaf));
    }
  },
);

const KEY_KINDS: ReadonlyArray<[KeyKind, RegExp]> = [
  ['P-256', /Signature Algorithm: ecdsa-with-SHA256[\s\S]*NIST CURVE: P-256/],
  ['P-384', /Signature Algorithm: ecdsa-with-SHA384[\s\S]*NIST CURVE: P-384/],
  ['Ed25519', /Signature Algorithm: ED25519[\s\S]*Public Key Algorithm: ED25519/],
  ['RSA PKCS#1 v1.5', /Signature Algorithm: sha256WithRSAEncryption[\s\S]*Public-Key: \(2048 bit\)/],
  ['RSA-PSS', /Signature Algorithm: rsassaPss[\s\S]*Hash Algorithm: sha256[\s\S]*Salt Length: 0x20[\s\S]*Public-Key: \(2048 bit\)/],
];

for (const [kind, expected] of KEY_KINDS) {
  test(`a ${kind} root signs a ${kind} leaf that OpenSSL and GnuTLS verify`, { skip: skipWithoutOpenssl }, async () => {
    const kindRoot = party(kind, `/O=Symbolon Test/CN=${kind} Root`, 0);
    const kindLeaf = party(kind, `/O=Symbolon Test/CN=${kind} leaf`, 1);
    const rootDer = await rootCa(kindRoot, 0);
    const leaf = await issue(kindRoot, kindLeaf, {
      basicConstraints: { isCa: false },
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['serverAuth'],
      subjectAltName: [{ type: 'dns', value: 'leaf.example.com' }],
    });
    assert.match(text(leaf), expected);
    assertOpensslVerifies(rootDer, rootDer);
    assertOpensslVerifies(rootDer, leaf, { args: ['-purpose', 'sslserver'] });
    assertCerttoolVerifies([leaf, rootDer]);
  });

  test(`a ${kind} CSR verifies in OpenSSL and GnuTLS and shows its requested extensions`, { skip: skipWithoutOpenssl }, async () => {
    const requester = party(kind, '/C=US/O=Symbolon Test/CN=device-7', 1);
    const csr = await buildCsr(
      {
        subject: parseName('/C=US/O=Symbolon Test/CN=device-7'),
        subjectAltName: [
          { type: 'dns', value: 'device-7.example.com' },
          { type: 'ip', value: '10.9.8.7' },
          { type: 'uri', value: 'spiffe://example.org/device/7' },
        ],
        keyUsage: ['digitalSignature'],
        extKeyUsage: ['clientAuth'],
        basicConstraints: { isCa: false },
        challengePassword: 'one-time-123',
      },
      requester.signer,
    );
    const path = writePem('CERTIFICATE REQUEST', csr);
    const verified = run('openssl', ['req', '-verify', '-noout', '-in', path]);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout + verified.stderr, /verify OK/);
    const shown = run('openssl', ['req', '-text', '-noout', '-in', path]).stdout;
    assert.match(shown, /Subject: C = US, O = Symbolon Test, CN = device-7/);
    assert.match(shown, /challengePassword\s+:one-time-123/);
    assert.match(shown, /Requested Extensions:/);
    assert.match(
      shown,
      /Subject Alternative Name: \n\s+DNS:device-7.example.com, IP Address:10.9.8.7, URI:spiffe:\/\/example.org\/device\/7/,
    );
    assert.match(shown, /Key Usage: critical\s+Digital Signature/);
    assert.match(shown, /Extended Key Usage: \n\s+TLS Web Client Authentication/);
    assert.match(shown, /Basic Constraints: \n\s+CA:FALSE/);
    if (hasCerttool) {
      const info = run('certtool', ['--crq-info', '--infile', path]);
      assert.equal(info.status, 0, info.stderr);
      assert.match(info.stdout, /Self signature: verified/);
      assert.match(info.stdout, /DNSname: device-7.example.com/);
      assert.match(info.stdout, /Challenge password: one-time-123/);
    }
  });
}

test('OpenSSL can issue from our CSR, copying its requested extensions', { skip: skipWithoutOpenssl }, async () => {
  const requester = party('P-256', '');
  const csr = await buildCsr(
    { subject: [], subjectAltName: [{ type: 'uri', value: 'spiffe://example.org/ns/prod/sa/api' }], extKeyUsage: ['clientAuth'] },
    requester.signer,
  );
  const ca = party('P-256', '/CN=OpenSSL CA');
  const caCert = await rootCa(ca, 0);
  const keyPath = join(dir.path, 'openssl-ca-key.pem');
  writeFileSync(keyPath, ca.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const args = [
    'x509',
    '-req',
    '-in',
    writePem('CERTIFICATE REQUEST', csr),
    '-CA',
    writePem('CERTIFICATE', caCert),
    '-CAkey',
    keyPath,
    '-copy_extensions',
    'copy',
    '-days',
    '1',
    '-text',
    '-noout',
  ];
  const issued = run('openssl', args);
  assert.equal(issued.status, 0, issued.stderr);
  assert.match(issued.stdout, /Subject Alternative Name: critical\s+URI:spiffe:\/\/example.org\/ns\/prod\/sa\/api/);
  assert.match(issued.stdout, /TLS Web Client Authentication/);
});
