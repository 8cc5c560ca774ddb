import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeExtension, encodeExtensionList } from '../../../src/x509/extensions/encoding.js';
import { encodeAuthorityKeyIdentifier, encodeSubjectKeyIdentifier, keyIdentifier } from '../../../src/x509/extensions/encoding-key-ids.js';
import { encodeAuthorityInfoAccess, encodeCrlDistributionPoints } from '../../../src/x509/extensions/encoding-locations.js';
import { encodeNameConstraints, encodeSubjectAltName } from '../../../src/x509/extensions/encoding-names.js';
import { encodeCertificatePolicies } from '../../../src/x509/extensions/encoding-policies.js';
import {
  encodeBasicConstraints,
  encodeExtKeyUsage,
  encodeKeyUsage,
  encodeOcspNoCheck,
} from '../../../src/x509/extensions/encoding-usage.js';
import { OID } from '../../../src/x509/oids.js';
import { asn1parse, certificateExtensions, hasCommand, makeTempDir, run } from '../openssl-interop-build-tools.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const codeOf =
  (code: string) =>
  (error: unknown): boolean => {
    assert.equal((error as { code?: string }).code, code);
    return true;
  };
const hasOpenssl = hasCommand('openssl');

// Vectors below are derived by hand from the ASN.1 of RFC 5280 4.2 and X.690's DER rules.

test('keyUsage is a named BIT STRING with trailing zero bits removed', () => {
  // digitalSignature (bit 0) + keyCertSign (bit 5): 1000 0100, 2 unused bits.
  assert.equal(hex(encodeKeyUsage(['digitalSignature', 'keyCertSign'])), '03020284');
  assert.equal(hex(encodeKeyUsage(['keyCertSign', 'digitalSignature', 'keyCertSign'])), '03020284');
  assert.equal(hex(encodeKeyUsage(['digitalSignature'])), '03020780');
  // keyCertSign (5) + cRLSign (6): 0000 0110, 1 unused bit.
  assert.equal(hex(encodeKeyUsage(['keyCertSign', 'cRLSign'])), '03020106');
  // decipherOnly is bit 8, in a second octet.
  assert.equal(hex(encodeKeyUsage(['keyAgreement', 'decipherOnly'])), '0303070880');
  assert.equal(
    hex(encodeExtension(OID.keyUsage, true, encodeKeyUsage(['digitalSignature', 'keyCertSign']))),
    '300e0603551d0f0101ff040403020284',
  );
});

test('basicConstraints leaves out cA FALSE and writes pathLenConstraint only for a CA', () => {
  assert.equal(hex(encodeBasicConstraints({ isCa: false })), '3000');
  assert.equal(hex(encodeBasicConstraints({ isCa: true })), '30030101ff');
  assert.equal(hex(encodeBasicConstraints({ isCa: true, pathLenConstraint: 0 })), '30060101ff020100');
  assert.equal(hex(encodeBasicConstraints({ isCa: true, pathLenConstraint: 200 })), '30070101ff020200c8');
  assert.equal(
    hex(encodeExtension(OID.basicConstraints, true, encodeBasicConstraints({ isCa: true, pathLenConstraint: 0 }))),
    '30120603551d130101ff040830060101ff020100',
  );
  assert.equal(hex(encodeExtension(OID.basicConstraints, false, encodeBasicConstraints({ isCa: false }))), '30090603551d1304023000');
});

test('extKeyUsage lists KeyPurposeId OIDs, by name or dotted', () => {
  const serverAuth = '06082b06010505070301';
  const clientAuth = '06082b06010505070302';
  assert.equal(hex(encodeExtKeyUsage(['serverAuth', 'clientAuth'])), '3014' + serverAuth + clientAuth);
  assert.equal(hex(encodeExtKeyUsage(['1.3.6.1.5.5.7.3.9'])), '300a06082b06010505070309');
});

test('subjectAltName encodes each GeneralName with its context tag', () => {
  const value = encodeSubjectAltName([
    { type: 'dns', value: 'a.example' },
    { type: 'ip', value: '10.0.0.1' },
    { type: 'ip', value: '::1' },
    { type: 'uri', value: 'spiffe://e/x' },
    { type: 'email', value: 'a@b.c' },
  ]);
  const expected =
    '8209' +
    ascii('a.example') +
    '87040a000001' +
    '8710' +
    '00000000000000000000000000000001' +
    '860c' +
    ascii('spiffe://e/x') +
    '8105' +
    ascii('a@b.c');
  assert.equal(hex(value), '30' + (expected.length / 2).toString(16) + expected);
});

test('nameConstraints write IP blocks as address and mask (10.0.0.0/8 -> 0a000000ff000000)', () => {
  assert.equal(
    hex(encodeNameConstraints({ permitted: [{ type: 'ip', value: '10.0.0.0/8' }], excluded: [] })),
    '300ea00c300a87080a000000ff000000',
  );
  // excludedSubtrees [1] alone; a DNS base.
  assert.equal(
    hex(encodeNameConstraints({ permitted: [], excluded: [{ type: 'dns', value: 'example.com' }] })),
    '3011a10f300d820b' + ascii('example.com'),
  );
  const v6 = encodeNameConstraints({ permitted: [{ type: 'ip', value: 'fd00::/8' }], excluded: [{ type: 'ip', value: '192.168.0.0/16' }] });
  assert.equal(
    hex(v6),
    '3034' +
      'a024' +
      '3022' +
      '8720' +
      'fd' +
      '00'.repeat(15) +
      'ff' +
      '00'.repeat(15) +
      'a10c' +
      '300a' +
      '8708' +
      'c0a80000' +
      'ffff0000',
  );
});

test('key identifiers: SKI is an OCTET STRING, AKI a SEQUENCE with keyIdentifier [0]', () => {
  const id = Buffer.alloc(20, 0xab);
  assert.equal(hex(encodeSubjectKeyIdentifier(id)), '0414' + 'ab'.repeat(20));
  assert.equal(hex(encodeAuthorityKeyIdentifier(id)), '30168014' + 'ab'.repeat(20));
});

test('the key identifier is the SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1)', () => {
  // An Ed25519 SPKI made by hand around 32 key bytes of 0x01.
  const key = Buffer.alloc(32, 1);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key]);
  // The hash covers the key bytes only: not the BIT STRING's tag, length or unused-bits octet.
  assert.equal(hex(keyIdentifier(spki)), createHash('sha1').update(key).digest('hex'));
  assert.throws(() => keyIdentifier(Buffer.from('3000', 'hex')), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => keyIdentifier(Buffer.concat([spki, Buffer.from([0])])), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => keyIdentifier(Buffer.concat([Buffer.from('302a300506032b6570032101', 'hex'), key])), codeOf('CERT_INVALID_INPUT'));
});

test('cRLDistributionPoints: one DistributionPoint, fullName [0] inside distributionPoint [0]', () => {
  const uri = 'http://x/c.crl';
  assert.equal(hex(encodeCrlDistributionPoints([uri])), '30163014a012a010860e' + ascii(uri));
  const two = encodeCrlDistributionPoints(['http://a/1', 'ldap://b/2']);
  assert.equal(hex(two), '301e301ca01aa018' + '860a' + ascii('http://a/1') + '860a' + ascii('ldap://b/2'));
});

test('authorityInfoAccess lists OCSP then caIssuers AccessDescriptions', () => {
  const ocsp = '06082b06010505073001' + '8608' + ascii('http://o');
  const caIssuers = '06082b06010505073002' + '8608' + ascii('http://c');
  assert.equal(
    hex(encodeAuthorityInfoAccess({ caIssuers: ['http://c'], ocsp: ['http://o'] })),
    '302c' + '3014' + ocsp + '3014' + caIssuers,
  );
});

test('certificatePolicies with a CPS pointer and a UTF8String explicitText, no noticeRef', () => {
  const policyId = '060667810c010201'; // 2.23.140.1.2.1
  assert.equal(hex(encodeCertificatePolicies([{ policyId: '2.23.140.1.2.1' }])), '300a3008' + policyId);
  const cps = '3014' + '06082b06010505070201' + '1608' + ascii('http://c');
  assert.equal(
    hex(encodeCertificatePolicies([{ policyId: '2.23.140.1.2.1', cpsUris: ['http://c'] }])),
    '30223020' + policyId + '3016' + cps,
  );
  const notice = '3010' + '06082b06010505070202' + '3004' + '0c02' + ascii('Hi');
  assert.equal(hex(encodeCertificatePolicies([{ policyId: '2.23.140.1.2.1', userNotice: 'Hi' }])), '301e301c' + policyId + '3012' + notice);
});

test('ocspNoCheck is NULL, in a non-critical extension', () => {
  assert.equal(hex(encodeExtension(OID.ocspNoCheck, false, encodeOcspNoCheck())), '300f06092b060105050730010504020500');
});

test('an Extension writes critical only when it is TRUE (DER leaves out DEFAULT FALSE)', () => {
  assert.equal(hex(encodeExtension('1.2.3', false, Buffer.from([5, 0]))), '300806022a0304020500');
  assert.equal(hex(encodeExtension('1.2.3', true, Buffer.from([5, 0]))), '300b06022a030101ff04020500');
});

function criticality(list: readonly Buffer[]): Map<string, boolean> {
  const found = new Map<string, boolean>();
  for (const element of list) {
    // Every test OID here is 2.5.29.x: 06 03 55 1d xx.
    found.set(`2.5.29.${element[6]!}`, element[7] === 0x01);
  }
  return found;
}

test('default criticality follows RFC 5280', () => {
  const ca = criticality(
    encodeExtensionList(
      {
        basicConstraints: { isCa: true },
        keyUsage: ['keyCertSign'],
        extKeyUsage: ['serverAuth'],
        nameConstraints: { permitted: [{ type: 'dns', value: 'example.com' }], excluded: [] },
        subjectAltName: [{ type: 'dns', value: 'ca.example.com' }],
      },
      { isSubjectEmpty: false, subjectKeyIdentifier: Buffer.alloc(20) },
    ),
  );
  assert.deepEqual(Object.fromEntries(ca), {
    [OID.basicConstraints]: true,
    [OID.keyUsage]: true,
    [OID.extKeyUsage]: false,
    [OID.subjectKeyIdentifier]: false,
    [OID.subjectAltName]: false,
    [OID.nameConstraints]: true,
  });
  const leaf = criticality(
    encodeExtensionList(
      { basicConstraints: { isCa: false }, subjectAltName: [{ type: 'uri', value: 'spiffe://example.org/a' }] },
      { isSubjectEmpty: true },
    ),
  );
  assert.deepEqual(Object.fromEntries(leaf), { [OID.basicConstraints]: false, [OID.subjectAltName]: true });
});

test('criticality can be set per typed extension', () => {
  const list = encodeExtensionList(
    { keyUsage: ['digitalSignature'], extKeyUsage: ['clientAuth'], critical: { keyUsage: false, extKeyUsage: true } },
    { isSubjectEmpty: false },
  );
  assert.deepEqual(Object.fromEntries(criticality(list)), { [OID.keyUsage]: false, [OID.extKeyUsage]: true });
});

test('raw extensions follow the typed ones, as given', () => {
  const list = encodeExtensionList(
    { ocspNoCheck: true, extensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: Buffer.from('0500', 'hex') }] },
    { isSubjectEmpty: false },
  );
  assert.equal(list.length, 2);
  // 1.3.6.1.4.1.99999.1: 99999 is 6*128^2 + 13*128 + 31, so 86 8d 1f.
  assert.equal(hex(list[1]!), '301206092b06010401868d1f010101ff04020500');
});

test('refuses an extension OID given twice', () => {
  const raw = { oid: OID.subjectAltName, critical: false, value: Buffer.from('3000', 'hex') };
  assert.throws(
    () => encodeExtensionList({ subjectAltName: [{ type: 'dns', value: 'a.example' }], extensions: [raw] }, { isSubjectEmpty: false }),
    codeOf('CERT_DUPLICATE_EXTENSION'),
  );
  assert.throws(() => encodeExtensionList({ extensions: [raw, raw] }, { isSubjectEmpty: false }), codeOf('CERT_DUPLICATE_EXTENSION'));
  const rawSki = { oid: OID.subjectKeyIdentifier, critical: false, value: Buffer.from('0400', 'hex') };
  assert.throws(
    () => encodeExtensionList({ extensions: [rawSki] }, { isSubjectEmpty: false, subjectKeyIdentifier: Buffer.alloc(20) }),
    codeOf('CERT_DUPLICATE_EXTENSION'),
  );
  // A typed field left out does not clash with a raw extension of the same OID.
  assert.equal(encodeExtensionList({ extensions: [raw] }, { isSubjectEmpty: false }).length, 1);
});

test('refuses values RFC 5280 does not allow', () => {
  const ctx = { isSubjectEmpty: false };
  assert.throws(() => encodeKeyUsage([]), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeKeyUsage(['signEverything' as never]), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeBasicConstraints({ isCa: false, pathLenConstraint: 0 }), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeBasicConstraints({ isCa: true, pathLenConstraint: -1 }), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeBasicConstraints({ isCa: true, pathLenConstraint: 1.5 }), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeExtKeyUsage([]), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeExtKeyUsage(['webAuth']), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeExtKeyUsage(['toString']), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeExtKeyUsage(['serverAuth', '1.3.6.1.5.5.7.3.1']), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeSubjectAltName([]), codeOf('CERT_BAD_NAME'));
  assert.throws(() => encodeNameConstraints({ permitted: [], excluded: [] }), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeCertificatePolicies([{ policyId: '1.2.3' }, { policyId: '1.2.3' }]), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeCertificatePolicies([{ policyId: 'not.an.oid' }]), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeCertificatePolicies([{ policyId: '1.2.3', userNotice: 'x'.repeat(201) }]), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeCertificatePolicies([{ policyId: '1.2.3', cpsUris: ['no scheme'] }]), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeAuthorityInfoAccess({}), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeCrlDistributionPoints(['relative/path']), codeOf('CERT_BAD_NAME'));
  assert.throws(() => encodeAuthorityKeyIdentifier(Buffer.alloc(0)), codeOf('CERT_INVALID_INPUT'));
  assert.throws(() => encodeExtension('1.2.3.x', false, Buffer.alloc(0)), codeOf('CERT_INVALID_INPUT'));
  // RFC 5280 4.2.1.3 and 4.2.1.10: keyCertSign and name constraints are for CAs.
  assert.throws(() => encodeExtensionList({ keyUsage: ['keyCertSign'] }, ctx), codeOf('CERT_INVALID_INPUT'));
  assert.throws(
    () =>
      encodeExtensionList(
        { basicConstraints: { isCa: false }, nameConstraints: { permitted: [{ type: 'dns', value: 'a.example' }], excluded: [] } },
        ctx,
      ),
    codeOf('CERT_INVALID_INPUT'),
  );
});

test('refuses malformed names: bad IPs, non-ASCII DNS names, relative URIs', () => {
  const bad: Array<Parameters<typeof encodeSubjectAltName>[0][number]> = [
    { type: 'ip', value: '300.1.1.1' },
    { type: 'ip', value: '10.0.0' },
    { type: 'ip', value: '01.2.3.4' },
    { type: 'ip', value: '::g' },
    { type: 'ip', value: '1::2::3' },
    { type: 'ip', value: '10.0.0.0/8' },
    { type: 'dns', value: 'bücher.example' },
    { type: 'dns', value: 'a b.example' },
    { type: 'dns', value: '-a.example' },
    { type: 'dns', value: 'a..example' },
    { type: 'dns', value: 'a.example.' },
    { type: 'dns', value: 'a.*.example' },
    { type: 'dns', value: '' },
    { type: 'uri', value: 'example.org/path' },
    { type: 'uri', value: 'https://bücher.example/' },
    { type: 'email', value: 'no-at-sign.example' },
    { type: 'email', value: 'ü@example.com' },
    { type: 'registeredId', value: '1.x' },
  ];
  for (const name of bad) assert.throws(() => encodeSubjectAltName([name]), codeOf('CERT_BAD_NAME'), JSON.stringify(name));
  const badBlocks = ['10.0.0.0/33', '10.0.0.0', '10.0.0.1/8', 'fd00::/129', 'fd00::1/8', '10.0.0.0/8/8', '10.0.0.0/x'];
  for (const value of badBlocks) {
    assert.throws(() => encodeNameConstraints({ permitted: [{ type: 'ip', value }], excluded: [] }), codeOf('CERT_BAD_NAME'), value);
  }
  assert.throws(
    () => encodeNameConstraints({ permitted: [{ type: 'uri', value: 'https://example.com/' }], excluded: [] }),
    codeOf('CERT_BAD_NAME'),
  );
});

test('accepts the name forms constraints allow', () => {
  const value = encodeNameConstraints({
    permitted: [
      { type: 'dns', value: '.example.com' },
      { type: 'email', value: 'example.com' },
      { type: 'email', value: '.example.com' },
      { type: 'email', value: 'ops@example.com' },
      { type: 'uri', value: '.example.org' },
      { type: 'ip', value: '0.0.0.0/0' },
    ],
    excluded: [],
  });
  assert.ok(value.length > 0);
  assert.equal(hex(encodeSubjectAltName([{ type: 'dns', value: '*.example.com' }])), '300f820d' + ascii('*.example.com'));
});

test('openssl asn1parse reads every encoded extension value', { skip: !hasOpenssl && 'openssl is not installed' }, () => {
  const values = {
    keyUsage: encodeKeyUsage(['digitalSignature', 'keyEncipherment']),
    basicConstraints: encodeBasicConstraints({ isCa: true, pathLenConstraint: 3 }),
    extKeyUsage: encodeExtKeyUsage(['serverAuth', 'ocspSigning']),
    subjectAltName: encodeSubjectAltName([
      { type: 'dns', value: 'a.example' },
      { type: 'ip', value: '2001:db8::1' },
    ]),
    nameConstraints: encodeNameConstraints({
      permitted: [{ type: 'ip', value: '10.0.0.0/8' }],
      excluded: [{ type: 'email', value: 'example.net' }],
    }),
    crl: encodeCrlDistributionPoints(['http://ca.example.com/crl']),
    aia: encodeAuthorityInfoAccess({ ocsp: ['http://ocsp.example.com'], caIssuers: ['http://ca.example.com/ca.cer'] }),
    policies: encodeCertificatePolicies([{ policyId: '1.3.6.1.4.1.99999.1', cpsUris: ['https://example.com/cps'], userNotice: 'Grüße' }]),
  };
  assert.match(asn1parse(values.keyUsage), /BIT STRING/);
  assert.match(asn1parse(values.basicConstraints), /BOOLEAN\s+:255[\s\S]*INTEGER\s+:03/);
  assert.match(asn1parse(values.extKeyUsage), /TLS Web Server Authentication[\s\S]*OCSP Signing/);
  assert.match(asn1parse(values.subjectAltName), /cont \[ 2 \][\s\S]*cont \[ 7 \]/);
  assert.match(asn1parse(values.nameConstraints), /cont \[ 0 \][\s\S]*cont \[ 7 \][\s\S]*cont \[ 1 \][\s\S]*cont \[ 1 \]/);
  assert.match(asn1parse(values.crl), /cont \[ 0 \][\s\S]*cont \[ 0 \][\s\S]*cont \[ 6 \]/);
  assert.match(asn1parse(values.aia), /OCSP[\s\S]*CA Issuers/);
  assert.match(asn1parse(values.policies), /Policy Qualifier CPS[\s\S]*IA5STRING[\s\S]*Policy Qualifier User Notice[\s\S]*UTF8STRING/);
});

test('encodings match the bytes OpenSSL writes for the same extensions', { skip: !hasOpenssl && 'openssl is not installed' }, () => {
  const dir = makeTempDir('symbolon-ext-');
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir.path, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(
      join(dir.path, 'openssl.cnf'),
      [
        '[req]',
        'distinguished_name = dn',
        '[dn]',
        '[ext]',
        'basicConstraints = critical, CA:TRUE, pathlen:0',
        'keyUsage = critical, digitalSignature, keyCertSign, cRLSign',
        'extendedKeyUsage = serverAuth, clientAuth, 1.3.6.1.5.5.7.3.9',
        'subjectKeyIdentifier = hash',
        'subjectAltName = DNS:a.example.com, IP:10.0.0.1, IP:2001:db8::1, URI:spiffe://example.org/x, email:a@example.com',
        'nameConstraints = critical, permitted;IP:10.0.0.0/255.0.0.0, permitted;DNS:example.com, excluded;DNS:bad.example.com, excluded;IP:fd00:0:0:0:0:0:0:0/ff00:0:0:0:0:0:0:0',
        'crlDistributionPoints = URI:http://ca.example.com/crl',
        'authorityInfoAccess = OCSP;URI:http://ocsp.example.com, caIssuers;URI:http://ca.example.com/ca.cer',
        'certificatePolicies = @policy',
        'noCheck = ignored',
        'freshestCRL = URI:http://ca.example.com/delta',
        '[policy]',
        'policyIdentifier = 1.3.6.1.4.1.99999.1',
        'CPS.1 = https://example.com/cps',
        'userNotice.1 = @notice',
        '[notice]',
        'explicitText = UTF8:Grüße',
        '',
      ].join('\n'),
    );
    const certPath = join(dir.path, 'cert.der');
    const made = run('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      join(dir.path, 'key.pem'),
      '-config',
      join(dir.path, 'openssl.cnf'),
      '-extensions',
      'ext',
      '-subj',
      '/CN=x',
      '-days',
      '1',
      '-outform',
      'DER',
      '-out',
      certPath,
    ]);
    assert.equal(made.status, 0, made.stderr);
    const theirs = certificateExtensions(readFileSync(certPath));
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const ours = new Map<string, Buffer>([
      [OID.basicConstraints, encodeBasicConstraints({ isCa: true, pathLenConstraint: 0 })],
      [OID.keyUsage, encodeKeyUsage(['digitalSignature', 'keyCertSign', 'cRLSign'])],
      [OID.extKeyUsage, encodeExtKeyUsage(['serverAuth', 'clientAuth', 'ocspSigning'])],
      [OID.subjectKeyIdentifier, encodeSubjectKeyIdentifier(keyIdentifier(spki))],
      [
        OID.subjectAltName,
        encodeSubjectAltName([
          { type: 'dns', value: 'a.example.com' },
          { type: 'ip', value: '10.0.0.1' },
          { type: 'ip', value: '2001:db8::1' },
          { type: 'uri', value: 'spiffe://example.org/x' },
          { type: 'email', value: 'a@example.com' },
        ]),
      ],
      [
        OID.nameConstraints,
        encodeNameConstraints({
          permitted: [
            { type: 'ip', value: '10.0.0.0/8' },
            { type: 'dns', value: 'example.com' },
          ],
          excluded: [
            { type: 'dns', value: 'bad.example.com' },
            { type: 'ip', value: 'fd00::/8' },
          ],
        }),
      ],
      [OID.crlDistributionPoints, encodeCrlDistributionPoints(['http://ca.example.com/crl'])],
      [
        OID.authorityInfoAccess,
        encodeAuthorityInfoAccess({ ocsp: ['http://ocsp.example.com'], caIssuers: ['http://ca.example.com/ca.cer'] }),
      ],
      [
        OID.certificatePolicies,
        encodeCertificatePolicies([{ policyId: '1.3.6.1.4.1.99999.1', cpsUris: ['https://example.com/cps'], userNotice: 'Grüße' }]),
      ],
      [OID.ocspNoCheck, encodeOcspNoCheck()],
      [OID.freshestCrl, encodeCrlDistributionPoints(['http://ca.example.com/delta'])],
    ]);
    for (const [oid, value] of ours) {
      const found = theirs.get(oid);
      assert.ok(found !== undefined, `OpenSSL wrote no ${oid}`);
      assert.equal(hex(value), hex(found.value), `extension ${oid}`);
    }
  } finally {
    dir.remove();
  }
});

test('issuer-constant extensions kept between certificates never stand in for different input', () => {
  const ctx = { isSubjectEmpty: false };
  const cdp = encodeExtensionList({ crlDistributionPoints: ['http://a/1', 'http://b/2'] }, ctx)[0]!;
  assert.deepEqual(encodeExtensionList({ crlDistributionPoints: ['http://a/1', 'http://b/2'] }, ctx)[0], cdp);
  assert.throws(() => encodeExtensionList({ crlDistributionPoints: ['http://a/1 http://b/2'] }, ctx), codeOf('CERT_BAD_NAME'));
  const ocspOnly = encodeExtensionList({ authorityInfoAccess: { ocsp: ['http://o'] } }, ctx)[0]!;
  const caIssuersOnly = encodeExtensionList({ authorityInfoAccess: { caIssuers: ['http://o'] } }, ctx)[0]!;
  assert.notDeepEqual(ocspOnly, caIssuersOnly);
  const plain = encodeExtensionList({ authorityKeyIdentifier: Buffer.alloc(20, 1) }, ctx)[0]!;
  const critical = encodeExtensionList(
    { authorityKeyIdentifier: Buffer.alloc(20, 1), critical: { authorityKeyIdentifier: true } },
    ctx,
  )[0]!;
  assert.equal(hex(critical), hex(plain).replace('0603551d23', '0603551d230101ff').replace(/^301f/, '3022'));
});
