// Certificates and CSRs made by OpenSSL and GnuTLS parse to the fields those tools (and
// node:crypto's X509Certificate, which is OpenSSL) report.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SymbolonError } from '../../src/errors.js';
import { parseCertificate, parseCertificates, verifyCertificateSignature } from '../../src/x509/certificate.js';
import type { Certificate } from '../../src/x509/certificate.js';
import { parseCsr } from '../../src/x509/csr/csr.js';
import type { Csr } from '../../src/x509/csr/csr.js';
import { bytesToIp, ipToBytes } from '../../src/x509/general-name.js';
import type { GeneralName } from '../../src/x509/general-name.js';
import { ATTRIBUTE_SHORT_NAMES, formatName, parseName } from '../../src/x509/name.js';
import type { DistinguishedName } from '../../src/x509/name.js';
import { OID } from '../../src/x509/oids.js';
import { parsePem } from '../../src/asn1/pem.js';

const dir = mkdtempSync(join(tmpdir(), 'symbolon-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const openssl = (...args: string[]): string => run('openssl', args);

/** stdout and stderr together: `openssl req -verify` reports a failure there and still exits 0. */
function opensslOutput(...args: string[]): string {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  return result.stdout + result.stderr;
}

writeFileSync(
  join(dir, 'openssl.cnf'),
  `[req]
distinguished_name = dn
prompt = no
attributes = attrs
string_mask = utf8only
[dn]
C = US
O = Acme
# '+' joins the previous RDN: a multi-valued RDN.
+OU = Interop
CN = leaf.example.com
[attrs]
challengePassword = s3cret-Pass
[ca_ext]
basicConstraints = critical,CA:TRUE,pathlen:1
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
nameConstraints = critical,permitted;DNS:example.com,permitted;IP:10.0.0.0/255.0.0.0,permitted;IP:2001:db8::/ffff:ffff::,permitted;URI:.example.org,permitted;email:example.com,excluded;DNS:bad.example.com,excluded;IP:10.9.0.0/255.255.0.0
certificatePolicies = 2.5.29.32.0
[req_ext]
subjectAltName = @san
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[leaf_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = @san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://crl.example.com/ca.crl,URI:ldap://ldap.example.com/cn=ca
authorityInfoAccess = OCSP;URI:http://ocsp.example.com,caIssuers;URI:http://ca.example.com/ca.crt
certificatePolicies = @policy
[san]
DNS.1 = leaf.example.com
DNS.2 = *.leaf.example.com
IP.1 = 10.1.2.3
IP.2 = 2001:db8::42
URI.1 = spiffe://example.org/ns/prod/sa/leaf
email.1 = leaf@example.com
[policy]
policyIdentifier = 1.3.6.1.4.1.55555.1.2
CPS.1 = https://cps.example.com/policy
userNotice.1 = @notice
[notice]
explicitText = "Symbolon test notice"
`,
);

// ---------------------------------------------------------------------------------------------
// What OpenSSL prints, in OpenSSL's words.

const KEY_USAGE_TEXT: Record<string, string> = {
  digitalSignature: 'Digital Signature',
  nonRepudiation: 'Non Repudiation',
  keyEncipherment: 'Key Encipherment',
  dataEncipherment: 'Data Encipherment',
  keyAgreement: 'Key Agreement',
  keyCertSign: 'Certificate Sign',
  cRLSign: 'CRL Sign',
  encipherOnly: 'Encipher Only',
  decipherOnly: 'Decipher Only',
};

const EKU_TEXT: Record<string, string> = {
  [OID.serverAuth]: 'TLS Web Server Authentication',
  [OID.clientAuth]: 'TLS Web Client Authentication',
  [OID.codeSigning]: 'Code Signing',
  [OID.emailProtection]: 'E-mail Protection',
  [OID.timeStamping]: 'Time Stamping',
  [OID.ocspSigning]: 'OCSP Signing',
};

const EXTENSION_HEADERS: Record<string, string> = {
  'X509v3 Basic Constraints': OID.basicConstraints,
  'X509v3 Key Usage': OID.keyUsage,
  'X509v3 Extended Key Usage': OID.extKeyUsage,
  'X509v3 Subject Alternative Name': OID.subjectAltName,
  'X509v3 Subject Key Identifier': OID.subjectKeyIdentifier,
  'X509v3 Authority Key Identifier': OID.authorityKeyIdentifier,
  'X509v3 CRL Distribution Points': OID.crlDistributionPoints,
  'Authority Information Access': OID.authorityInfoAccess,
  'X509v3 Certificate Policies': OID.certificatePolicies,
  'X509v3 Name Constraints': OID.nameConstraints,
};

/** OpenSSL prints IPv6 as eight uppercase groups without compression. */
function opensslIp(text: string): string {
  const bytes = ipToBytes(text)!;
  if (bytes.length === 4) return text;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16).toUpperCase());
  return groups.join(':');
}

function opensslGeneralName(name: GeneralName, isConstraint = false): string {
  switch (name.type) {
    case 'dns':
      return `DNS:${name.value}`;
    case 'email':
      return `email:${name.value}`;
    case 'uri':
      return `URI:${name.value}`;
    case 'ip': {
      if (!isConstraint) return `IP Address:${opensslIp(name.value)}`;
      const [address, prefix] = name.value.split('/') as [string, string];
      const length = ipToBytes(address)!.length;
      const mask = Buffer.alloc(length);
      for (let i = 0; i < Number(prefix); i++) mask[i >> 3]! |= 0x80 >> (i & 7);
      return `IP:${opensslIp(address)}/${opensslIp(bytesToIp(mask))}`;
    }
    default:
      return `${name.type}?`;
  }
}

const colonHex = (bytes: Buffer): string =>
  bytes
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');

interface OpensslView {
  readonly values: Map<string, string>;
  readonly extensions: Map<string, { critical: boolean; body: string[] }>;
}

function opensslView(pemPath: string): OpensslView {
  const output = openssl(
    'x509',
    '-in',
    pemPath,
    '-noout',
    '-serial',
    '-fingerprint',
    '-sha256',
    '-subject',
    '-issuer',
    '-nameopt',
    'RFC2253,-esc_msb',
    '-dates',
    '-ext',
    'basicConstraints,keyUsage,extendedKeyUsage,subjectAltName,subjectKeyIdentifier,authorityKeyIdentifier,crlDistributionPoints,authorityInfoAccess,certificatePolicies,nameConstraints',
  );
  const values = new Map<string, string>();
  const extensions = new Map<string, { critical: boolean; body: string[] }>();
  let current: { critical: boolean; body: string[] } | undefined;
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const header = /^(\S.*?):( critical)?\s*$/.exec(line);
    if (header !== null && EXTENSION_HEADERS[header[1]!] !== undefined) {
      current = { critical: header[2] !== undefined, body: [] };
      extensions.set(EXTENSION_HEADERS[header[1]!]!, current);
    } else if (/^\s/.test(line) && current !== undefined) {
      current.body.push(line.trim());
    } else {
      const eq = line.indexOf('=');
      values.set(line.slice(0, eq), line.slice(eq + 1));
      current = undefined;
    }
  }
  return { values, extensions };
}

/** RDNs as sets: OpenSSL's RFC 2253 output reverses the attributes inside a multi-valued RDN. */
function unordered(name: DistinguishedName): string[][] {
  return name.map((rdn) => rdn.map((atv) => `${atv.type}=${atv.value}`).sort());
}

/** The name as node:crypto's X509Certificate prints it: one RDN per line, in encoding order. */
function nodeName(name: DistinguishedName): string {
  const escape = (value: string): string => value.replace(/[,+"\\<>;]/g, (c) => '\\' + c);
  return name.map((rdn) => rdn.map((atv) => `${ATTRIBUTE_SHORT_NAMES[atv.type] ?? atv.type}=${escape(atv.value)}`).join(' + ')).join('\n');
}

/** Asserts that our parse of the certificate at `pemPath` says what OpenSSL and node:crypto say. */
function assertSameAsOpenssl(pemPath: string, cert: Certificate): void {
  const node = new X509Certificate(readFileSync(join(dir, pemPath)));
  assert.equal(nodeName(cert.subject), node.subject);
  assert.equal(nodeName(cert.issuer), node.issuer);
  assert.equal(cert.serialNumber, node.serialNumber.toLowerCase());
  assert.equal(cert.notBefore.getTime(), new Date(node.validFrom).getTime());
  assert.equal(cert.notAfter.getTime(), new Date(node.validTo).getTime());
  assert.equal(cert.fingerprintSha256Colons, node.fingerprint256);
  assert.deepEqual(cert.extKeyUsage ?? undefined, node.keyUsage);
  assert.equal(cert.basicConstraints?.isCa ?? false, node.ca);
  assert.equal(
    cert.subjectAltNames.length === 0 ? undefined : cert.subjectAltNames.map((n) => opensslGeneralName(n)).join(', '),
    node.subjectAltName,
  );
  assert.deepEqual(cert.spki, node.publicKey.export({ format: 'der', type: 'spki' }));

  const { values, extensions } = opensslView(pemPath);
  assert.equal(values.get('serial'), cert.serialNumber.toUpperCase());
  assert.equal(values.get('sha256 Fingerprint'), cert.fingerprintSha256Colons);
  assert.deepEqual(unordered(parseName(values.get('subject')!)), unordered(cert.subject));
  assert.deepEqual(unordered(parseName(values.get('issuer')!)), unordered(cert.issuer));
  if (cert.subject.every((rdn) => rdn.length === 1)) assert.equal(formatName(cert.subject), values.get('subject'));
  assert.equal(cert.notAfter.getTime(), new Date(values.get('notAfter')!).getTime());

  for (const [oid, { critical, body }] of extensions) {
    assert.equal(cert.extensions.find((e) => e.oid === oid)?.critical, critical, `criticality of ${oid}`);
    const text = body.join('\n');
    switch (oid) {
      case OID.basicConstraints: {
        const bc = cert.basicConstraints!;
        assert.equal(
          text,
          `CA:${bc.isCa ? 'TRUE' : 'FALSE'}${bc.pathLenConstraint === undefined ? '' : `, pathlen:${bc.pathLenConstraint}`}`,
        );
        break;
      }
      case OID.keyUsage:
        assert.equal(text, cert.keyUsage!.map((usage) => KEY_USAGE_TEXT[usage]).join(', '));
        break;
      case OID.extKeyUsage:
        assert.equal(text, cert.extKeyUsage!.map((oid_) => EKU_TEXT[oid_] ?? oid_).join(', '));
        break;
      case OID.subjectAltName:
        assert.equal(text, cert.subjectAltNames.map((n) => opensslGeneralName(n)).join(', '));
        break;
      case OID.subjectKeyIdentifier:
        assert.equal(text, colonHex(cert.subjectKeyIdentifier!));
        break;
      case OID.authorityKeyIdentifier:
        assert.equal(/([0-9A-F]{2}(?::[0-9A-F]{2})+)/.exec(text)?.[1], colonHex(cert.authorityKeyIdentifier!.keyIdentifier!));
        break;
      case OID.crlDistributionPoints:
        assert.deepEqual(
          body.filter((line) => line.startsWith('URI:')).map((line) => line.slice(4)),
          cert.crlDistributionPoints,
        );
        break;
      case OID.authorityInfoAccess:
        assert.deepEqual(
          body.filter((line) => line.startsWith('OCSP - URI:')).map((line) => line.slice(11)),
          cert.ocspUrls,
        );
        assert.deepEqual(
          body.filter((line) => line.startsWith('CA Issuers - URI:')).map((line) => line.slice(17)),
          cert.caIssuersUrls,
        );
        break;
      case OID.certificatePolicies: {
        const policies = cert.certificatePolicies!;
        assert.deepEqual(
          body.filter((line) => line.startsWith('Policy: ')).map((line) => line.slice(8).replace('X509v3 Any Policy', OID.anyPolicy)),
          policies.map((p) => p.policyId),
        );
        assert.deepEqual(
          body.filter((line) => line.startsWith('CPS: ')).map((line) => line.slice(5)),
          policies.flatMap((p) => p.cpsUris ?? []),
        );
        assert.deepEqual(
          body.filter((line) => line.startsWith('Explicit Text: ')).map((line) => line.slice(15)),
          policies.flatMap((p) => (p.userNotice === undefined ? [] : [p.userNotice])),
        );
        break;
      }
      case OID.nameConstraints: {
        const excludedAt = body.indexOf('Excluded:');
        const permitted = body.slice(1, excludedAt < 0 ? undefined : excludedAt);
        const excluded = excludedAt < 0 ? [] : body.slice(excludedAt + 1);
        assert.deepEqual(
          permitted,
          cert.nameConstraints!.permitted.map((n) => opensslGeneralName(n, true)),
        );
        assert.deepEqual(
          excluded,
          cert.nameConstraints!.excluded.map((n) => opensslGeneralName(n, true)),
        );
        break;
      }
    }
  }
  assert.deepEqual(
    [...extensions.keys()].sort(),
    cert.extensions
      .map((e) => e.oid)
      .filter((oid) => Object.values(EXTENSION_HEADERS).includes(oid))
      .sort(),
  );
  const bits = /Public-Key: \((\d+) bit\)/.exec(openssl('x509', '-in', pemPath, '-noout', '-text'))?.[1];
  assert.equal(cert.publicKey.bits, bits === undefined ? undefined : Number(bits));
}

function assertCsrSameAsOpenssl(csrPath: string, csr: Csr): void {
  const subject = openssl('req', '-in', csrPath, '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb')
    .trim()
    .replace(/^subject=/, '');
  assert.deepEqual(unordered(parseName(subject)), unordered(csr.subject));
  const pubkey = openssl('req', '-in', csrPath, '-noout', '-pubkey');
  assert.deepEqual(parsePem(pubkey, 'PUBLIC KEY')[0], csr.spki);
  const text = openssl('req', '-in', csrPath, '-noout', '-text');
  assert.equal(/challengePassword\s*:(.*)/.exec(text)?.[1]?.trim(), csr.challengePassword);
  const san = /X509v3 Subject Alternative Name:\s*\n\s*(.*)/.exec(text)?.[1]?.trim();
  assert.equal(san, csr.subjectAltNames.map((n) => opensslGeneralName(n)).join(', '));
  assert.match(opensslOutput('req', '-in', csrPath, '-noout', '-verify'), /verify OK/);
}

// ---------------------------------------------------------------------------------------------

interface KeyKind {
  readonly name: string;
  readonly genpkey: readonly string[];
  readonly digest: readonly string[];
  readonly algorithm: string;
  readonly serial: string;
}

const KINDS: readonly KeyKind[] = [
  {
    name: 'P-256',
    genpkey: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    digest: ['-sha256'],
    algorithm: 'ecdsa-with-SHA256',
    serial: '0x8a3b5c7d9e1f20314253647586970a1b',
  },
  {
    name: 'P-384',
    genpkey: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
    digest: ['-sha384'],
    algorithm: 'ecdsa-with-SHA384',
    serial: '0x01',
  },
  {
    name: 'Ed25519',
    genpkey: ['-algorithm', 'ED25519'],
    digest: [],
    algorithm: 'Ed25519',
    serial: '0x7fffffffffffffffffffffffffffffffffffffff',
  },
  {
    name: 'RSA',
    genpkey: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    digest: ['-sha256'],
    algorithm: 'sha256WithRSAEncryption',
    serial: '0x00ff',
  },
  {
    name: 'RSA-PSS',
    genpkey: ['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048'],
    digest: ['-sha256'],
    algorithm: 'RSASSA-PSS-SHA256',
    serial: '0x123456789abcdef0',
  },
];

const made = new Map<string, { ca: Certificate; leaf: Certificate }>();

for (const kind of KINDS) {
  test(`parses an OpenSSL ${kind.name} CA, CSR and leaf to the fields OpenSSL reports`, () => {
    const p = (file: string): string => `${kind.name}-${file}`;
    openssl('genpkey', ...kind.genpkey, '-out', p('ca.key'));
    openssl('genpkey', ...kind.genpkey, '-out', p('leaf.key'));
    openssl(
      'req',
      '-x509',
      '-new',
      '-config',
      'openssl.cnf',
      '-key',
      p('ca.key'),
      ...kind.digest,
      '-utf8',
      '-subj',
      `/C=CH/O=Symbolon Test, Inc./L=Zürich/CN=Interop ${kind.name} Root`,
      '-days',
      '365',
      '-extensions',
      'ca_ext',
      '-out',
      p('ca.pem'),
    );
    openssl(
      'req',
      '-new',
      '-config',
      'openssl.cnf',
      '-key',
      p('leaf.key'),
      ...kind.digest,
      '-utf8',
      '-reqexts',
      'req_ext',
      '-out',
      p('leaf.csr'),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      p('leaf.csr'),
      '-CA',
      p('ca.pem'),
      '-CAkey',
      p('ca.key'),
      ...kind.digest,
      '-set_serial',
      kind.serial,
      '-days',
      '30',
      '-extfile',
      'openssl.cnf',
      '-extensions',
      'leaf_ext',
      '-out',
      p('leaf.pem'),
    );

    const [ca] = parseCertificates(readFileSync(join(dir, p('ca.pem')), 'utf8'));
    const [leaf] = parseCertificates(readFileSync(join(dir, p('leaf.pem'))));
    assert.ok(ca !== undefined && leaf !== undefined);
    made.set(kind.name, { ca, leaf });
    assertSameAsOpenssl(p('ca.pem'), ca);
    assertSameAsOpenssl(p('leaf.pem'), leaf);

    assert.equal(leaf.signatureAlgorithm?.name, kind.algorithm);
    assert.equal(ca.isSelfIssued, true);
    assert.equal(leaf.isSelfIssued, false);
    assert.equal(leaf.spiffeId, 'spiffe://example.org/ns/prod/sa/leaf');
    assert.deepEqual(leaf.dnsNames, ['leaf.example.com', '*.leaf.example.com']);
    assert.deepEqual(leaf.ipAddresses, ['10.1.2.3', '2001:db8::42']);
    assert.deepEqual(leaf.emails, ['leaf@example.com']);
    assert.deepEqual(leaf.authorityKeyIdentifier?.keyIdentifier, ca.subjectKeyIdentifier);
    assert.deepEqual(ca.nameConstraints, {
      permitted: [
        { type: 'dns', value: 'example.com' },
        { type: 'ip', value: '10.0.0.0/8' },
        { type: 'ip', value: '2001:db8::/32' },
        { type: 'uri', value: '.example.org' },
        { type: 'email', value: 'example.com' },
      ],
      excluded: [
        { type: 'dns', value: 'bad.example.com' },
        { type: 'ip', value: '10.9.0.0/16' },
      ],
    });
    assert.deepEqual(
      leaf.subject.map((rdn) => rdn.length),
      [1, 2, 1],
    );
    assert.deepEqual(leaf.certificatePolicies, [
      { policyId: '1.3.6.1.4.1.55555.1.2', cpsUris: ['https://cps.example.com/policy'], userNotice: 'Symbolon test notice' },
    ]);
    const serialHex = BigInt(kind.serial).toString(16);
    assert.equal(leaf.serialNumber, serialHex.length % 2 === 0 ? serialHex : '0' + serialHex);

    assert.equal(verifyCertificateSignature(leaf, ca), true);
    assert.equal(verifyCertificateSignature(ca, ca), true);
    assert.equal(verifyCertificateSignature(leaf, leaf), false);
    assert.equal(new X509Certificate(leaf.der).verify(ca.publicKey.keyObject!), true);

    const csr = parseCsr(readFileSync(join(dir, p('leaf.csr'))));
    assertCsrSameAsOpenssl(p('leaf.csr'), csr);
    assert.equal(csr.challengePassword, 's3cret-Pass');
    assert.deepEqual(csr.keyUsage, ['digitalSignature']);
    assert.deepEqual(csr.extKeyUsage, [OID.clientAuth]);
    assert.equal(csr.spiffeId, 'spiffe://example.org/ns/prod/sa/leaf');
    assert.deepEqual(csr.spki, leaf.spki);
    assert.equal(csr.signatureAlgorithm?.name, kind.algorithm);

    const chain = parseCertificates(readFileSync(join(dir, p('leaf.pem')), 'utf8') + readFileSync(join(dir, p('ca.pem')), 'utf8'));
    assert.deepEqual(
      chain.map((c) => c.fingerprintSha256),
      [leaf.fingerprintSha256, ca.fingerprintSha256],
    );
  });
}

test('a signature does not verify under another issuer key', () => {
  const names = [...made.keys()];
  assert.equal(names.length, KINDS.length);
  for (const a of names) {
    for (const b of names) {
      if (a === b) continue;
      assert.equal(verifyCertificateSignature(made.get(a)!.leaf, made.get(b)!.ca), false, `${a} leaf under the ${b} root`);
    }
  }
});

test('a tampered OpenSSL CSR fails here and in OpenSSL', () => {
  const der = Buffer.from(parseCsr(readFileSync(join(dir, 'P-256-leaf.csr'))).der);
  der[der.length - 4]! ^= 0x01;
  writeFileSync(join(dir, 'tampered.csr'), der);
  assert.match(opensslOutput('req', '-in', 'tampered.csr', '-inform', 'DER', '-noout', '-verify'), /verify failure/);
  assert.throws(
    () => parseCsr(der),
    (error: unknown) => error instanceof SymbolonError && error.code === 'CSR_SIGNATURE_INVALID',
  );
});

test('a negative serial from OpenSSL is kept and printed as OpenSSL prints it', () => {
  openssl(
    'req',
    '-x509',
    '-new',
    '-config',
    'openssl.cnf',
    '-key',
    'P-256-ca.key',
    '-subj',
    '/CN=negative',
    '-days',
    '1',
    '-set_serial',
    '-5',
    '-out',
    'negative.pem',
  );
  const [cert] = parseCertificates(readFileSync(join(dir, 'negative.pem'), 'utf8'));
  assert.equal(cert?.serialNumber, '-05');
  assert.equal(cert?.hasConformingSerialNumber, false);
  assert.equal(opensslView('negative.pem').values.get('serial'), '-05');
});

// ---------------------------------------------------------------------------------------------
// GnuTLS certtool

const CERTTOOL = '/usr/bin/certtool';
const hasCerttool = existsSync(CERTTOOL);

test(
  'parses GnuTLS certtool self-signed certificates to the fields OpenSSL reports',
  { skip: hasCerttool ? false : 'certtool is not installed' },
  () => {
    writeFileSync(
      join(dir, 'certtool.cfg'),
      `cn = "GnuTLS Interop"
organization = "Symbolon Test"
country = "DE"
serial = 0x1234567890abcdef
expiration_days = 30
dns_name = "gnutls.example.com"
ip_address = "192.0.2.7"
ip_address = "2001:db8::7"
uri = "spiffe://example.org/gnutls"
email = "g@example.com"
ca
path_len = 1
cert_signing_key
crl_signing_key
signing_key
tls_www_client
tls_www_server
crl_dist_points = "http://crl.example.com/g.crl"
ocsp_uri = "http://ocsp.example.com/g"
ca_issuers_uri = "http://ca.example.com/g.crt"
policy1 = 1.3.6.1.4.1.55555.2
policy1_url = "http://cps.example.com/g"
policy1_txt = "GnuTLS notice"
nc_permit_dns = "example.com"
nc_exclude_ip = "10.0.0.0/8"
`,
    );
    const kinds: [string, string[], string | undefined][] = [
      ['ecdsa', [], 'ecdsa-with-SHA256'],
      ['ed25519', [], 'Ed25519'],
      ['rsa', ['--bits', '2048'], 'sha256WithRSAEncryption'],
      ['ed448', [], undefined],
    ];
    for (const [type, options, algorithm] of kinds) {
      run(CERTTOOL, ['--generate-privkey', '--key-type', type, ...options, '--outfile', `g-${type}.key`]);
      run(CERTTOOL, [
        '--generate-self-signed',
        '--load-privkey',
        `g-${type}.key`,
        '--template',
        'certtool.cfg',
        '--outfile',
        `g-${type}.pem`,
      ]);
      const [cert] = parseCertificates(readFileSync(join(dir, `g-${type}.pem`), 'utf8'));
      assert.ok(cert !== undefined);
      assertSameAsOpenssl(`g-${type}.pem`, cert);
      assert.equal(cert.serialNumber, '1234567890abcdef');
      assert.deepEqual(cert.basicConstraints, { isCa: true, pathLenConstraint: 1 });
      assert.equal(cert.spiffeId, 'spiffe://example.org/gnutls');
      assert.deepEqual(cert.nameConstraints, {
        permitted: [{ type: 'dns', value: 'example.com' }],
        excluded: [{ type: 'ip', value: '10.0.0.0/8' }],
      });
      assert.deepEqual(cert.certificatePolicies, [
        { policyId: '1.3.6.1.4.1.55555.2', cpsUris: ['http://cps.example.com/g'], userNotice: 'GnuTLS notice' },
      ]);
      assert.equal(cert.signatureAlgorithm?.name, algorithm);
      if (algorithm === undefined) {
        // Ed448 signatures are not among the algorithms Symbolon runs; the certificate still parses.
        assert.equal(cert.publicKey.algorithm, 'ed448');
        assert.throws(
          () => verifyCertificateSignature(cert, cert),
          (error: unknown) => error instanceof SymbolonError && error.code === 'SIG_UNSUPPORTED_ALGORITHM',
        );
        assert.equal(new X509Certificate(cert.der).verify(cert.publicKey.keyObject!), true);
      } else {
        assert.equal(verifyCertificateSignature(cert, cert), true);
      }
    }
    assert.deepEqual(parseCertificate(parseCertificates(readFileSync(join(dir, 'g-rsa.pem'), 'utf8'))[0]!.der).publicKey.bits, 2048);
  },
);
