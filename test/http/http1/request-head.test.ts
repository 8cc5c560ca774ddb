import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findHeadEnd, parseRequestHead, type HeadError, type RequestHead } from '../../../src/http/http1/request-head.js';

const limits: { readonly maxFields: number } = { maxFields: 100 };

function parse(head: string, maxFields = limits.maxFields): ReturnType<typeof parseRequestHead> {
  const buffer = Buffer.from(head, 'latin1');
  const end = findHeadEnd(buffer, 0);
  assert.notEqual(end, -1, 'the test head has a terminator');
  return parseRequestHead(buffer, end, { maxFields });
}

function ok(head: string): RequestHead {
  const result = parse(head);
  assert.ok(result.ok, `expected ok, got ${JSON.stringify(result)}`);
  return result.head;
}

function refused(head: string, reason: HeadError['reason'], maxFields?: number): void {
  const result = parse(head, maxFields);
  assert.equal(result.ok, false, `expected ${reason} for ${JSON.stringify(head)}`);
  if (!result.ok) assert.equal(result.reason, reason, `${JSON.stringify(head)}: ${result.message}`);
}

const get = (fields: string, target = '/'): string => `GET ${target} HTTP/1.1\r\nHost: a.example\r\n${fields}\r\n`;
const post = (fields: string): string => `POST /upload HTTP/1.1\r\nHost: a.example\r\n${fields}\r\n`;

test('parses a simple HTTP/1.1 request', () => {
  const head = ok('GET /a/b?c=d HTTP/1.1\r\nHost: a.example:8443\r\nAccept:  */*  \r\nX-Empty:\r\n\r\n');
  assert.equal(head.method, 'GET');
  assert.equal(head.target, '/a/b?c=d');
  assert.equal(head.authority, 'a.example:8443');
  assert.equal(head.versionMinor, 1);
  assert.deepEqual(head.fields, ['Host', 'a.example:8443', 'Accept', '*/*', 'X-Empty', '']);
  assert.deepEqual(head.framing, { kind: 'none' });
  assert.equal(head.keepAlive, true);
  assert.equal(head.expectContinue, false);
  assert.equal(head.connectionListed, undefined);
});

test('ignores the body bytes after the head end', () => {
  const buffer = Buffer.from('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello', 'latin1');
  const result = parseRequestHead(buffer, findHeadEnd(buffer, 0), limits);
  assert.ok(result.ok);
  assert.deepEqual(result.head.framing, { kind: 'length', length: 5 });
});

test('keeps field names as sent and trims HTAB and SP around values', () => {
  const head = ok('GET / HTTP/1.1\r\nhOsT:\t a \t\r\nX-Obs: caf\xe9 \x80\xff\r\n\r\n');
  assert.deepEqual(head.fields, ['hOsT', 'a', 'X-Obs', 'caf\xe9 \x80\xff']);
  assert.equal(head.authority, 'a');
});

test('accepts every tchar in a method, case-sensitively', () => {
  assert.equal(ok("!#$%&'*+-.^_`|~09azAZ / HTTP/1.1\r\nHost: h\r\n\r\n").method, "!#$%&'*+-.^_`|~09azAZ");
  assert.equal(ok('get / HTTP/1.1\r\nHost: h\r\n\r\n').method, 'get');
});

test('ignores up to four empty lines before the request line and refuses a fifth', () => {
  assert.equal(ok('\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n').method, 'GET');
  refused('\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
});

test('findHeadEnd does not take leading empty lines for the terminator', () => {
  assert.equal(findHeadEnd(Buffer.from('\r\n\r\n'), 0), -1);
  assert.equal(findHeadEnd(Buffer.from('\r\n\r\n\r\n\r\nGET'), 0), -1);
  const flood = Buffer.from('\r\n'.repeat(40));
  const end = findHeadEnd(flood, 0);
  assert.equal(end, 10);
  assert.equal(parseRequestHead(flood, end, limits).ok, false);
});

test('findHeadEnd finds a terminator split across two searches', () => {
  const whole = Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\nBODY');
  for (let cut = 1; cut < 28; cut++) {
    const first = whole.subarray(0, cut);
    const firstEnd = findHeadEnd(first, 0);
    const end = firstEnd !== -1 ? firstEnd : findHeadEnd(whole, first.length);
    assert.equal(end, 27, `cut at ${cut}`);
  }
  assert.equal(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r'), 0), -1);
});

test('refuses bare LF and bare CR anywhere', () => {
  refused('GET / HTTP/1.1\nHost: h\r\n\r\n', 'bad_request');
  refused('GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n', 'bad_request');
  refused('GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n', 'bad_request');
  refused('GET / HTTP/1.1\r\nHost: h\r\nX: a\r\r\n\r\n', 'bad_request');
  refused('GET / HTTP/1.1\r\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET / HTTP/1.1\r\nHost: h\r\n\n\r\n\r\n', 'bad_request');
  refused('\nGET / HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET / HTTP/1.1\r\nHost: h\r\n\r\r\n\r\n', 'bad_request');
});

test('refuses request lines without exactly single spaces', () => {
  refused('GET  / HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET /  HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET / HTTP/1.1 \r\nHost: h\r\n\r\n', 'bad_request');
  refused(' GET / HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET /\tHTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET / a HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET /\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET\r\nHost: h\r\n\r\n', 'bad_request');
});

test('refuses a method that is not a token and a target with bytes outside 0x21-0x7E', () => {
  refused('G(T / HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GÉT / HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET /a\x7fb HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET /caf\xe9 HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET /a\x00 HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
});

test('accepts HTTP/1.0 and HTTP/1.1 only; other HTTP versions are not supported', () => {
  assert.equal(ok('GET / HTTP/1.0\r\n\r\n').versionMinor, 0);
  refused('GET / HTTP/2.0\r\nHost: h\r\n\r\n', 'version_not_supported');
  refused('GET / HTTP/1.2\r\nHost: h\r\n\r\n', 'version_not_supported');
  refused('GET / HTTP/0.9\r\nHost: h\r\n\r\n', 'version_not_supported');
  refused('GET / http/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET / HTTP/1.10\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET / HTTP/11\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET / HTTP/a.b\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET / XTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
});

test('CONNECT is not implemented', () => {
  refused('CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n', 'not_implemented');
});

test('accepts "*" for OPTIONS only', () => {
  assert.equal(ok('OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n').target, '*');
  refused('GET * HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
});

test('splits an absolute-form target into authority and path+query', () => {
  const cases: [string, string, string][] = [
    ['http://up.example:1/p?q', 'up.example:1', '/p?q'],
    ['HTTPS://up.example/', 'up.example', '/'],
    ['hTtP://up.example', 'up.example', '/'],
    ['http://up.example?q=1', 'up.example', '/?q=1'],
    ['http://[::1]:80/x', '[::1]:80', '/x'],
  ];
  for (const [target, authority, path] of cases) {
    const head = ok(`GET ${target} HTTP/1.1\r\nHost: other.example\r\n\r\n`);
    assert.equal(head.authority, authority, target);
    assert.equal(head.target, path, target);
  }
  assert.equal(ok('GET http://up.example/p HTTP/1.0\r\n\r\n').authority, 'up.example');
});

test('refuses other target forms and bad absolute-form authorities', () => {
  refused('GET a.example:80 HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET ftp://a.example/ HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET http:/a HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET http:// HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET http://user@a.example/ HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET http://a.example#f HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  refused('GET ?q HTTP/1.1\r\nHost: h\r\n\r\n', 'bad_request');
  // RFC 9112 3.2: Host is still required with an absolute-form target.
  refused('GET http://a.example/ HTTP/1.1\r\n\r\n', 'bad_request');
});

test('refuses obs-fold, whitespace before the colon, and malformed names', () => {
  refused(get('X: a\r\n b\r\n'), 'bad_request');
  refused(get('X: a\r\n\tb\r\n'), 'bad_request');
  refused('GET / HTTP/1.1\r\n Host: h\r\n\r\n', 'bad_request');
  refused(get('X : a\r\n'), 'bad_request');
  refused(get('X\t: a\r\n'), 'bad_request');
  refused(get(': a\r\n'), 'bad_request');
  refused(get('X a\r\n'), 'bad_request');
  refused(get('X(y): a\r\n'), 'bad_request');
  refused(get('X\xe9: a\r\n'), 'bad_request');
});

test('refuses control bytes in values: NUL, DEL, VT and others', () => {
  for (const byte of [0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1f, 0x7f]) {
    refused(get(`X: a${String.fromCharCode(byte)}b\r\n`), 'bad_request');
  }
  assert.deepEqual(ok(get('X: a\tb c\r\n')).fields.slice(2), ['X', 'a\tb c']);
});

test('more field lines than maxFields is header_too_large', () => {
  const fields = Array.from({ length: 9 }, (_, index) => `X-${index}: ${index}\r\n`).join('');
  assert.equal(parse(get(fields), 10).ok, true);
  refused(get(`${fields}X-9: 9\r\n`), 'header_too_large', 10);
});

test('parses a head of 200 fields', () => {
  const fields = Array.from({ length: 199 }, (_, index) => `X-Field-${index}: value ${index}\r\n`).join('');
  const result = parse(get(fields), 200);
  assert.ok(result.ok);
  assert.equal(result.head.fields.length, 400);
  assert.equal(result.head.fields[398], 'X-Field-198');
  assert.equal(result.head.fields[399], 'value 198');
  refused(get(`${fields}One-More: x\r\n`), 'header_too_large', 200);
});

test('HTTP/1.1 needs exactly one Host; HTTP/1.0 at most one', () => {
  refused('GET / HTTP/1.1\r\n\r\n', 'bad_request');
  refused('GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n', 'bad_request');
  refused('GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n', 'bad_request');
  assert.equal(ok('GET / HTTP/1.0\r\n\r\n').authority, undefined);
  assert.equal(ok('GET / HTTP/1.0\r\nHOST: a\r\n\r\n').authority, 'a');
});

test('refuses Host values outside the host byte class', () => {
  for (const value of ['', 'a/b', 'u@a', 'a?b', 'a#b', 'a b', '"a"', 'caf\xe9']) {
    refused(`GET / HTTP/1.1\r\nHost: ${value}\r\n\r\n`, 'bad_request');
  }
  assert.equal(ok("GET / HTTP/1.1\r\nHost: a-b._~!$&'()*+,;=:[]%09\r\n\r\n").authority, "a-b._~!$&'()*+,;=:[]%09");
});

test('Content-Length of 1 to 15 digits frames the body; 0 means no body', () => {
  assert.deepEqual(ok(post('Content-Length: 42\r\n')).framing, { kind: 'length', length: 42 });
  assert.deepEqual(ok(post('content-length: 007\r\n')).framing, { kind: 'length', length: 7 });
  assert.deepEqual(ok(post('Content-Length: 999999999999999\r\n')).framing, { kind: 'length', length: 999999999999999 });
  assert.deepEqual(ok(post('Content-Length: 0\r\n')).framing, { kind: 'none' });
  assert.deepEqual(ok(post('Content-Length: 000\r\n')).framing, { kind: 'none' });
});

test('refuses invalid and repeated Content-Length (smuggling)', () => {
  for (const value of ['', '+5', '-1', '5, 5', '5,5', '5 5', '0x5', '1e3', '5.0', '1000000000000000', '٥']) {
    refused(post(`Content-Length: ${value}\r\n`), 'bad_request');
  }
  refused(post('Content-Length: 5\r\nContent-Length: 5\r\n'), 'bad_request');
  refused(post('Content-Length: 5\r\nContent-Length: 6\r\n'), 'bad_request');
});

test('Transfer-Encoding: chunked frames the body, case-insensitively with OWS', () => {
  for (const value of ['chunked', 'CHUNKED', 'Chunked', ' chunked', 'chunked\t', '\t chunked  ']) {
    assert.deepEqual(ok(post(`Transfer-Encoding:${value}\r\n`)).framing, { kind: 'chunked' }, JSON.stringify(value));
  }
});

test('refuses Transfer-Encoding smuggling classics', () => {
  refused(post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n'), 'bad_request');
  refused(post('Transfer-Encoding: chunked\r\nContent-Length: 5\r\n'), 'bad_request');
  refused(post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n'), 'bad_request');
  refused(post('Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n'), 'bad_request');
  for (const value of [
    'xchunked',
    'chunkedx',
    'chunked, identity',
    'identity',
    '',
    ',chunked',
    'chunked,',
    'chunked, chunked',
    'gzip,,chunked',
    'chunked;x=1',
    '"chunked"',
    'chun ked',
  ]) {
    refused(post(`Transfer-Encoding: ${value}\r\n`), 'bad_request');
  }
  refused(post('Transfer-Encoding : chunked\r\n'), 'bad_request');
  refused(post('Transfer-Encoding:\x0bchunked\r\n'), 'bad_request');
  refused(post('Transfer-Encoding: chunked\x00\r\n'), 'bad_request');
  refused(post('Transfer-Encoding:\r\n chunked\r\n'), 'bad_request');
  refused('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 'bad_request');
});

test('codings before a final chunked are not implemented', () => {
  refused(post('Transfer-Encoding: gzip, chunked\r\n'), 'not_implemented');
  refused(post('Transfer-Encoding: gzip,deflate ,chunked\r\n'), 'not_implemented');
});

test('Connection options are merged, lower-cased, and decide keep-alive', () => {
  const head = ok(get('Connection: Keep-Alive, X-Foo\r\nconnection: ,, TE ,\r\n'));
  assert.deepEqual([...head.connectionListed!], ['keep-alive', 'x-foo', 'te']);
  assert.equal(head.keepAlive, true);
  assert.equal(ok(get('Connection: close\r\n')).keepAlive, false);
  assert.equal(ok(get('Connection: CLOSE\r\n')).keepAlive, false);
  assert.equal(ok('GET / HTTP/1.0\r\n\r\n').keepAlive, false);
  assert.equal(ok('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').keepAlive, true);
  assert.equal(ok('GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n').keepAlive, false);
  assert.deepEqual([...ok(get('Connection:\r\n')).connectionListed!], []);
  refused(get('Connection: keep alive\r\n'), 'bad_request');
  refused(get('Connection: a/b\r\n'), 'bad_request');
});

test('Expect: 100-continue is reported; other expectations fail; HTTP/1.0 ignores it', () => {
  assert.equal(ok(get('Expect: 100-continue\r\n')).expectContinue, true);
  assert.equal(ok(get('expect: 100-Continue\r\n')).expectContinue, true);
  assert.equal(ok('POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n').expectContinue, false);
  refused(get('Expect: 100-continue, foo\r\n'), 'expectation_failed');
  refused(get('Expect: 200-ok\r\n'), 'expectation_failed');
  refused(get('Expect:\r\n'), 'expectation_failed');
});

test('refuses an end that is not just past CRLFCRLF', () => {
  const buffer = Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  assert.equal(parseRequestHead(buffer, buffer.length - 1, limits).ok, false);
  assert.equal(parseRequestHead(buffer, buffer.length + 4, limits).ok, false);
  assert.equal(parseRequestHead(buffer, 0, limits).ok, false);
});

test('any bytes give a typed result, never a throw', () => {
  const reasons = new Set(['bad_request', 'header_too_large', 'not_implemented', 'version_not_supported', 'expectation_failed']);
  const alphabet = fc.constantFrom(...'GET /HTTP1.0:\r\n \t\x00\x7f\xffHost:a,chunked;Content-Length5Transfer-Encoding*?@'.split(''));
  fc.assert(
    fc.property(
      fc.array(fc.oneof(alphabet, fc.constantFrom('GET / HTTP/1.1\r\n', 'Host: h\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n')), {
        maxLength: 60,
      }),
      (parts) => {
        const buffer = Buffer.from(`${parts.join('')}\r\n\r\n`, 'latin1');
        const end = findHeadEnd(buffer, 0);
        if (end === -1) return;
        const result = parseRequestHead(buffer, end, { maxFields: 5 });
        if (!result.ok) assert.ok(reasons.has(result.reason));
        else assert.equal(result.head.fields.length % 2, 0);
      },
    ),
    { seed: 9112, numRuns: 3000 },
  );
});
