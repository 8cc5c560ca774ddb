import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { der } from '../../src/asn1/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test("encodes INTEGER minimally in two's complement (X.690 8.3)", () => {
  assert.equal(hex(der.integer(0)), '020100');
  assert.equal(hex(der.integer(127)), '02017f');
  assert.equal(hex(der.integer(128)), '02020080');
  assert.equal(hex(der.integer(256)), '02020100');
  assert.equal(hex(der.integer(-1)), '0201ff');
  assert.equal(hex(der.integer(-128)), '020180');
  assert.equal(hex(der.integer(-129)), '0202ff7f');
  assert.equal(hex(der.integer(-256)), '0202ff00');
  assert.equal(hex(der.integer(2n ** 64n)), '0209010000000000000000');
});

test('prepends a zero byte to a serial whose high bit is set, and strips leading zeros', () => {
  assert.equal(hex(der.unsignedInteger(Buffer.from('ff01', 'hex'))), '020300ff01');
  assert.equal(hex(der.unsignedInteger(Buffer.from('00007f', 'hex'))), '02017f');
  assert.equal(hex(der.unsignedInteger(Buffer.alloc(0))), '020100');
  const twenty = Buffer.alloc(20, 0xab);
  assert.equal(der.unsignedInteger(twenty).length, 2 + 21);
});

test('encodes lengths in short and long form', () => {
  assert.equal(hex(der.octetString(Buffer.alloc(127))).slice(0, 4), '047f');
  assert.equal(hex(der.octetString(Buffer.alloc(128))).slice(0, 6), '048180');
  assert.equal(hex(der.octetString(Buffer.alloc(256))).slice(0, 8), '04820100');
  assert.equal(hex(der.octetString(Buffer.alloc(0x10000))).slice(0, 10), '0483010000');
});

test('encodes BOOLEAN TRUE as 0xFF and NULL as two bytes', () => {
  assert.equal(hex(der.boolean(true)), '0101ff');
  assert.equal(hex(der.boolean(false)), '010100');
  assert.equal(hex(der.nullValue()), '0500');
});

test('encodes OBJECT IDENTIFIERs with base-128 arcs', () => {
  assert.equal(hex(der.oid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
  assert.equal(hex(der.oid('2.5.29.19')), '0603551d13');
  assert.equal(hex(der.oid('2.999.3')), '0603883703');
  assert.throws(() => der.oid('3.1'), { code: 'ASN1_VALUE_OUT_OF_RANGE' });
  assert.throws(() => der.oid('1.40'), { code: 'ASN1_VALUE_OUT_OF_RANGE' });
  assert.throws(() => der.oid('1'), { code: 'ASN1_VALUE_OUT_OF_RANGE' });
  assert.throws(() => der.oid('1.2.x'), { code: 'ASN1_VALUE_OUT_OF_RANGE' });
});

test('removes trailing zero bits of named bit strings (X.690 11.2.2)', () => {
  // keyUsage digitalSignature (0) + keyCertSign (5): 1000 0100, 2 unused bits.
  assert.equal(hex(der.namedBitString([0, 5])), '03020284');
  // digitalSignature only: 1 bit used, 7 unused.
  assert.equal(hex(der.namedBitString([0])), '03020780');
  // decipherOnly (8) needs a second byte.
  assert.equal(hex(der.namedBitString([0, 8])), '0303078080');
  assert.equal(hex(der.namedBitString([])), '030100');
});

test('chooses UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 4.1.2.5)', () => {
  assert.equal(
    Buffer.from(der.time(new Date('2049-12-31T23:59:59Z')))
      .subarray(2)
      .toString(),
    '491231235959Z',
  );
  assert.equal(der.time(new Date('2049-12-31T23:59:59Z'))[0], 0x17);
  assert.equal(
    Buffer.from(der.time(new Date('2050-01-01T00:00:00Z')))
      .subarray(2)
      .toString(),
    '20500101000000Z',
  );
  assert.equal(der.time(new Date('2050-01-01T00:00:00Z'))[0], 0x18);
  assert.equal(der.time(new Date('1950-01-01T00:00:00Z'))[0], 0x17);
  assert.equal(der.time(new Date('1949-12-31T23:59:59Z'))[0], 0x18);
  assert.throws(() => der.utcTime(new Date('2050-01-01T00:00:00Z')), { code: 'ASN1_VALUE_OUT_OF_RANGE' });
  assert.throws(() => der.time(new Date(NaN)), { code: 'ASN1_VALUE_OUT_OF_RANGE' });
});

test('writes any time of the years 0 to 9999 as Date reads it, in place and as an element (seeded)', () => {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const digits = (date: Date, isGeneralized: boolean): string =>
    (isGeneralized ? pad(date.getUTCFullYear(), 4) : pad(date.getUTCFullYear() % 100)) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z';
  const earliest = Date.parse('0000-01-01T00:00:00Z');
  const latest = Date.parse('9999-12-31T23:59:59.999Z');
  fc.assert(
    fc.property(fc.integer({ min: earliest, max: latest }), (ms) => {
      const date = new Date(ms);
      const out = Buffer.alloc(20, 0xee);
      const end = der.writeTimeAt(out, 2, ms, true);
      assert.equal(end, 19);
      assert.equal(out.subarray(4, 19).toString('latin1'), digits(date, true));
      assert.deepEqual(out.subarray(2, 19), der.generalizedTime(date));
      const year = date.getUTCFullYear();
      if (year >= 1950 && year <= 2049) assert.equal(der.utcTime(date).subarray(2).toString('latin1'), digits(date, false));
    }),
    { seed: 5, numRuns: 2000 },
  );
});

test('writes a header in place, its length as headerLength measures it', () => {
  for (const length of [0, 127, 128, 255, 256, 65_535, 65_536]) {
    const out = Buffer.alloc(8);
    const start = der.writeHeaderAt(out, 1, 0x30, length);
    assert.equal(start - 1, der.headerLength(length));
    assert.deepEqual(out.subarray(1, start), der.tlv(0x30, Buffer.alloc(length)).subarray(0, der.headerLength(length)));
  }
  const out = Buffer.alloc(8);
  assert.equal(der.writeHeaderAt(out, 0, 0x30, 16_777_216), 6);
  assert.equal(hex(out.subarray(0, 6)), '308401000000');
});

test('sorts SET OF members by their encodings (X.690 11.6)', () => {
  const a = der.integer(2);
  const b = der.integer(1);
  const c = der.utf8String('x');
  assert.equal(hex(der.setOf([a, c, b])), '3109' + hex(b) + hex(a) + hex(c));
});

test('checks the character sets of PrintableString and IA5String', () => {
  assert.equal(hex(der.printableString('US')), '13025553');
  assert.throws(() => der.printableString('a@b'), { code: 'ASN1_VALUE_OUT_OF_RANGE' });
  assert.throws(() => der.ia5String('é'), { code: 'ASN1_VALUE_OUT_OF_RANGE' });
  assert.equal(hex(der.utf8String('é')), '0c02c3a9');
});

test('writes explicit and implicit context tags', () => {
  assert.equal(hex(der.explicit(0, der.integer(2))), 'a003020102');
  assert.equal(hex(der.implicit(1, der.sequence(der.integer(1)))), 'a103020101');
  assert.equal(hex(der.implicit(2, der.octetString(Buffer.from('ab', 'hex')))), '8201ab');
  assert.equal(hex(der.contextPrimitive(2, Buffer.from('a.example'))), '8209612e6578616d706c65');
  assert.throws(() => der.explicit(31, der.nullValue()), { code: 'ASN1_VALUE_OUT_OF_RANGE' });
});

test('produces structures that openssl asn1parse reads back', () => {
  const encoded = der.sequence(
    der.integer(-5),
    der.unsignedInteger(Buffer.alloc(20, 0xff)),
    der.oid('1.3.6.1.5.5.7.3.2'),
    der.time(new Date('2051-06-01T12:00:00Z')),
    der.setOf([der.printableString('B'), der.printableString('A')]),
    der.explicit(3, der.boolean(true)),
    der.bitString(Buffer.from('f0', 'hex'), 4),
  );
  const text = execFileSync('openssl', ['asn1parse', '-inform', 'DER'], { input: encoded }).toString();
  assert.match(text, /INTEGER +:-05/);
  assert.match(text, /INTEGER +:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF/);
  assert.match(text, /OBJECT +:TLS Web Client Authentication/);
  assert.match(text, /GENERALIZEDTIME +:20510601120000Z/);
  assert.match(text, /BOOLEAN +:255/);
});
