import assert from 'node:assert/strict';
import { request as httpsRequest, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { createClient, createServerContext, estRefusalCode } from '../../src/client/index.js';
import { isSymbolonError } from '../../src/errors.js';
import type { SymbolonClient } from '../../src/client/index.js';
import { assertCode, makeTempDir } from '../ca/support.js';
import { makeClientTemplateCa, SHORT_PROFILE, startClientHarness } from './support/client-harness.js';
import type { ClientHarness } from './support/client-harness.js';

// Issue #18's proof for the SDK: a client (createClient: fetch and https.Agent) calls a server
// (createServerContext, mTLS) under continuous requests while both renew 10-second certificates
// at least three times: no request fails, and every certificate either side used is in the CA's
// records, each renewal recorded as the renewal of the one before.

const RENEWALS = 3;
const temp = makeTempDir('symbolon-sdk-');
let harness: ClientHarness;

before(async () => {
  harness = await startClientHarness(await makeClientTemplateCa(temp.path), temp.path);
});
after(async () => {
  await harness?.est.close();
  temp.remove();
});

function getWithAgent(client: SymbolonClient, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { agent: client.httpsAgent, ca: harness.caPem }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

test(`fetch and https.Agent keep working while client and server renew 10-second certificates ${RENEWALS} times: zero failed requests`, async () => {
  const serverToken = await harness.est.token({ profile: SHORT_PROFILE, names: ['sdk-*', 'localhost'] });
  const clientToken = await harness.est.token({ profile: SHORT_PROFILE, names: ['sdk-*'] });
  const retry = { baseMs: 200, capMs: 2000 };
  const context = await createServerContext({
    est: harness.est.url,
    ca: harness.caPem,
    token: `${serverToken.id}:${serverToken.secret}`,
    name: 'sdk-server',
    subjectAltNames: [{ type: 'dns', value: 'localhost' }],
    retry,
  });
  const seenClientSerials = new Set<string>();
  const server = createServer(context.options(), (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerX509Certificate();
    if (peer !== undefined) seenClientSerials.add(peer.serialNumber.toLowerCase());
    res.end('ok');
  });
  context.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://localhost:${(server.address() as AddressInfo).port}/`;
  const client = await createClient({
    est: harness.est.url,
    ca: harness.caPem,
    token: `${clientToken.id}:${clientToken.secret}`,
    name: 'sdk-client',
    retry,
  });
  const issued = { client: [client.current().certificate.serialNumber], server: [context.current().certificate.serialNumber] };
  const failures: unknown[] = [];
  client.on('renewed', (credential: { certificate: { serialNumber: string } }) => issued.client.push(credential.certificate.serialNumber));
  context.on('renewed', (credential: { certificate: { serialNumber: string } }) => issued.server.push(credential.certificate.serialNumber));
  client.on('renewal-failed', (error: unknown) => failures.push(error));
  context.on('renewal-failed', (error: unknown) => failures.push(error));

  let requests = 0;
  let failed = 0;
  const errors: string[] = [];
  const isDone = (): boolean => issued.client.length > RENEWALS && issued.server.length > RENEWALS;
  const worker = async (useAgent: boolean): Promise<void> => {
    while (!isDone()) {
      try {
        const body = useAgent ? await getWithAgent(client, url) : await (await client.fetch(url)).text();
        assert.equal(body, 'ok');
        requests++;
      } catch (error) {
        failed++;
        if (errors.length < 5) errors.push(String(error));
      }
    }
  };
  // Bounded: 10-second certificates renew about every 7 s; 4 renewals take about 30 s.
  const deadline = setTimeout(() => issued.client.push('deadline', 'x', 'y', 'z'), 60_000);
  await Promise.all([worker(false), worker(false), worker(false), worker(true)]);
  clearTimeout(deadline);
  await client.close();
  context.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));

  assert.ok(!issued.client.includes('deadline'), 'three renewals within a minute');
  assert.equal(failed, 0, `failed requests: ${errors.join('; ')}`);
  assert.deepEqual(failures, []);
  assert.ok(requests > 100, `${requests} requests`);
  // The server saw the client's renewed certificates, and the CA recorded each renewal of each side.
  assert.ok(
    issued.client.slice(1).some((serial) => seenClientSerials.has(serial.toLowerCase())),
    'a renewed client certificate was used',
  );
  const { store } = harness.est.h.services;
  for (const serials of [issued.client, issued.server]) {
    for (let i = 1; i < serials.length; i++) {
      const record = (await store.findCertificatesBySerial(serials[i]!))[0];
      assert.ok(record !== undefined, `${serials[i]} is in the CA's records`);
      assert.equal(record.renewalOf?.serial, (await store.findCertificatesBySerial(serials[i - 1]!))[0]?.serial);
    }
  }
});

test('createClient refuses bad options with CLIENT_OPTIONS_INVALID and a refused token with CLIENT_EST_REFUSED', async () => {
  await assertCode(() => createClient({ est: 'http://127.0.0.1/est', ca: harness.caPem, token: 'x', name: 'a' }), 'CLIENT_OPTIONS_INVALID');
  await assertCode(() => createClient({ est: harness.est.url, ca: 'not pem', token: 'x', name: 'a' }), 'CLIENT_OPTIONS_INVALID');
  await assertCode(() => createClient({ est: harness.est.url, ca: harness.caPem, name: 'a' }), 'CLIENT_OPTIONS_INVALID');
  await assertCode(
    () => createClient({ est: harness.est.url, ca: harness.caPem, token: '0123456789abcdef:wrongwrongwrong', name: 'sdk-x' }),
    'CLIENT_EST_REFUSED',
  );
});

test('createClient takes a certificate already held, renews it on demand, and, revoked with no token to enroll again, reports CLIENT_CERTIFICATE_REVOKED as a renewal-failed event', async () => {
  const token = await harness.est.token({ names: ['sdk-*'] });
  const first = await createClient({ est: harness.est.url, ca: harness.caPem, token: `${token.id}:${token.secret}`, name: 'sdk-held' });
  const held = first.current();
  await first.close();
  const client = await createClient({
    est: harness.est.url,
    ca: harness.caPem,
    certificate: { keyPem: held.keyPem, certPem: held.chainPem },
  });
  try {
    assert.equal(client.current().certificate.serialNumber, held.certificate.serialNumber);
    assert.equal(await client.renew(), true);
    const renewed = client.current();
    assert.notEqual(renewed.certificate.serialNumber, held.certificate.serialNumber);
    const record = (await harness.est.h.services.store.findCertificatesBySerial(renewed.certificate.serialNumber))[0]!;
    await revokeCertificate(harness.est.h.services.store, { issuerId: record.issuerId, serial: record.serial }, 'superseded', {
      actor: 'test',
      now: new Date(),
    });
    const failed = new Promise<unknown>((resolve) => client.once('renewal-failed', resolve));
    assert.equal(await client.renew(), false);
    const error = await failed;
    assert.ok(isSymbolonError(error, 'CLIENT_CERTIFICATE_REVOKED'), String(error));
    // The CA's refusal is its cause.
    assert.ok(isSymbolonError(error.cause, 'CLIENT_EST_REFUSED'));
    assert.equal(estRefusalCode(error.cause), 'EST_REENROLL_CERTIFICATE_REVOKED');
    assert.equal(client.current().certificate.serialNumber, renewed.certificate.serialNumber, 'the current certificate stays');
  } finally {
    await client.close();
  }
  await assertCode(
    () => createClient({ est: harness.est.url, ca: harness.caPem, certificate: { keyPem: held.keyPem, certPem: 'not a certificate' } }),
    'CLIENT_OPTIONS_INVALID',
  );
});

test('a request in flight when the certificate is swapped finishes on its connection; the next one presents the new certificate', async () => {
  const serverToken = await harness.est.token({ profile: 'server', names: ['localhost'] });
  const clientToken = await harness.est.token({ names: ['sdk-*'] });
  const context = await createServerContext({
    est: harness.est.url,
    ca: harness.caPem,
    token: `${serverToken.id}:${serverToken.secret}`,
    name: 'localhost',
    subjectAltNames: [{ type: 'dns', value: 'localhost' }],
  });
  let release: (() => void) | undefined;
  const server = createServer(context.options(), (req, res) => {
    const serial = (req.socket as TLSSocket).getPeerX509Certificate()?.serialNumber.toLowerCase() ?? 'none';
    if (req.url === '/slow') release = () => res.end(serial);
    else res.end(serial);
  });
  context.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://localhost:${(server.address() as AddressInfo).port}`;
  const client = await createClient({
    est: harness.est.url,
    ca: harness.caPem,
    token: `${clientToken.id}:${clientToken.secret}`,
    name: 'sdk-inflight',
  });
  try {
    const before = client.current().certificate.serialNumber.toLowerCase();
    const slow = client.fetch(`${url}/slow`);
    while (release === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(await client.renew(), true);
    const after = client.current().certificate.serialNumber.toLowerCase();
    assert.notEqual(after, before);
    assert.equal(await (await client.fetch(`${url}/fast`)).text(), after, 'a new request presents the new certificate');
    release();
    const answer = await slow;
    assert.equal(answer.status, 200);
    assert.equal(await answer.text(), before, 'the request in flight finished on its connection, with the old certificate');
  } finally {
    await client.close();
    context.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
