import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findHeadEnd } from '../../../src/http/http1/request-head.js';
import { parseResponseHead, type ResponseHead } from '../../../src/http/http1/response-head.js';

const limits: { readonly maxFields: number } = { maxFields: 100 };

function parse(head: string, method = 'GET', maxFields = limits.maxFields): ReturnType<typeof parseResponseHead> {
  const buffer = Buffer.from(head, 'latin1');
  const end = findHeadEnd(buffer, 0);
  assert.notEqual(end, -1, 'the test head has a terminator');
  return parseResponseHead(buffer, end, method, { maxFields });
}

function ok(head: string, method?: string): ResponseHead {
  const result = parse(head, method);
  assert.ok(result.ok, `expected ok, got ${JSON.stringify(result)}`);
  return result.head;
}

function refused(head: string, method?: string, maxFields?: number): void {
  const result = parse(head, method, maxFields);
  assert.equal(result.ok, false, `expected an error for ${JSON.stringify(head)}`);
}

const response = (fields: string, status = '200 OK'): string => `HTTP/1.1 ${status}\r\n${fields}\r\n`;

test('parses a status line with, without and with an empty reason phrase', () => {
  const head = ok('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A:  b \r\n\r\nhi');
  assert.equal(head.status, 200);
  assert.equal(head.reasonPhrase, 'OK');
  assert.equal(head.versionMinor, 1);
  assert.deepEqual(head.fields, ['Content-Length', '2', 'X-A', 'b']);
  assert.deepEqual(head.framing, { kind: 'length', length: 2 });
  assert.equal(head.keepAlive, true);
  assert.equal(head.connectionListed, undefined);
  assert.equal(head.keepAliveTimeoutMs, undefined);
  assert.equal(ok('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').reasonPhrase, '');
  assert.equal(ok('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n').reasonPhrase, '');
  assert.equal(ok('HTTP/1.1 404 Not  Found\t\xe9\r\nContent-Length: 0\r\n\r\n').reasonPhrase, 'Not  Found\t\xe9');
  assert.equal(ok('HTTP/1.0 599 x\r\n\r\n').status, 599);
  assert.equal(ok('HTTP/1.1 100 Continue\r\n\r\n').status, 100);
});

test('refuses malformed status lines', () => {
  for (const line of [
    'HTTP/1.2 200 OK',
    'HTTP/2 200 OK',
    'http/1.1 200 OK',
    'HTTP/1.1  200 OK',
    'HTTP/1.1 20 OK',
    'HTTP/1.1 2000 OK',
    'HTTP/1.1 200OK',
    'HTTP/1.1 099 x',
    'HTTP/1.1 600 x',
    'HTTP/1.1 abc x',
    'HTTP/1.1 200 O\x00K',
    'HTTP/1.1 200 O\x7fK',
    'HTTP/1.1 200 OK\r',
    'HTTP/1.1 200 OK\n',
    'ICY 200 OK',
  ]) {
    refused(`${line}\r\nContent-Length: 0\r\n\r\n`);
  }
  refused('HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n');
});

test('applies the request field syntax to response fields', () => {
  refused(response('X: a\r\n b\r\n'));
  refused(response('X : a\r\n'));
  refused(response('X: a\x00b\r\n'));
  refused(response('X: a\rb\r\n'));
  refused(response('X: a\nb\r\n'));
  refused(response(': a\r\n'));
  const fields = Array.from({ length: 11 }, (_, index) => `X-${index}: ${index}\r\n`).join('');
  refused(response(fields), 'GET', 10);
});

test('parses a head of 200 fields', () => {
  const fields = Array.from({ length: 200 }, (_, index) => `X-Field-${index}: value ${index}\r\n`).join('');
  const result = parse(response(fields), 'GET', 200);
  assert.ok(result.ok);
  assert.equal(result.head.fields.length, 400);
  assert.equal(result.head.fields[399], 'value 199');
});

test('HEAD, 1xx, 204 and 304 responses have no body whatever they announce', () => {
  assert.deepEqual(ok(response('Content-Length: 10\r\n'), 'HEAD').framing, { kind: 'none' });
  assert.deepEqual(ok(response('Transfer-Encoding: chunked\r\n'), 'HEAD').framing, { kind: 'none' });
  assert.deepEqual(ok(response('Content-Length: 10\r\n', '204 No Content')).framing, { kind: 'none' });
  assert.deepEqual(ok(response('Content-Length: 10\r\n', '304 Not Modified')).framing, { kind: 'none' });
  assert.deepEqual(ok(response('Content-Length: nope\r\n', '304 Not Modified')).framing, { kind: 'none' });
  assert.deepEqual(ok(response('', '103 Early Hints')).framing, { kind: 'none' });
  assert.deepEqual(ok(response('Content-Length: 10\r\n', '205 Reset')).framing, { kind: 'length', length: 10 });
});

test('a final chunked coding frames the body and overrides Content-Length, without keep-alive', () => {
  assert.deepEqual(ok(response('Transfer-Encoding: chunked\r\n')).framing, { kind: 'chunked' });
  assert.equal(ok(response('Transfer-Encoding: chunked\r\n')).keepAlive, true);
  assert.deepEqual(ok(response('Transfer-Encoding: gzip, CHUNKED\r\n')).framing, { kind: 'chunked' });
  assert.deepEqual(ok(response('Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n')).framing, { kind: 'chunked' });
  const both = ok(response('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n'));
  assert.deepEqual(both.framing, { kind: 'chunked' });
  assert.equal(both.keepAlive, false);
});

test('a Transfer-Encoding whose final coding is not chunked reads until close', () => {
  for (const value of ['gzip', 'chunked, gzip', 'xchunked']) {
    const head = ok(response(`Transfer-Encoding: ${value}\r\n`));
    assert.deepEqual(head.framing, { kind: 'close' }, value);
    assert.equal(head.keepAlive, false);
  }
});

test('refuses chunked twice, an empty coding list, and Transfer-Encoding in HTTP/1.0', () => {
  refused(response('Transfer-Encoding: chunked, chunked\r\n'));
  refused(response('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n'));
  refused(response('Transfer-Encoding: chunked, gzip, chunked\r\n'));
  refused(response('Transfer-Encoding:\r\n'));
  refused(response('Transfer-Encoding: , \r\n'));
  refused('HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
});

test('Content-Length: identical repeats stand for one; differing or invalid values are refused', () => {
  assert.deepEqual(ok(response('Content-Length: 5\r\nContent-Length: 5\r\n')).framing, { kind: 'length', length: 5 });
  assert.deepEqual(ok(response('Content-Length: 5, 5\r\n')).framing, { kind: 'length', length: 5 });
  assert.deepEqual(ok(response('Content-Length: 5,05\r\n')).framing, { kind: 'length', length: 5 });
  assert.deepEqual(ok(response('Content-Length: 0\r\n')).framing, { kind: 'none' });
  for (const fields of [
    'Content-Length: 5, 6\r\n',
    'Content-Length: 5\r\nContent-Length: 6\r\n',
    'Content-Length: +5\r\n',
    'Content-Length: \r\n',
    'Content-Length: 5,\r\n',
    'Content-Length: -1\r\n',
    'Content-Length: 1000000000000000\r\n',
  ]) {
    refused(response(fields));
  }
});

test('without framing fields the body is read until close', () => {
  const head = ok(response(''));
  assert.deepEqual(head.framing, { kind: 'close' });
  assert.equal(head.keepAlive, false);
});

test('keep-alive follows the version and Connection', () => {
  assert.equal(ok(response('Content-Length: 0\r\nConnection: close\r\n')).keepAlive, false);
  assert.equal(ok('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
  const kept = ok('HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: Keep-Alive\r\nKeep-Alive: timeout=5, max=100\r\n\r\n');
  assert.equal(kept.keepAlive, true);
  assert.deepEqual([...kept.connectionListed!], ['keep-alive']);
  assert.equal(kept.keepAliveTimeoutMs, 5000);
  assert.equal(ok('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n').keepAlive, false, 'close-delimited');
  refused(response('Content-Length: 0\r\nConnection: a b\r\n'));
});

test('reads the Keep-Alive timeout among other parameters', () => {
  const timeoutOf = (value: string): number | undefined => ok(response(`Content-Length: 0\r\nKeep-Alive: ${value}\r\n`)).keepAliveTimeoutMs;
  assert.equal(timeoutOf('timeout=5'), 5000);
  assert.equal(timeoutOf('max=5, Timeout = 30'), 30000);
  assert.equal(timeoutOf('timeout=0'), 0);
  assert.equal(timeoutOf('max=5'), undefined);
  assert.equal(timeoutOf('timeout=abc'), undefined);
  assert.equal(timeoutOf('timeout=-1'), undefined);
  assert.equal(timeoutOf('timeout=9999999999'), undefined);
});

test('any bytes give a result, never a throw', () => {
  const alphabet = fc.constantFrom(...'HTTP/1.0 2004:\r\n \t\x00\x7f\xffContent-Length5,Transfer-Encoding chunked'.split(''));
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(alphabet, fc.constantFrom('HTTP/1.1 200 OK\r\n', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n')),
        { maxLength: 60 },
      ),
      fc.constantFrom('GET', 'HEAD'),
      (parts, method) => {
        const buffer = Buffer.from(`${parts.join('')}\r\n\r\n`, 'latin1');
        const end = findHeadEnd(buffer, 0);
        if (end === -1) return;
        const result = parseResponseHead(buffer, end, method, { maxFields: 5 });
        if (result.ok) assert.ok(result.head.status >= 100 && result.head.status <= 599);
        else assert.notEqual(result.message, '');
      },
    ),
    { seed: 9112, numRuns: 3000 },
  );
});
