import { test } from 'node:test';
import assert from 'node:assert/strict';
import { der } from '../../../src/asn1/index.js';
import { Asn1Error, SymbolonError } from '../../../src/errors.js';
import {
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeOcspNoCheck,
  decodeSubjectKeyIdentifier,
} from '../../../src/x509/extensions/decoding.js';
import {
  decodeAuthorityInfoAccess,
  decodeCrlDistributionPoints,
  decodeFreshestCrl,
  decodeSubjectInfoAccess,
} from '../../../src/x509/extensions/decoding-locations.js';
import { decodeIssuerAltName, decodeNameConstraints, decodeSubjectAltName } from '../../../src/x509/extensions/decoding-names.js';
import {
  decodeCertificatePolicies,
  decodeInhibitAnyPolicy,
  decodePolicyConstraints,
  decodePolicyMappings,
} from '../../../src/x509/extensions/decoding-policies.js';
import { OID } from '../../../src/x509/oids.js';
import { name } from '../certificate-parser-fixtures.js';

const ia5 = (tag: number, text: string): Buffer => der.contextPrimitive(tag, Buffer.from(text, 'latin1'));
const dns = (text: string): Buffer => ia5(2, text);
const uri = (text: string): Buffer => ia5(6, text);

function assertBad(run: () => unknown, what = ''): SymbolonError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SymbolonError, `${what}: expected a SymbolonError, got ${String(error)}`);
    assert.equal(error.code, 'CERT_BAD_EXTENSION', what);
    return error;
  }
  assert.fail(`${what}: expected CERT_BAD_EXTENSION, but nothing was thrown`);
}

test('basicConstraints: CA flag and path length', () => {
  assert.deepEqual(decodeBasicConstraints(der.sequence()), { isCa: false });
  assert.deepEqual(decodeBasicConstraints(der.sequence(der.boolean(true))), { isCa: true });
  assert.deepEqual(decodeBasicConstraints(der.sequence(der.boolean(true), der.integer(0))), { isCa: true, pathLenConstraint: 0 });
  assert.deepEqual(decodeBasicConstraints(der.sequence(der.boolean(true), der.integer(3))), { isCa: true, pathLenConstraint: 3 });
  // cA FALSE written out is a DEFAULT encoded explicitly (X.690 11.5): unambiguous, accepted.
  assert.deepEqual(decodeBasicConstraints(der.sequence(der.boolean(false))), { isCa: false });
});

test('basicConstraints: refuses what is malformed', () => {
  const cases: Buffer[] = [
    der.sequence(der.boolean(true), der.integer(-1)),
    der.sequence(der.integer(1), der.boolean(true)),
    der.sequence(der.boolean(true), der.boolean(true)),
    der.sequence(der.boolean(true), der.integer(1), der.integer(1)),
    der.set(der.boolean(true)),
    Buffer.from([0x30, 0x03, 0x01, 0x01, 0x01]),
    Buffer.from([0x30, 0x00, 0x00]),
    Buffer.from([0x30]),
    Buffer.alloc(0),
  ];
  cases.forEach((value, i) => assertBad(() => decodeBasicConstraints(value), `case ${i}`));
});

test('keyUsage: names in bit order; refuses empty, padded, unknown bits', () => {
  assert.deepEqual(decodeKeyUsage(der.namedBitString([0, 2])), ['digitalSignature', 'keyEncipherment']);
  assert.deepEqual(decodeKeyUsage(der.namedBitString([5, 6])), ['keyCertSign', 'cRLSign']);
  assert.deepEqual(decodeKeyUsage(der.namedBitString([8])), ['decipherOnly']);
  assertBad(() => decodeKeyUsage(der.namedBitString([])), 'no bit');
  assertBad(() => decodeKeyUsage(Buffer.from([0x03, 0x02, 0x00, 0x80])), 'trailing zero bits');
  assertBad(() => decodeKeyUsage(Buffer.from([0x03, 0x03, 0x07, 0x80, 0x00])), 'zero byte');
  assertBad(() => decodeKeyUsage(der.namedBitString([9])), 'bit 9');
  assertBad(() => decodeKeyUsage(Buffer.from([0x03, 0x02, 0x07, 0x81])), 'padding bit set');
  assertBad(() => decodeKeyUsage(der.octetString(Buffer.from([0x80]))), 'not a BIT STRING');
});

test('extKeyUsage: the purpose OIDs; refuses an empty list', () => {
  assert.deepEqual(decodeExtKeyUsage(der.sequence(der.oid(OID.serverAuth), der.oid(OID.clientAuth))), [OID.serverAuth, OID.clientAuth]);
  assertBad(() => decodeExtKeyUsage(der.sequence()));
  assertBad(() => decodeExtKeyUsage(der.sequence(der.utf8String('serverAuth'))));
});

test('subjectKeyIdentifier and authorityKeyIdentifier', () => {
  assert.deepEqual(decodeSubjectKeyIdentifier(der.octetString(Buffer.from('abcd'))), Buffer.from('abcd'));
  assertBad(() => decodeSubjectKeyIdentifier(der.bitString(Buffer.from('abcd'))));

  const keyId = Buffer.from('0102030405', 'hex');
  assert.deepEqual(decodeAuthorityKeyIdentifier(der.sequence(der.contextPrimitive(0, keyId))), { keyIdentifier: keyId });
  const full = decodeAuthorityKeyIdentifier(
    der.sequence(
      der.contextPrimitive(0, keyId),
      der.contextConstructed(1, [der.explicit(4, name('/CN=Root'))]),
      der.contextPrimitive(2, Buffer.from([0x00, 0x80, 0x01])),
    ),
  );
  assert.deepEqual(full, {
    keyIdentifier: keyId,
    authorityCertIssuer: [{ type: 'dirName', value: [[{ type: OID.commonName, value: 'Root' }]] }],
    authorityCertSerialNumber: '8001',
  });
  assert.deepEqual(decodeAuthorityKeyIdentifier(der.sequence()), {});
  assertBad(
    () => decodeAuthorityKeyIdentifier(der.sequence(der.contextPrimitive(2, Buffer.from([1])), der.contextPrimitive(0, keyId))),
    'out of order',
  );
  assertBad(() => decodeAuthorityKeyIdentifier(der.sequence(der.contextPrimitive(0, keyId), der.contextPrimitive(0, keyId))), 'repeated');
  assertBad(() => decodeAuthorityKeyIdentifier(der.sequence(der.contextConstructed(1, []))), 'empty issuer');
  assertBad(() => decodeAuthorityKeyIdentifier(der.sequence(der.contextPrimitive(2, Buffer.from([0, 1])))), 'serial not minimal');
  assertBad(() => decodeAuthorityKeyIdentifier(der.sequence(der.octetString(keyId))), 'untagged');
});

test('subjectAltName and issuerAltName: every GeneralName form', () => {
  const other = der.contextConstructed(0, [der.oid('1.3.6.1.4.1.311.20.2.3'), der.explicit(0, der.utf8String('upn@example.com'))]);
  const names = decodeSubjectAltName(
    der.sequence(
      dns('a.example.com'),
      der.contextPrimitive(7, Buffer.from([10, 0, 0, 1])),
      der.contextPrimitive(7, Buffer.from('20010db8000000000000000000000001', 'hex')),
      uri('spiffe://example.org/a'),
      ia5(1, 'a@example.com'),
      der.explicit(4, name('/CN=dir')),
      der.implicit(8, der.oid('1.2.3.4')),
      other,
    ),
  );
  assert.deepEqual(names, [
    { type: 'dns', value: 'a.example.com' },
    { type: 'ip', value: '10.0.0.1' },
    { type: 'ip', value: '2001:db8::1' },
    { type: 'uri', value: 'spiffe://example.org/a' },
    { type: 'email', value: 'a@example.com' },
    { type: 'dirName', value: [[{ type: OID.commonName, value: 'dir' }]] },
    { type: 'registeredId', value: '1.2.3.4' },
    { type: 'other', tag: 0, der: other },
  ]);
  assert.deepEqual(decodeIssuerAltName(der.sequence(dns('issuer.example.com'))), [{ type: 'dns', value: 'issuer.example.com' }]);
});

test('subjectAltName: refuses empty lists and malformed names', () => {
  const cases: Buffer[] = [
    der.sequence(),
    der.sequence(der.contextPrimitive(7, Buffer.from([1, 2, 3]))),
    der.sequence(der.contextPrimitive(2, Buffer.from([0xc3, 0xa9]))),
    der.sequence(der.contextConstructed(2, [])),
    der.sequence(der.contextPrimitive(4, Buffer.from([1]))),
    der.sequence(der.contextPrimitive(9, Buffer.from([1]))),
    der.sequence(der.utf8String('a.example.com')),
    der.sequence(der.contextConstructed(4, [name('/CN=a'), name('/CN=b')])),
    der.sequence(der.contextPrimitive(8, Buffer.from([0x80]))),
    dns('a.example.com'),
  ];
  cases.forEach((value, i) => assertBad(() => decodeSubjectAltName(value), `case ${i}`));
});

test('nameConstraints: permitted and excluded subtrees, IPs as CIDR', () => {
  const subtree = (base: Buffer, ...bounds: Buffer[]): Buffer => der.sequence(base, ...bounds);
  const ipv4 = der.contextPrimitive(7, Buffer.from([10, 0, 0, 0, 255, 0, 0, 0]));
  const ipv6 = der.contextPrimitive(
    7,
    Buffer.concat([Buffer.from('fd000000000000000000000000000000', 'hex'), Buffer.from('ffff0000000000000000000000000000', 'hex')]),
  );
  const constraints = decodeNameConstraints(
    der.sequence(
      der.contextConstructed(0, [subtree(dns('.example.com')), subtree(ipv4)]),
      der.contextConstructed(1, [subtree(ipv6), subtree(ia5(1, 'bad.example.com'))]),
    ),
  );
  assert.deepEqual(constraints, {
    permitted: [
      { type: 'dns', value: '.example.com' },
      { type: 'ip', value: '10.0.0.0/8' },
    ],
    excluded: [
      { type: 'ip', value: 'fd00::/16' },
      { type: 'email', value: 'bad.example.com' },
    ],
  });
  assert.deepEqual(decodeNameConstraints(der.sequence(der.contextConstructed(1, [subtree(dns('x.test'))]))), {
    permitted: [],
    excluded: [{ type: 'dns', value: 'x.test' }],
  });
  // minimum 0 written out is allowed (RFC 5280 4.2.1.10: the minimum is zero).
  assert.deepEqual(
    decodeNameConstraints(der.sequence(der.contextConstructed(0, [subtree(dns('x.test'), der.contextPrimitive(0, Buffer.from([0])))])))
      .permitted,
    [{ type: 'dns', value: 'x.test' }],
  );
});

test('nameConstraints: refuses minimum other than 0, any maximum, empty forms, bad masks', () => {
  const subtree = (base: Buffer, ...bounds: Buffer[]): Buffer => der.sequence(base, ...bounds);
  const permitted = (...subtrees: Buffer[]): Buffer => der.sequence(der.contextConstructed(0, subtrees));
  const cases: Buffer[] = [
    permitted(subtree(dns('x.test'), der.contextPrimitive(0, Buffer.from([1])))),
    permitted(subtree(dns('x.test'), der.contextPrimitive(1, Buffer.from([5])))),
    permitted(subtree(dns('x.test'), der.contextPrimitive(0, Buffer.from([0])), der.contextPrimitive(1, Buffer.from([5])))),
    permitted(subtree(dns('x.test'), der.contextPrimitive(1, Buffer.from([5])), der.contextPrimitive(0, Buffer.from([0])))),
    der.sequence(),
    der.sequence(der.contextConstructed(0, [])),
    permitted(der.sequence()),
    permitted(subtree(der.contextPrimitive(7, Buffer.from([10, 0, 0, 1])))),
    permitted(subtree(der.contextPrimitive(7, Buffer.from([10, 0, 0, 0, 255, 0, 255, 0])))),
    der.sequence(der.contextConstructed(1, [subtree(dns('a'))]), der.contextConstructed(0, [subtree(dns('b'))])),
  ];
  cases.forEach((value, i) => assertBad(() => decodeNameConstraints(value), `case ${i}`));
});

test('crlDistributionPoints: full names, reasons, CRL issuer, relative names', () => {
  const point = der.sequence(der.explicit(0, der.contextConstructed(0, [uri('http://crl.example.com/a.crl'), uri('ldap://x')])));
  assert.deepEqual(decodeCrlDistributionPoints(der.sequence(point)), [
    {
      fullName: [
        { type: 'uri', value: 'http://crl.example.com/a.crl' },
        { type: 'uri', value: 'ldap://x' },
      ],
    },
  ]);
  const withAll = der.sequence(
    der.explicit(0, der.contextConstructed(1, [der.sequence(der.oid(OID.commonName), der.utf8String('CRL1'))])),
    der.implicit(1, der.namedBitString([1, 2])),
    der.contextConstructed(2, [der.explicit(4, name('/CN=Indirect'))]),
  );
  assert.deepEqual(decodeCrlDistributionPoints(der.sequence(withAll)), [
    {
      nameRelativeToCrlIssuer: [{ type: OID.commonName, value: 'CRL1' }],
      reasons: ['keyCompromise', 'cACompromise'],
      crlIssuer: [{ type: 'dirName', value: [[{ type: OID.commonName, value: 'Indirect' }]] }],
    },
  ]);
  assert.deepEqual(decodeFreshestCrl(der.sequence(point))[0]?.fullName?.[0], { type: 'uri', value: 'http://crl.example.com/a.crl' });
});

test('crlDistributionPoints: refuses what is malformed', () => {
  const fullName = der.explicit(0, der.contextConstructed(0, [uri('http://crl.example.com/a.crl')]));
  const cases: Buffer[] = [
    der.sequence(),
    der.sequence(der.sequence()),
    der.sequence(der.sequence(der.implicit(1, der.namedBitString([1])))),
    der.sequence(der.sequence(der.explicit(0))),
    der.sequence(der.sequence(der.explicit(0, der.contextConstructed(2, [uri('x:y')])))),
    der.sequence(der.sequence(der.explicit(0, der.contextConstructed(0, [])))),
    der.sequence(der.sequence(der.explicit(0, der.contextConstructed(1, [])))),
    der.sequence(der.sequence(fullName, der.implicit(1, der.namedBitString([9])))),
    der.sequence(der.sequence(fullName, Buffer.from([0x81, 0x02, 0x00, 0x40]))),
    der.sequence(der.sequence(der.implicit(1, der.namedBitString([1])), fullName)),
    der.sequence(der.sequence(fullName, der.contextConstructed(2, []))),
    der.sequence(fullName),
  ];
  cases.forEach((value, i) => assertBad(() => decodeCrlDistributionPoints(value), `case ${i}`));
});

test('authorityInfoAccess and subjectInfoAccess', () => {
  const value = der.sequence(
    der.sequence(der.oid(OID.accessOcsp), uri('http://ocsp.example.com')),
    der.sequence(der.oid(OID.accessCaIssuers), uri('http://ca.example.com/ca.crt')),
  );
  assert.deepEqual(decodeAuthorityInfoAccess(value), [
    { method: OID.accessOcsp, location: { type: 'uri', value: 'http://ocsp.example.com' } },
    { method: OID.accessCaIssuers, location: { type: 'uri', value: 'http://ca.example.com/ca.crt' } },
  ]);
  assert.equal(decodeSubjectInfoAccess(value).length, 2);
  const cases: Buffer[] = [
    der.sequence(),
    der.sequence(der.sequence(der.oid(OID.accessOcsp))),
    der.sequence(der.sequence(uri('http://x'), der.oid(OID.accessOcsp))),
    der.sequence(der.sequence(der.oid(OID.accessOcsp), uri('http://x'), uri('http://y'))),
    der.sequence(der.sequence(der.oid(OID.accessOcsp), der.ia5String('http://x'))),
  ];
  cases.forEach((bad, i) => assertBad(() => decodeAuthorityInfoAccess(bad), `case ${i}`));
});

test('certificatePolicies: policy OIDs with CPS URIs and user notice text', () => {
  const cps = (text: string): Buffer => der.sequence(der.oid(OID.qualifierCps), der.ia5String(text));
  const notice = (...parts: Buffer[]): Buffer => der.sequence(der.oid(OID.qualifierUserNotice), der.sequence(...parts));
  const noticeRef = der.sequence(der.utf8String('Org'), der.sequence(der.integer(1), der.integer(2)));
  const policies = decodeCertificatePolicies(
    der.sequence(
      der.sequence(der.oid(OID.anyPolicy)),
      der.sequence(
        der.oid('1.3.6.1.4.1.5555.1'),
        der.sequence(cps('https://cps.example.com/1'), cps('https://cps.example.com/2'), notice(noticeRef, der.utf8String('Notice text'))),
      ),
      der.sequence(der.oid('1.3.6.1.4.1.5555.2'), der.sequence(notice(noticeRef))),
      der.sequence(
        der.oid('1.3.6.1.4.1.5555.3'),
        der.sequence(notice(Buffer.from([0x1e, 0x04, 0x00, 0x68, 0x00, 0x69])), der.sequence(der.oid('1.2.3'), der.integer(5))),
      ),
    ),
  );
  assert.deepEqual(policies, [
    { policyId: OID.anyPolicy },
    { policyId: '1.3.6.1.4.1.5555.1', cpsUris: ['https://cps.example.com/1', 'https://cps.example.com/2'], userNotice: 'Notice text' },
    { policyId: '1.3.6.1.4.1.5555.2' },
    { policyId: '1.3.6.1.4.1.5555.3', userNotice: 'hi' },
  ]);
});

test('certificatePolicies: refuses what is malformed', () => {
  const cps = (value: Buffer): Buffer => der.sequence(der.oid(OID.qualifierCps), value);
  const notice = (...parts: Buffer[]): Buffer => der.sequence(der.oid(OID.qualifierUserNotice), der.sequence(...parts));
  const policy = (...qualifiers: Buffer[]): Buffer => der.sequence(der.sequence(der.oid('1.2.3'), der.sequence(...qualifiers)));
  const cases: Buffer[] = [
    der.sequence(),
    der.sequence(der.sequence(der.oid('1.2.3')), der.sequence(der.oid('1.2.3'))),
    der.sequence(der.sequence()),
    der.sequence(der.sequence(der.oid('1.2.3'), der.sequence())),
    policy(cps(der.utf8String('https://x'))),
    policy(der.sequence(der.oid(OID.qualifierCps))),
    policy(notice(der.printableString('text'))),
    policy(notice(der.utf8String('text'), der.sequence(der.utf8String('Org'), der.sequence()))),
    policy(notice(der.sequence(der.utf8String('Org')))),
    policy(notice(der.sequence(der.utf8String('Org'), der.sequence(der.utf8String('1'))))),
    policy(notice(der.sequence(der.utf8String('Org'), der.sequence()), der.utf8String('a'), der.utf8String('b'))),
    der.sequence(der.sequence(der.oid('1.2.3'), der.sequence(), der.nullValue())),
  ];
  cases.forEach((value, i) => assertBad(() => decodeCertificatePolicies(value), `case ${i}`));
});

test('policyMappings, policyConstraints and inhibitAnyPolicy', () => {
  assert.deepEqual(decodePolicyMappings(der.sequence(der.sequence(der.oid('1.2.3'), der.oid('1.2.4')))), [
    { issuerDomainPolicy: '1.2.3', subjectDomainPolicy: '1.2.4' },
  ]);
  assertBad(() => decodePolicyMappings(der.sequence()));
  assertBad(() => decodePolicyMappings(der.sequence(der.sequence(der.oid('1.2.3')))));
  assert.deepEqual(
    decodePolicyConstraints(der.sequence(der.contextPrimitive(0, Buffer.from([0])), der.contextPrimitive(1, Buffer.from([2])))),
    {
      requireExplicitPolicy: 0,
      inhibitPolicyMapping: 2,
    },
  );
  assert.deepEqual(decodePolicyConstraints(der.sequence(der.contextPrimitive(1, Buffer.from([1])))), { inhibitPolicyMapping: 1 });
  assertBad(() => decodePolicyConstraints(der.sequence()));
  assertBad(() => decodePolicyConstraints(der.sequence(der.contextPrimitive(0, Buffer.from([0xff])))));
  assert.equal(decodeInhibitAnyPolicy(der.integer(0)), 0);
  assert.equal(decodeInhibitAnyPolicy(der.integer(7)), 7);
  assertBad(() => decodeInhibitAnyPolicy(der.integer(-1)));
  assertBad(() => decodeInhibitAnyPolicy(der.integer(2n ** 64n)));
});

test('ocspNoCheck: NULL only', () => {
  assert.equal(decodeOcspNoCheck(der.nullValue()), true);
  assertBad(() => decodeOcspNoCheck(Buffer.from([0x05, 0x01, 0x00])));
  assertBad(() => decodeOcspNoCheck(der.sequence()));
});

test('a fault reports the absolute offset given by the caller, the DER error as cause', () => {
  const value = der.sequence(der.boolean(true), der.integer(-1));
  const error = assertBad(() => decodeBasicConstraints(value, 1000));
  const truncated = assertBad(() => decodeBasicConstraints(Buffer.from([0x30, 0x03, 0x01, 0x01]), 500));
  assert.ok(truncated.cause instanceof Asn1Error);
  assert.equal(truncated.cause.offset, 501);
  const notMinimal = assertBad(() => decodeBasicConstraints(der.sequence(der.boolean(true), Buffer.from([0x02, 0x02, 0x00, 0x01])), 100));
  assert.ok(notMinimal.cause instanceof Asn1Error);
  assert.equal(notMinimal.cause.offset, 105);
  assert.equal(error.cause, undefined);
});
