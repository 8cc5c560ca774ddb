import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { basic, makeCsr, startEstHarness } from './support/est-harness.js';
import type { EstHarness } from './support/est-harness.js';

// RFC 7030 3.5: on TLS 1.2 a client links its CSR to the channel by putting the tls-unique value
// (RFC 5929) in the challengePassword; a CSR made for another channel is refused.

const temp = makeTempDir('symbolon-est-pop-');
let est: EstHarness;

before(async () => {
  est = await startEstHarness(await makeTemplateCa(temp.path), temp.path);
});
after(async () => {
  await est?.close();
  temp.remove();
});

function tls12(): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port: est.port, ca: readFileSync(est.caFile), maxVersion: 'TLSv1.2', servername: 'localhost' },
      () => resolve(socket),
    );
    socket.once('error', reject);
  });
}

/** One HTTP/1.1 request written on `socket` by hand; resolves with the status and body. */
function exchange(
  socket: TLSSocket,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.once('end', () => {
      const [head, ...rest] = received.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? '')?.[1]), body: rest.join('\r\n\r\n') });
    });
    socket.once('error', reject);
    const lines = [
      `POST /.well-known/est${path} HTTP/1.1`,
      'Host: localhost',
      'Connection: close',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

test('a CSR carrying this channel’s tls-unique is issued; one carrying another value is refused with 400 EST_POP_MISMATCH', async () => {
  const socket = await tls12();
  assert.equal(socket.getProtocol(), 'TLSv1.2');
  // A full handshake: the client's Finished came first.
  const tlsUnique = socket.getFinished()!.toString('base64');
  const token = await est.token({ uses: 2 });
  const { csr } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-pop' }]], challengePassword: tlsUnique });
  const linked = await exchange(
    socket,
    '/simpleenroll',
    { Authorization: basic(token), 'Content-Type': 'application/pkcs10' },
    csr.toString('base64'),
  );
  assert.equal(linked.status, 200, linked.body);

  // The same CSR replayed on another connection carries the first channel's value.
  const before = await est.h.services.store.certificateCount();
  const replayed = await exchange(
    await tls12(),
    '/simpleenroll',
    { Authorization: basic(token), 'Content-Type': 'application/pkcs10' },
    csr.toString('base64'),
  );
  assert.equal(replayed.status, 400);
  assert.match(replayed.body, /^EST_POP_MISMATCH: /);
  const { csr: forged } = await makeCsr({
    subject: [[{ type: '2.5.4.3', value: 'sensor-pop' }]],
    challengePassword: randomBytes(12).toString('base64'),
  });
  const wrong = await exchange(
    await tls12(),
    '/simpleenroll',
    { Authorization: basic(token), 'Content-Type': 'application/pkcs10' },
    forged.toString('base64'),
  );
  assert.equal(wrong.status, 400);
  assert.equal(await est.h.services.store.certificateCount(), before);
  assert.equal((await est.h.services.store.getEnrollmentToken(token.id))?.usesLeft, 1, 'the refused requests took no use');
});
