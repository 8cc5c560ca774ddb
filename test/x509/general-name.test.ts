import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDer, der } from '../../src/asn1/index.js';
import { SymbolonError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { bytesToIp, decodeGeneralName, encodeGeneralName, formatGeneralName, ipToBytes } from '../../src/x509/general-name.js';
import type { GeneralName } from '../../src/x509/general-name.js';
import { parseName } from '../../src/x509/name.js';

function assertCode(run: () => unknown, code: ErrorCode): void {
  assert.throws(run, (error: unknown) => error instanceof SymbolonError && error.code === code);
}

const ip6 = (text: string): string => bytesToIp(ipToBytes(text)!);

test('formats IPv6 as RFC 5952 section 4 says', () => {
  // 4.1 no leading zeros; 4.3 lowercase.
  assert.equal(ip6('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  // 4.2.1 the longest run is compressed, as far as it goes.
  assert.equal(ip6('2001:db8:0:0:0:0:2:1'), '2001:db8::2:1');
  // 4.2.2 a single zero group is not compressed.
  assert.equal(ip6('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  // 4.2.3 the longest run wins, the first one on a tie.
  assert.equal(ip6('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1');
  assert.equal(ip6('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(ip6('0:0:1:0:0:1:0:0'), '::1:0:0:1:0:0');
  assert.equal(ip6('::'), '::');
  assert.equal(ip6('::1'), '::1');
  assert.equal(ip6('1::'), '1::');
  assert.equal(ip6('1:2:3:4:5:6:7:8'), '1:2:3:4:5:6:7:8');
  assert.equal(ip6('fe80::1:0:0:0'), 'fe80::1:0:0:0');
  assert.equal(bytesToIp(Buffer.from([192, 0, 2, 1])), '192.0.2.1');
});

test('parses IPv6 with compression and an IPv4 tail', () => {
  assert.equal(ipToBytes('::ffff:192.0.2.1')!.toString('hex'), '00000000000000000000ffffc0000201');
  assert.equal(ipToBytes('64:ff9b::1.2.3.4')!.toString('hex'), '0064ff9b000000000000000001020304');
  assert.equal(ipToBytes('1:2:3:4:5:6:7::')!.toString('hex'), '00010002000300040005000600070000');
  assert.equal(ipToBytes('::2:3:4:5:6:7:8')!.toString('hex'), '00000002000300040005000600070008');
  assert.equal(ipToBytes('FE80::A')!.toString('hex'), 'fe80000000000000000000000000000a');
  assert.equal(ipToBytes('0.0.0.0')!.toString('hex'), '00000000');
  assert.equal(ipToBytes('255.255.255.255')!.toString('hex'), 'ffffffff');
});

test('refuses text that is not one address', () => {
  const bad = [
    '',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '12345::',
    ':1::',
    '1::2:',
    'g::1',
    '::1.2.3',
    '::1.2.3.4.5',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.256',
    '1.2.3.04',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1:2:3:4:5:6:7:8::',
    '::ffff:1.2.3.4:1',
    'fe80::1%eth0',
    '[::1]',
  ];
  for (const text of bad) assert.equal(ipToBytes(text), undefined, JSON.stringify(text));
});

test('round-trips every GeneralName form through DER', () => {
  const names: GeneralName[] = [
    { type: 'dns', value: 'a.example.com' },
    { type: 'dns', value: '*.example.com' },
    { type: 'ip', value: '192.0.2.1' },
    { type: 'ip', value: '2001:db8::1' },
    { type: 'uri', value: 'spiffe://example.org/ns/a/sa/b' },
    { type: 'email', value: 'a@example.com' },
    { type: 'dirName', value: parseName('/C=US/O=Acme/CN=dir') },
    { type: 'registeredId', value: '1.2.3.4' },
  ];
  for (const name of names) assert.deepEqual(decodeGeneralName(decodeDer(encodeGeneralName(name))), name);
  const other = der.contextConstructed(0, [der.oid('1.3.6.1.4.1.311.20.2.3'), der.explicit(0, der.utf8String('upn'))]);
  assert.deepEqual(decodeGeneralName(decodeDer(other)), { type: 'other', tag: 0, der: other });
});

test('round-trips IP constraints as CIDR blocks (RFC 5280 4.2.1.10)', () => {
  for (const block of ['10.0.0.0/8', '192.0.2.0/24', '0.0.0.0/0', '192.0.2.1/32', 'fd00::/8', '2001:db8::/32', '::/0']) {
    assert.deepEqual(decodeGeneralName(decodeDer(encodeGeneralName({ type: 'ip', value: block }, true)), true), {
      type: 'ip',
      value: block,
    });
  }
  for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/1', 'x/8', '10.0.0.0/a']) {
    assertCode(() => encodeGeneralName({ type: 'ip', value: bad }, true), 'CERT_BAD_NAME');
  }
  const holes = der.contextPrimitive(7, Buffer.from([10, 0, 0, 0, 255, 0, 255, 0]));
  assertCode(() => decodeGeneralName(decodeDer(holes), true), 'CERT_BAD_NAME');
  assertCode(() => decodeGeneralName(decodeDer(der.contextPrimitive(7, Buffer.from([10, 0, 0, 0]))), true), 'CERT_BAD_NAME');
});

test('refuses malformed GeneralNames', () => {
  const bad = [
    der.utf8String('x'),
    der.contextConstructed(2, []),
    der.contextPrimitive(4, Buffer.from([1])),
    der.contextPrimitive(7, Buffer.from([1, 2, 3, 4, 5])),
    der.contextPrimitive(9, Buffer.from([1])),
    der.contextConstructed(4, []),
  ];
  for (const node of bad) assertCode(() => decodeGeneralName(decodeDer(node)), 'CERT_BAD_NAME');
  // Faults in the DER value itself are Asn1Errors; the certificate parser reports them as CERT_BAD_EXTENSION.
  assertCode(() => decodeGeneralName(decodeDer(der.contextPrimitive(2, Buffer.from([0xff])))), 'ASN1_BAD_VALUE');
  assertCode(() => decodeGeneralName(decodeDer(der.contextPrimitive(8, Buffer.from([0x2a, 0x80])))), 'ASN1_BAD_VALUE');
  for (const name of [
    { type: 'dns', value: 'has space' },
    { type: 'email', value: '' },
    { type: 'uri', value: 'ü' },
    { type: 'ip', value: '1.2.3' },
  ] as const) {
    assertCode(() => encodeGeneralName(name), 'CERT_BAD_NAME');
  }
});

test('formats names as OpenSSL prints them', () => {
  assert.equal(formatGeneralName({ type: 'dns', value: 'a.test' }), 'DNS:a.test');
  assert.equal(formatGeneralName({ type: 'ip', value: '::1' }), 'IP:::1');
  assert.equal(formatGeneralName({ type: 'dirName', value: parseName('/O=Acme/CN=x') }), 'DirName:CN=x,O=Acme');
});
