import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDer, der } from '../../src/asn1/index.js';
import { SymbolonError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { decodeName, encodeName, formatName, nameAttribute, parseName } from '../../src/x509/name.js';
import type { DistinguishedName } from '../../src/x509/name.js';
import { OID } from '../../src/x509/oids.js';

function assertCode(run: () => unknown, code: ErrorCode): void {
  assert.throws(run, (error: unknown) => error instanceof SymbolonError && error.code === code);
}

const cn = (value: string): DistinguishedName => [[{ type: OID.organizationName, value: 'Acme' }], [{ type: OID.commonName, value }]];

test('formats RFC 4514 text, most specific RDN first', () => {
  assert.equal(formatName(parseName('/C=US/O=Acme/OU=Eng/CN=leaf')), 'CN=leaf,OU=Eng,O=Acme,C=US');
  assert.equal(formatName([]), '');
});

test('round-trips values that need escaping (RFC 4514 2.4)', () => {
  const values = [
    'a ',
    ' a',
    '  both  ',
    'a,b',
    'a+b',
    'a"b',
    'a\\b',
    'a;b',
    'a<b>c',
    'a=b',
    'é and ü',
    'a\nb',
    '\\41',
    'a\\',
    'trailing\\ ',
    '#not hex!',
    ',+"\\<>;',
  ];
  for (const value of values) {
    const text = formatName(cn(value));
    assert.deepEqual(parseName(text), cn(value), `${JSON.stringify(value)} as ${text}`);
  }
});

test('round-trips multi-valued RDNs in both text forms', () => {
  const name: DistinguishedName = [
    [{ type: OID.countryName, value: 'US' }],
    [
      { type: OID.organizationName, value: 'Acme' },
      { type: OID.organizationalUnitName, value: 'Eng' },
    ],
    [{ type: OID.commonName, value: 'x' }],
  ];
  assert.equal(formatName(name), 'CN=x,O=Acme+OU=Eng,C=US');
  assert.deepEqual(parseName('CN=x,O=Acme+OU=Eng,C=US'), name);
  assert.deepEqual(parseName('/C=US/O=Acme+OU=Eng/CN=x'), name);
  const decoded = decodeName(decodeDer(encodeName(name)));
  assert.deepEqual(
    decoded,
    name.map((rdn) =>
      [...rdn].sort((a, b) =>
        Buffer.compare(der.sequence(der.oid(a.type), der.utf8String(a.value)), der.sequence(der.oid(b.type), der.utf8String(b.value))),
      ),
    ),
  );
});

test('reads the RFC 4514 section 4 examples', () => {
  assert.deepEqual(parseName('UID=jsmith,DC=example,DC=net'), [
    [{ type: OID.domainComponent, value: 'net' }],
    [{ type: OID.domainComponent, value: 'example' }],
    [{ type: OID.userId, value: 'jsmith' }],
  ]);
  assert.equal(nameAttribute(parseName('CN=James \\"Jim\\" Smith\\, III,DC=example,DC=net'), OID.commonName), 'James "Jim" Smith, III');
  assert.equal(nameAttribute(parseName('CN=Before\\0dAfter,DC=example,DC=net'), OID.commonName), 'Before\rAfter');
  assert.equal(nameAttribute(parseName('CN=Lu\\C4\\8Di\\C4\\87'), OID.commonName), 'Lučić');
  assert.deepEqual(parseName('OU=Sales+CN=J.  Smith,DC=example,DC=net')[2], [
    { type: OID.organizationalUnitName, value: 'Sales' },
    { type: OID.commonName, value: 'J.  Smith' },
  ]);
});

test('reads type names case-insensitively, dotted OIDs, and spaces around separators', () => {
  assert.deepEqual(parseName(' cn = x , o = y '), [[{ type: OID.organizationName, value: 'y' }], [{ type: OID.commonName, value: 'x' }]]);
  assert.deepEqual(parseName('2.5.4.3=x'), [[{ type: OID.commonName, value: 'x' }]]);
  assert.deepEqual(parseName('email=a@example.com'), [[{ type: OID.emailAddress, value: 'a@example.com' }]]);
  assert.deepEqual(parseName(''), []);
  assert.deepEqual(parseName('/'), []);
});

test('refuses text that is not a name', () => {
  assertCode(() => parseName('CN'), 'CERT_BAD_NAME');
  assertCode(() => parseName('=x'), 'CERT_BAD_NAME');
  assertCode(() => parseName('XX=1'), 'CERT_BAD_NAME');
  assertCode(() => parseName('/CN=a/foo'), 'CERT_BAD_NAME');
});

test('encodes with the string types RFC 5280 wants and decodes them back', () => {
  const name = parseName('/C=US/DC=example/emailAddress=a@example.com/serialNumber=42/CN=ü');
  const encoded = decodeDer(encodeName(name));
  const tags = encoded.children.map((rdn) => rdn.children[0]!.children[1]!.tag);
  assert.deepEqual(tags, [0x13, 0x16, 0x16, 0x13, 0x0c]);
  assert.deepEqual(decodeName(encoded), name);
});

test('refuses values the encoding rules forbid', () => {
  assertCode(() => encodeName(parseName('/C=USA')), 'CERT_BAD_NAME');
  assertCode(() => encodeName(parseName('/C=us')), 'CERT_BAD_NAME');
  assertCode(() => encodeName([[{ type: OID.commonName, value: 'x'.repeat(65) }]]), 'CERT_BAD_NAME');
  assertCode(() => encodeName([[{ type: OID.commonName, value: '' }]]), 'CERT_BAD_NAME');
  assertCode(() => encodeName([[]]), 'CERT_BAD_NAME');
  assertCode(() => encodeName([[{ type: OID.emailAddress, value: 'ü@example.com' }]]), 'CERT_BAD_NAME');
});

test('decodes other string types and shows non-strings as hex DER', () => {
  const atv = (value: Buffer): Buffer => der.sequence(der.set(der.sequence(der.oid(OID.commonName), value)));
  assert.deepEqual(decodeName(decodeDer(atv(Buffer.from([0x1e, 0x04, 0x00, 0x68, 0x00, 0x69])))), [
    [{ type: OID.commonName, value: 'hi' }],
  ]);
  assert.deepEqual(decodeName(decodeDer(atv(Buffer.from([0x14, 0x01, 0xe9])))), [[{ type: OID.commonName, value: 'é' }]]);
  assert.deepEqual(decodeName(decodeDer(atv(der.integer(5)))), [[{ type: OID.commonName, value: '#020105', isHexEncoded: true }]]);
  assert.equal(formatName(decodeName(decodeDer(atv(der.integer(5))))), 'CN=#020105');
});

test('a string value that begins with # is escaped, so it cannot pass for an encoded value (RFC 4514 2.4)', () => {
  // CN "#0c0561646d696e" is a UTF8String; unescaped, an RFC 4514 reader takes it for the DER of "admin".
  const name = decodeName(decodeDer(encodeName(cn('#0c0561646d696e'))));
  assert.equal(formatName(name), 'CN=\\#0c0561646d696e,O=Acme');
  assert.deepEqual(parseName(formatName(name)), cn('#0c0561646d696e'));
  assert.equal(formatName(cn('#')), 'CN=\\#,O=Acme');
});

test('reads #hex text as RFC 4514 does: a string DER is that string, any other value stays encoded', () => {
  assert.deepEqual(parseName('CN=#0c0561646d696e'), [[{ type: OID.commonName, value: 'admin' }]]);
  assert.deepEqual(parseName('CN=#020105'), [[{ type: OID.commonName, value: '#020105', isHexEncoded: true }]]);
  assert.equal(formatName(parseName('CN=#0C0561646D696E')), 'CN=admin');
  assertCode(() => parseName('CN=#0c05616d'), 'CERT_BAD_NAME');
  assertCode(() => encodeName(parseName('CN=#020105')), 'CERT_BAD_NAME');
});

test('refuses a string value whose bytes break its type instead of showing it as hex', () => {
  const atv = (value: Buffer): Buffer => der.sequence(der.set(der.sequence(der.oid(OID.commonName), value)));
  assertCode(() => decodeName(decodeDer(atv(Buffer.from([0x0c, 0x02, 0xc3, 0x28])))), 'CERT_BAD_NAME');
  assertCode(() => decodeName(decodeDer(atv(Buffer.from([0x13, 0x05, 0x61, 0x40, 0x62, 0x2e, 0x63])))), 'CERT_BAD_NAME');
});

test('decoding refuses structures that are not names', () => {
  for (const bad of [
    der.set(),
    der.sequence(der.set()),
    der.sequence(der.sequence()),
    der.sequence(der.set(der.sequence(der.oid(OID.commonName)))),
    der.sequence(der.set(der.nullValue())),
  ]) {
    assertCode(() => decodeName(decodeDer(bad)), 'CERT_BAD_NAME');
  }
});
