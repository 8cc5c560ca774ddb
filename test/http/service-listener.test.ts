import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import { createServiceListener, hostPort } from '../../src/http/index.js';
import type { ServiceListener, ServiceTls } from '../../src/http/index.js';
import { makeTempDir } from '../ca/support.js';
import { selfSignedServer } from '../support/self-signed-server.js';

const temp = makeTempDir('symbolon-service-listener-');
let first: ServiceTls;
let second: ServiceTls;

async function selfSigned(name: string): Promise<ServiceTls> {
  const made = await selfSignedServer(temp.path, name);
  return { ...made, ca: [made.cert] };
}

before(async () => {
  [first, second] = await Promise.all([selfSigned('first'), selfSigned('second')]);
});
after(() => temp.remove());

function get(base: string, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { ca, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function peerCommonName(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, rejectUnauthorized: false }, () => {
      resolve(String(socket.getPeerCertificate().subject.CN));
      socket.end();
    });
    socket.on('error', reject);
  });
}

async function started(): Promise<{ listener: ServiceListener; base: string; port: number }> {
  const listener = createServiceListener({ tls: first, onError: () => undefined });
  const bound = await listener.listen({ host: '127.0.0.1', port: 0 });
  return { listener, base: `https://${hostPort(bound)}`, port: bound.port };
}

test('routes are mounted by path prefix, the longest wins, and other paths are a 404 problem', async () => {
  const { listener, base } = await started();
  try {
    listener.mount('/a', ({ res, path, socket }) => Promise.resolve(void res.end(`a ${path} ${socket.authorized}`)));
    listener.mount('/a/b', ({ res, path }) => Promise.resolve(void res.end(`a/b ${path}`)));
    assert.throws(() => listener.mount('/a', () => Promise.resolve()), /mounted twice/);
    assert.throws(() => listener.mount('/c/', () => Promise.resolve()), /prefix/);
    assert.deepEqual(await get(base, '/a/b/c?x=1', first.ca[0]!), { status: 200, body: 'a/b /a/b/c' });
    // No client certificate was sent: the route still runs and can tell.
    assert.deepEqual(await get(base, '/a/x', first.ca[0]!), { status: 200, body: 'a /a/x false' });
    const missing = await get(base, '/ab', first.ca[0]!);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /"code":"HTTP_NOT_FOUND"/);
    assert.equal((await get(base, `/a/${'x'.repeat(3000)}`, first.ca[0]!)).status, 414);
  } finally {
    await listener.close();
  }
});

test('a route that fails is answered 500 and reported; setTls swaps the certificate for new handshakes', async () => {
  const errors: unknown[] = [];
  const listener = createServiceListener({ tls: first, onError: (error) => errors.push(error) });
  const bound = await listener.listen({ host: '127.0.0.1', port: 0 });
  try {
    listener.mount('/fail', () => Promise.reject(new Error('route fault')));
    const failed = await get(`https://${hostPort(bound)}`, '/fail', first.ca[0]!);
    assert.equal(failed.status, 500);
    assert.match(failed.body, /"code":"HTTP_INTERNAL_ERROR"/);
    assert.equal(errors.length, 1);
    assert.equal(await peerCommonName(bound.port, first.ca[0]!), 'first');
    listener.setTls(second);
    assert.equal(await peerCommonName(bound.port, second.ca[0]!), 'second');
  } finally {
    await listener.close();
  }
});
