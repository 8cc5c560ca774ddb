import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Asn1Error } from '../../src/errors.js';
import {
  der,
  decodeDer,
  MAX_DER_DEPTH,
  readBitString,
  readBoolean,
  readInteger,
  readNamedBits,
  readNull,
  readOid,
  readString,
  readTime,
} from '../../src/asn1/index.js';

const fromHex = (h: string): Buffer => Buffer.from(h, 'hex');

function assertAsn1Error(input: Buffer, code: string, offset?: number): void {
  assert.throws(
    () => decodeDer(input),
    (error: unknown) => {
      assert.ok(error instanceof Asn1Error, `expected Asn1Error, got ${String(error)}`);
      assert.equal(error.code, code);
      if (offset !== undefined) assert.equal(error.offset, offset);
      return true;
    },
  );
}

test('decodes a nested structure into nodes that are views of the input', () => {
  const input = der.sequence(der.integer(5), der.sequence(der.oid('2.5.29.19'), der.boolean(true)));
  const root = decodeDer(input);
  assert.equal(root.children.length, 2);
  assert.equal(readInteger(root.children[0]!), 5n);
  assert.equal(readOid(root.children[1]!.children[0]!), '2.5.29.19');
  assert.equal(readBoolean(root.children[1]!.children[1]!), true);
  assert.equal(root.children[1]!.offset, 5);
  assert.equal(root.children[1]!.bytes.buffer, input.buffer);
});

test('rejects indefinite lengths', () => {
  assertAsn1Error(fromHex('30800201050000'), 'ASN1_INDEFINITE_LENGTH', 1);
});

test('rejects non-minimal lengths', () => {
  assertAsn1Error(fromHex('0481050102030405'), 'ASN1_BAD_LENGTH', 1);
  assertAsn1Error(fromHex('048200050102030405'), 'ASN1_BAD_LENGTH', 1);
});

test('rejects a length that runs past the buffer, with the offset of the fault', () => {
  assertAsn1Error(fromHex('3005020101'), 'ASN1_BAD_LENGTH', 1);
  assertAsn1Error(fromHex('3004020401020304'), 'ASN1_BAD_LENGTH', 3);
  assertAsn1Error(fromHex('30'), 'ASN1_TRUNCATED', 1);
  assertAsn1Error(fromHex(''), 'ASN1_TRUNCATED', 0);
  assertAsn1Error(fromHex('0482ff'), 'ASN1_TRUNCATED', 2);
  assertAsn1Error(fromHex('0485ffffffffff'), 'ASN1_BAD_LENGTH', 1);
});

test('rejects trailing bytes after the element', () => {
  assertAsn1Error(fromHex('05000000'), 'ASN1_TRAILING_DATA', 2);
});

test('rejects nesting deeper than the bound without exhausting the stack', () => {
  let element: Buffer = der.nullValue();
  for (let i = 0; i < MAX_DER_DEPTH; i++) element = der.sequence(element);
  assert.doesNotThrow(() => decodeDer(element));
  assertAsn1Error(der.sequence(element), 'ASN1_TOO_DEEP');
  // A hostile 100,000-level nesting is refused quickly, not by a stack overflow.
  const hostile = Buffer.alloc(200_000);
  for (let i = 0; i < hostile.length; i += 2) {
    hostile[i] = 0x30;
    hostile[i + 1] = 0x80;
  }
  assertAsn1Error(hostile, 'ASN1_INDEFINITE_LENGTH');
});

test('rejects oversize input before reading it', () => {
  assert.throws(() => decodeDer(Buffer.alloc(2048), { maxBytes: 1024 }), { code: 'ASN1_TOO_LARGE' });
});

test('rejects constructed encodings of primitive universal types and high tag numbers', () => {
  assertAsn1Error(fromHex('2403040101'), 'ASN1_BAD_TAG', 0);
  assertAsn1Error(fromHex('1f2200'), 'ASN1_BAD_TAG', 0);
  assertAsn1Error(fromHex('0000'), 'ASN1_BAD_TAG', 0);
});

test('reads INTEGERs strictly', () => {
  assert.equal(readInteger(decodeDer(fromHex('0202ff7f'))), -129n);
  assert.equal(readInteger(decodeDer(fromHex('020300ff01'))), 0xff01n);
  assert.throws(() => readInteger(decodeDer(fromHex('0202007f'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readInteger(decodeDer(fromHex('0202ff80'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readInteger(decodeDer(fromHex('0200'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readInteger(decodeDer(fromHex('0400'))), { code: 'ASN1_UNEXPECTED_TAG' });
});

test('reads BOOLEAN, NULL and BIT STRING strictly', () => {
  assert.throws(() => readBoolean(decodeDer(fromHex('010101'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readBoolean(decodeDer(fromHex('01020000'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readNull(decodeDer(fromHex('050100'))), { code: 'ASN1_BAD_VALUE' });
  assert.deepEqual(readNamedBits(decodeDer(fromHex('03020284'))), [0, 5]);
  assert.throws(() => readBitString(decodeDer(fromHex('030207ff'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readBitString(decodeDer(fromHex('030108'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readBitString(decodeDer(fromHex('0300'))), { code: 'ASN1_BAD_VALUE' });
});

test('reads OBJECT IDENTIFIERs and refuses non-minimal arcs', () => {
  assert.equal(readOid(decodeDer(fromHex('06092a864886f70d01010b'))), '1.2.840.113549.1.1.11');
  assert.equal(readOid(decodeDer(fromHex('0603883703'))), '2.999.3');
  assert.throws(() => readOid(decodeDer(fromHex('0603558037'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readOid(decodeDer(fromHex('060255ff'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readOid(decodeDer(fromHex('0600'))), { code: 'ASN1_BAD_VALUE' });
});

test('reads times in their DER forms only', () => {
  const time = (h: string): Date => readTime(decodeDer(fromHex(h)));
  const enc = (tag: string, text: string): string => tag + text.length.toString(16).padStart(2, '0') + Buffer.from(text).toString('hex');
  assert.equal(time(enc('17', '491231235959Z')).toISOString(), '2049-12-31T23:59:59.000Z');
  assert.equal(time(enc('17', '500101000000Z')).toISOString(), '1950-01-01T00:00:00.000Z');
  assert.equal(time(enc('18', '20500101000000Z')).toISOString(), '2050-01-01T00:00:00.000Z');
  assert.equal(time(enc('18', '20500101000000.5Z')).toISOString(), '2050-01-01T00:00:00.500Z');
  for (const bad of ['4912312359Z', '491231235959+0000', '491231235959', '491332000000Z', '490230000000Z', '491231246000Z']) {
    assert.throws(() => time(enc('17', bad)), { code: 'ASN1_BAD_VALUE' }, bad);
  }
  for (const bad of ['20500101000000.50Z', '20500101000000.Z', '205001010000Z', '20500101000000']) {
    assert.throws(() => time(enc('18', bad)), { code: 'ASN1_BAD_VALUE' }, bad);
  }
});

test('reads strings and enforces their character sets', () => {
  assert.equal(readString(decodeDer(fromHex('0c02c3a9'))), 'é');
  assert.throws(() => readString(decodeDer(fromHex('0c01ff'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readString(decodeDer(fromHex('130140'))), { code: 'ASN1_BAD_VALUE' });
  assert.throws(() => readString(decodeDer(fromHex('160180'))), { code: 'ASN1_BAD_VALUE' });
  assert.equal(readString(decodeDer(fromHex('1e0400e90041'))), 'éA');
  assert.throws(() => readString(decodeDer(fromHex('020100'))), { code: 'ASN1_UNEXPECTED_TAG' });
});

test('any byte string decodes to a node or an Asn1Error, never another exception (seeded)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        const node = decodeDer(Buffer.from(bytes));
        assert.equal(node.bytes.length, bytes.length);
      } catch (error) {
        if (!(error instanceof Asn1Error)) throw error;
      }
    }),
    { seed: 20261125, numRuns: 20_000 },
  );
});

test('what the writer encodes, the reader decodes to the same values (seeded)', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(2n ** 160n), max: 2n ** 160n }),
      fc.array(fc.nat({ max: 2 ** 31 }), { minLength: 1, maxLength: 8 }),
      fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
      fc.string({ maxLength: 40 }),
      (n, arcs, date, text) => {
        const dotted = ['1', '3', ...arcs.map(String)].join('.');
        const wholeSeconds = new Date(Math.floor(date.getTime() / 1000) * 1000);
        const root = decodeDer(der.sequence(der.integer(n), der.oid(dotted), der.time(wholeSeconds), der.utf8String(text)));
        assert.equal(readInteger(root.children[0]!), n);
        assert.equal(readOid(root.children[1]!), dotted);
        assert.equal(readTime(root.children[2]!).getTime(), wholeSeconds.getTime());
        assert.equal(readString(root.children[3]!), Buffer.from(text, 'utf8').toString('utf8'));
      },
    ),
    { seed: 7, numRuns: 2_000 },
  );
});
