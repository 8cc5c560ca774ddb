import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientResponseHead, upstreamRequestHead } from '../../../src/gateway/http1/relay-heads.js';
import { findHeadEnd, parseRequestHead } from '../../../src/http/http1/request-head.js';
import type { RequestHead } from '../../../src/http/http1/request-head.js';
import { parseResponseHead } from '../../../src/http/http1/response-head.js';
import type { ResponseHead } from '../../../src/http/http1/response-head.js';

function requestHead(text: string): RequestHead {
  const bytes = Buffer.from(text, 'latin1');
  const parsed = parseRequestHead(bytes, findHeadEnd(bytes, 0), { maxFields: 100 });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.head;
}

function responseHead(text: string, method = 'GET'): ResponseHead {
  const bytes = Buffer.from(text, 'latin1');
  const parsed = parseResponseHead(bytes, findHeadEnd(bytes, 0), method, { maxFields: 100 });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.head;
}

const XFCC = { 'x-forwarded-client-cert': `Hash=${'ab'.repeat(32)};Cert="${'-'.repeat(1500)}";Subject="CN=client"` };

test('the upstream request head keeps end-to-end fields, drops hop-by-hop and client-sent identity ones, and adds forwarding and identity headers', () => {
  const head = requestHead(
    'POST /orders?id=1 HTTP/1.1\r\nHost: api.example\r\nAccept: */*\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n' +
      'X-Forwarded-Client-Cert: Hash=spoofed\r\nClient-Cert: :c3Bvb2Y=:\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: http\r\nContent-Length: 5\r\nExpect: 100-continue\r\nTE: trailers\r\n\r\n',
  );
  const out = upstreamRequestHead(head, '/base', XFCC, '127.0.0.1');
  assert.ok(Buffer.isBuffer(out));
  assert.equal(
    out.toString('latin1'),
    'POST /base/orders?id=1 HTTP/1.1\r\nAccept: */*\r\nhost: api.example\r\nx-forwarded-for: 203.0.113.9, 127.0.0.1\r\nx-forwarded-proto: https\r\n' +
      `x-forwarded-client-cert: ${XFCC['x-forwarded-client-cert']}\r\ncontent-length: 5\r\n\r\n`,
  );
});

test('the upstream request head re-frames a chunked body, keeps an HTTP/1.0 client on HTTP/1.0 kept alive, and passes latin1 bytes through unchanged', () => {
  const chunked = upstreamRequestHead(requestHead('PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'), '', {}, '::1');
  assert.equal(
    chunked.toString('latin1'),
    'PUT /x HTTP/1.1\r\nhost: a\r\nx-forwarded-for: ::1\r\nx-forwarded-proto: https\r\ntransfer-encoding: chunked\r\n\r\n',
  );
  const old = upstreamRequestHead(requestHead('GET / HTTP/1.0\r\nX-Name: caf\xe9\r\n\r\n'), '', XFCC, '10.0.0.1');
  assert.ok(old.includes(Buffer.from('X-Name: caf\xe9\r\n', 'latin1')), 'a byte above 0x7f arrives as the client sent it');
  assert.ok(old.toString('latin1').startsWith('GET / HTTP/1.0\r\n'));
  assert.ok(
    old.toString('latin1').endsWith(`x-forwarded-client-cert: ${XFCC['x-forwarded-client-cert']}\r\nconnection: keep-alive\r\n\r\n`),
  );
});

test('every head built with one identity headers object carries its lines whole, the second time as the first', () => {
  const identity = { 'client-cert': ':AAAA:', 'client-cert-chain': ':BBBB:' };
  const first = upstreamRequestHead(requestHead('GET /1 HTTP/1.1\r\nHost: a\r\n\r\n'), '', identity, '127.0.0.1');
  const second = upstreamRequestHead(requestHead('GET /22 HTTP/1.1\r\nHost: bb\r\n\r\n'), '', identity, '127.0.0.1');
  for (const out of [first, second]) assert.ok(out.toString('latin1').endsWith('client-cert: :AAAA:\r\nclient-cert-chain: :BBBB:\r\n\r\n'));
  assert.equal(
    upstreamRequestHead(requestHead('OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n'), '/base', identity, '127.0.0.1')
      .toString('latin1')
      .split('\r\n')[0],
    'OPTIONS * HTTP/1.1',
  );
});

test('the client response head drops hop-by-hop fields, adds Date when missing, and states the framing the gateway sends', () => {
  const request = requestHead('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  const response = responseHead(
    'HTTP/1.1 200 OK\r\nServer: up\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nContent-Length: 3\r\n\r\n',
  );
  assert.equal(
    clientResponseHead(response, request, { close: false, chunked: false }, 'DATE'),
    'HTTP/1.1 200 OK\r\nServer: up\r\ndate: DATE\r\ncontent-length: 3\r\n\r\n',
  );
  const dated = responseHead('HTTP/1.1 404 Not Found\r\nDate: Mon, 23 Nov 2026 10:00:00 GMT\r\nTransfer-Encoding: chunked\r\n\r\n');
  assert.equal(
    clientResponseHead(dated, request, { close: true, chunked: true }, 'DATE'),
    'HTTP/1.1 404 Not Found\r\nDate: Mon, 23 Nov 2026 10:00:00 GMT\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n',
  );
  const old = requestHead('GET / HTTP/1.0\r\n\r\n');
  assert.equal(
    clientResponseHead(responseHead('HTTP/1.1 204 No Content\r\nDate: D\r\n\r\n'), old, { close: false, chunked: false }, 'X'),
    'HTTP/1.1 204 No Content\r\nDate: D\r\nconnection: keep-alive\r\n\r\n',
  );
});

test("the client response head relays a HEAD or 304 answer's Content-Length as it came: it describes a body that is not sent", () => {
  const head = requestHead('HEAD / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(
    clientResponseHead(
      responseHead('HTTP/1.1 200 OK\r\nDate: D\r\nContent-Length: 1234\r\n\r\n', 'HEAD'),
      head,
      { close: false, chunked: false },
      'X',
    ),
    'HTTP/1.1 200 OK\r\nDate: D\r\nContent-Length: 1234\r\n\r\n',
  );
  const get = requestHead('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(
    clientResponseHead(
      responseHead('HTTP/1.1 304 Not Modified\r\nDate: D\r\nContent-Length: 99\r\n\r\n'),
      get,
      { close: false, chunked: false },
      'X',
    ),
    'HTTP/1.1 304 Not Modified\r\nDate: D\r\nContent-Length: 99\r\n\r\n',
  );
});

test('the upstream request head drops every field whose name has an underscore and carries the normalized target it is given', () => {
  const head = requestHead(
    'GET /%64enied/x?q=1 HTTP/1.1\r\nHost: a\r\nX_Forwarded_Client_Cert: Hash=spoofed\r\nClient_Cert: :eA==:\r\nTransfer_Encoding: chunked\r\nX-Ok: 1\r\n\r\n',
  );
  assert.equal(head.framing.kind, 'none', 'Transfer_Encoding is not Transfer-Encoding');
  const out = upstreamRequestHead(head, '/base', {}, '127.0.0.1', '/denied/x?q=1').toString('latin1');
  assert.equal(
    out,
    'GET /base/denied/x?q=1 HTTP/1.1\r\nX-Ok: 1\r\nhost: a\r\nx-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: https\r\n\r\n',
  );
});
