import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SymbolonError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { isPem, parsePem, parsePemBlocks, toPem } from '../../src/asn1/pem.js';

function assertCode(run: () => unknown, code: ErrorCode): void {
  assert.throws(run, (error: unknown) => error instanceof SymbolonError && error.code === code);
}

const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff));

test('writes 64-character lines with LF endings (RFC 7468 2)', () => {
  const pem = toPem('CERTIFICATE', bytes);
  const lines = pem.split('\n');
  assert.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  assert.equal(lines[1]!.length, 64);
  assert.ok(lines[2]!.length <= 64);
  assert.equal(lines.at(-2), '-----END CERTIFICATE-----');
  assert.equal(lines.at(-1), '');
  assert.deepEqual(parsePem(pem, 'CERTIFICATE'), [bytes]);
});

test('reads CRLF line endings and text around and between blocks', () => {
  const a = toPem('CERTIFICATE', bytes).replaceAll('\n', '\r\n');
  const b = toPem('CERTIFICATE', Buffer.from('second'));
  const text = `Bag Attributes\r\n    friendlyName: leaf\r\nsubject=CN=x\r\n${a}\r\nissuer=CN=y\n${b}trailing words`;
  assert.deepEqual(parsePem(text, 'CERTIFICATE'), [bytes, Buffer.from('second')]);
});

test('reads several blocks with their labels, in order', () => {
  const text = toPem('PRIVATE KEY', Buffer.from('k')) + toPem('CERTIFICATE', Buffer.from('c')) + toPem('X509 CRL', Buffer.from('l'));
  assert.deepEqual(
    parsePemBlocks(text).map((block) => [block.label, block.der.toString()]),
    [
      ['PRIVATE KEY', 'k'],
      ['CERTIFICATE', 'c'],
      ['X509 CRL', 'l'],
    ],
  );
  assert.deepEqual(parsePem(text, 'X509 CRL'), [Buffer.from('l')]);
  assert.deepEqual(parsePemBlocks('no PEM here'), []);
});

test('accepts base64 split at any width and with trailing spaces', () => {
  const base64 = bytes.toString('base64');
  const odd = base64.match(/.{1,13}/g)!.join(' \t\n');
  assert.deepEqual(parsePem(`-----BEGIN CERTIFICATE-----\n${odd}\n-----END CERTIFICATE-----`, 'CERTIFICATE'), [bytes]);
});

test('refuses a body that is not strict base64', () => {
  const wrap = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
  for (const body of ['QUJD*RA==', 'QUJDRA=', 'QQ==QQ==', 'QUJDR', 'QUJD-RA==', 'QUJDRA===', '####']) {
    assertCode(() => parsePemBlocks(wrap(body)), 'PEM_BAD_BASE64');
  }
  // RFC 1421 headers (legacy encrypted keys) are refused.
  assertCode(() => parsePemBlocks(wrap('Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nQUJD')), 'PEM_BAD_BASE64');
});

test('refuses a block without its END line', () => {
  assertCode(() => parsePemBlocks('-----BEGIN CERTIFICATE-----\nQUJD\n'), 'PEM_UNTERMINATED');
  assertCode(() => parsePemBlocks('-----BEGIN CERTIFICATE-----\nQUJD\n-----END X509 CRL-----\n'), 'PEM_UNTERMINATED');
  assertCode(() => parsePemBlocks(`-----BEGIN CERTIFICATE-----\nQUJD\n${toPem('CERTIFICATE', bytes)}`), 'PEM_UNTERMINATED');
});

test('refuses input without a block of the wanted label', () => {
  assertCode(() => parsePem(toPem('CERTIFICATE REQUEST', bytes), 'CERTIFICATE'), 'PEM_NOT_FOUND');
  assertCode(() => parsePem('', 'CERTIFICATE'), 'PEM_NOT_FOUND');
  assertCode(() => parsePem('-----BEGIN certificate-----\nQUJD\n-----END certificate-----', 'CERTIFICATE'), 'PEM_NOT_FOUND');
});

test('tells PEM from DER', () => {
  assert.equal(isPem(Buffer.from(toPem('CERTIFICATE', bytes))), true);
  assert.equal(isPem(Buffer.from([0x30, 0x82, 0x01, 0x00])), false);
  assert.equal(isPem(new Uint8Array(0)), false);
});
