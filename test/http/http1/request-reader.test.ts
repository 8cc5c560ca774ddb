import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { RequestReader } from '../../../src/http/index.js';

const LIMITS = { maxHeaderBytes: 64, maxHeaderFields: 10 };

test('a head split across reads is found once its end has come, and stays held until taken', () => {
  const reader = new RequestReader(new PassThrough());
  reader.append(Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n', 'latin1'));
  assert.deepEqual(reader.readHead(LIMITS), { kind: 'incomplete' });
  reader.append(Buffer.from('\r\nGET /b HTTP/1.1\r\n', 'latin1'));
  const read = reader.readHead(LIMITS);
  assert.equal(read.kind, 'head');
  assert.ok(read.kind === 'head');
  assert.equal(read.head.target, '/a');
  assert.equal(reader.peekAll()?.toString('latin1').startsWith('GET /a'), true, 'nothing consumed');
  assert.equal(reader.take(read.length)?.length, read.length);
  assert.equal(reader.readHead(LIMITS).kind, 'incomplete');
  assert.equal(reader.takeAll()?.toString('latin1'), 'GET /b HTTP/1.1\r\n');
  assert.equal(reader.hasPending, false);
});

test('a head over maxHeaderBytes, ended or not, one ended by bare LFs, and one the strict parser refuses are refused with its reason', () => {
  const refusal = (bytes: string): unknown => {
    const reader = new RequestReader(new PassThrough());
    reader.append(Buffer.from(bytes, 'latin1'));
    const read = reader.readHead(LIMITS);
    return read.kind === 'refused' ? read.reason : read.kind;
  };
  assert.equal(refusal(`GET / HTTP/1.1\r\nX: ${'a'.repeat(80)}`), 'header_too_large');
  assert.equal(refusal(`GET / HTTP/1.1\r\nX: ${'a'.repeat(80)}\r\n\r\n`), 'header_too_large');
  assert.equal(refusal('GET / HTTP/1.1\nHost: x\n\n'), 'bad_request');
  assert.equal(refusal('GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'), 'bad_request');
});

test('the client is paused past 64 KiB read ahead, resumed on demand, and take waits for a whole body', () => {
  const socket = new PassThrough();
  const reader = new RequestReader(socket);
  reader.append(Buffer.alloc(1000));
  assert.equal(reader.take(1001), undefined);
  reader.pauseIfFull();
  assert.equal(socket.isPaused(), false);
  reader.append(Buffer.alloc(64 * 1024));
  reader.pauseIfFull();
  assert.equal(socket.isPaused(), true);
  reader.resume();
  assert.equal(socket.isPaused(), false);
  assert.equal(reader.take(1001)?.length, 1001);
});
