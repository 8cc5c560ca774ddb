import assert from 'node:assert/strict';
import { createServer, connect as netConnect } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { Agent, credentialDirSource, readCredentialDir, startTunnelClient, startTunnelServer } from '../../src/client/index.js';
import type { SymbolonError } from '../../src/errors.js';
import { makeTempDir } from '../ca/support.js';
import { runCli } from '../cli/run-cli.js';
import { selfSignedServer } from '../support/self-signed-server.js';
import { makeClientTemplateCa, startClientHarness } from './support/client-harness.js';
import type { ClientHarness } from './support/client-harness.js';

// `symbolon tunnel`: the server mode terminates mTLS in front of a TCP service and lets through
// only the identities the gateway's rules allow; the client mode carries a plaintext program's
// connections over mTLS with the agent's certificate. Both read the agent's directory and use a
// renewed certificate without a restart.

const temp = makeTempDir('symbolon-tunnel-');
let harness: ClientHarness;
let service: Server;
let serverDir: string;
let clientDir: string;

/** An agent directory enrolled for `name` under `profile`. */
async function enrolledDir(name: string, profile: string, dns: readonly string[] = []): Promise<string> {
  const dir = join(temp.path, name);
  const token = await harness.est.token({ profile, names: [name, ...dns] });
  const agent = new Agent({
    dir,
    est: { url: harness.est.url, ca: harness.caPem, timeoutMs: 5000 },
    token,
    request: {
      subject: [[{ type: '2.5.4.3', value: name }]],
      subjectAltNames: dns.map((value) => ({ type: 'dns', value })),
      keyType: 'p256',
    },
    keyType: 'p256',
    isKeyKept: false,
    retry: { baseMs: 100, capMs: 1000 },
    clock: () => new Date(),
    random: Math.random,
    log: () => undefined,
  });
  assert.deepEqual(await agent.once(false), { ok: true });
  return dir;
}

async function renew(dir: string): Promise<void> {
  const agent = new Agent({
    dir,
    est: { url: harness.est.url, ca: harness.caPem, timeoutMs: 5000 },
    keyType: 'p256',
    isKeyKept: false,
    retry: { baseMs: 100, capMs: 1000 },
    clock: () => new Date(),
    random: Math.random,
    log: () => undefined,
  });
  assert.deepEqual(await agent.once(true), { ok: true });
}

before(async () => {
  harness = await startClientHarness(await makeClientTemplateCa(temp.path), temp.path);
  // The plaintext TCP service: answers each line in upper case.
  service = createServer((socket) => socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase())));
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  serverDir = await enrolledDir('localhost', 'server', ['localhost']);
  clientDir = await enrolledDir('tcp-allowed', 'client');
});
after(async () => {
  await new Promise((resolve) => service.close(resolve));
  await harness?.est.close();
  temp.remove();
});

/** Sends `text` over mTLS with the certificate of an agent directory; resolves with the answer, or the error. */
async function overTls(
  port: number,
  dir: string | { key: string; cert: string },
  text: string,
): Promise<{ answer?: string; error?: string; serverSerial?: string }> {
  const held = typeof dir === 'string' ? await readCredentialDir(dir) : undefined;
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: harness.caPem,
      key: held?.keyPem ?? (dir as { key: string }).key,
      cert: held?.chainPem ?? (dir as { cert: string }).cert,
    });
    let answer = '';
    let serverSerial: string | undefined;
    socket.once('secureConnect', () => {
      serverSerial = socket.getPeerX509Certificate()?.serialNumber.toLowerCase();
      socket.write(text);
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.length >= text.length) {
        socket.end();
        resolve({ answer, ...(serverSerial === undefined ? {} : { serverSerial }) });
      }
    });
    socket.on('error', (error: Error) => resolve({ error: error.message }));
    socket.on('close', () => resolve(answer === '' ? { error: 'closed without an answer' } : { answer }));
  });
}

test('server mode: an allowed identity reaches the TCP service; a denied one, one without a certificate and a foreign one do not', async () => {
  const refusals: SymbolonError[] = [];
  const tunnel = await startTunnelServer({
    listen: { host: '127.0.0.1', port: 0 },
    forward: { host: '127.0.0.1', port: (service.address() as AddressInfo).port },
    rules: { allow: [{ subjectCn: 'tcp-allowed' }], deny: [{ subjectCn: 'tcp-denied' }] },
    credentials: credentialDirSource(serverDir),
    reloadIntervalMs: 100,
    onError: (error) => refusals.push(error),
  });
  try {
    const port = tunnel.address.port;
    assert.deepEqual((await overTls(port, clientDir, 'hello\n')).answer, 'HELLO\n');
    const denied = await enrolledDir('tcp-denied', 'client');
    assert.ok((await overTls(port, denied, 'hello\n')).error !== undefined);
    const other = await enrolledDir('tcp-other', 'client');
    assert.ok((await overTls(port, other, 'hello\n')).error !== undefined);
    assert.deepEqual(
      refusals.map((error) => [error.code, /deny\[0\]|allow: no rule matched/.exec(error.message)?.[0]]),
      [
        ['TUNNEL_CLIENT_DENIED', 'deny[0]'],
        ['TUNNEL_CLIENT_DENIED', 'allow: no rule matched'],
      ],
    );
    const foreign = await selfSignedServer(temp.path, 'tcp-allowed');
    assert.ok((await overTls(port, foreign, 'hello\n')).error !== undefined, 'a certificate of another CA is refused in the handshake');
    const plain = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: harness.caPem });
      socket.on('error', (error: Error) => resolve(error.message));
      socket.on('data', () => resolve('answered'));
      socket.once('secureConnect', () => socket.write('hello\n'));
      socket.on('close', () => resolve('closed'));
    });
    assert.notEqual(plain, 'answered', 'no certificate, no service');

    // The agent renews the server certificate: new connections get it without a restart.
    const before = (await overTls(port, clientDir, 'x')).serverSerial;
    await renew(serverDir);
    const renewed = (await readCredentialDir(serverDir))!.certificate.serialNumber;
    assert.notEqual(before, renewed);
    let seen: string | undefined;
    for (let i = 0; i < 50 && seen !== renewed; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = (await overTls(port, clientDir, 'x')).serverSerial;
    }
    assert.equal(seen, renewed);
  } finally {
    await tunnel.close();
  }
});

test('server mode with --ocsp: a revoked client certificate is refused; an unreachable responder refuses too (fail closed)', async () => {
  const refusals: SymbolonError[] = [];
  const start = (url: string): ReturnType<typeof startTunnelServer> =>
    startTunnelServer({
      listen: { host: '127.0.0.1', port: 0 },
      forward: { host: '127.0.0.1', port: (service.address() as AddressInfo).port },
      rules: { allow: [{ subjectCn: 'tcp-revoked' }] },
      credentials: credentialDirSource(serverDir),
      reloadIntervalMs: 1000,
      ocsp: { url, timeoutMs: 2000 },
      onError: (error) => refusals.push(error),
    });
  const tunnel = await start(harness.ocspUrl);
  const revokedDir = await enrolledDir('tcp-revoked', 'client');
  try {
    assert.equal((await overTls(tunnel.address.port, revokedDir, 'hello\n')).answer, 'HELLO\n');
    const held = (await readCredentialDir(revokedDir))!;
    const record = (await harness.est.h.services.store.findCertificatesBySerial(held.certificate.serialNumber))[0]!;
    await revokeCertificate(harness.est.h.services.store, { issuerId: record.issuerId, serial: record.serial }, 'keyCompromise', {
      actor: 'test',
      now: new Date(),
    });
  } finally {
    await tunnel.close();
  }
  // A new tunnel (no cached answer): the revoked certificate is refused.
  const again = await start(harness.ocspUrl);
  try {
    assert.ok((await overTls(again.address.port, revokedDir, 'hello\n')).error !== undefined);
  } finally {
    await again.close();
  }
  const unreachable = await start('http://127.0.0.1:1/ocsp');
  try {
    assert.ok((await overTls(unreachable.address.port, revokedDir, 'hello\n')).error !== undefined);
  } finally {
    await unreachable.close();
  }
  assert.deepEqual(
    refusals.map((error) => [error.code, /revoked \(keyCompromise\)|allow: no rule matched|revocation unknown/.exec(error.message)?.[0]]),
    [
      ['TUNNEL_CLIENT_DENIED', 'revoked (keyCompromise)'],
      ['TUNNEL_CLIENT_DENIED', 'revocation unknown'],
    ],
  );
});

test('client mode: a plaintext connection on 127.0.0.1 goes over mTLS through the server tunnel; a wrong server name is refused', async () => {
  const server = await startTunnelServer({
    listen: { host: '127.0.0.1', port: 0 },
    forward: { host: '127.0.0.1', port: (service.address() as AddressInfo).port },
    rules: { allow: [{ subjectCn: 'tcp-allowed' }] },
    credentials: credentialDirSource(serverDir),
    reloadIntervalMs: 1000,
    onError: () => undefined,
  });
  const failures: SymbolonError[] = [];
  const client = await startTunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port: server.address.port },
    serverName: 'localhost',
    credentials: credentialDirSource(clientDir),
    connectTimeoutMs: 5000,
    onError: (error) => failures.push(error),
  });
  const wrongName = await startTunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port: server.address.port },
    serverName: 'not-the-server.example',
    credentials: credentialDirSource(clientDir),
    connectTimeoutMs: 5000,
    onError: (error) => failures.push(error),
  });
  const plaintext = (port: number): Promise<string> =>
    new Promise((resolve) => {
      const socket = netConnect(port, '127.0.0.1', () => socket.write('through the tunnel\n'));
      let answer = '';
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString();
        if (answer.endsWith('\n')) socket.end();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(answer));
    });
  try {
    assert.equal(client.address.host, '127.0.0.1');
    assert.equal(await plaintext(client.address.port), 'THROUGH THE TUNNEL\n');
    await renew(clientDir);
    assert.equal(await plaintext(client.address.port), 'THROUGH THE TUNNEL\n', 'after the agent renewed');
    assert.equal(await plaintext(wrongName.address.port), '');
    assert.deepEqual(
      failures.map((error) => error.code),
      ['TUNNEL_TARGET_UNREACHABLE'],
    );
    assert.match(failures[0]!.message, /not-the-server\.example/);
  } finally {
    await client.close();
    await wrongName.close();
    await server.close();
  }
});

test('a client that half-closes after its request still gets the answer, through both tunnels (TCP half-close is carried)', async () => {
  // A service that answers only once its client has said everything (reads to EOF), as
  // `nc -N`, rsync or a shutdown(SHUT_WR) after a request would have it.
  const afterEof = createServer({ allowHalfOpen: true }, (socket) => {
    let request = '';
    socket.on('data', (chunk: Buffer) => (request += chunk.toString()));
    socket.on('end', () => socket.end(`${request.length} bytes: ${request.toUpperCase()}`));
  });
  await new Promise<void>((resolve) => afterEof.listen(0, '127.0.0.1', resolve));
  const server = await startTunnelServer({
    listen: { host: '127.0.0.1', port: 0 },
    forward: { host: '127.0.0.1', port: (afterEof.address() as AddressInfo).port },
    rules: { allow: [{ subjectCn: 'tcp-allowed' }] },
    credentials: credentialDirSource(serverDir),
    reloadIntervalMs: 1000,
    onError: () => undefined,
  });
  const client = await startTunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port: server.address.port },
    serverName: 'localhost',
    credentials: credentialDirSource(clientDir),
    connectTimeoutMs: 5000,
    onError: () => undefined,
  });
  try {
    const answer = await new Promise<string>((resolve) => {
      const socket = netConnect({ port: client.address.port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.end('all of it'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    assert.equal(answer, '9 bytes: ALL OF IT');
  } finally {
    await client.close();
    await server.close();
    await new Promise((resolve) => afterEof.close(resolve));
  }
});

test('symbolon tunnel refuses a rule that is not JSON, a field no rule has, and an address that is not HOST:PORT (exit 2)', async () => {
  const base = ['tunnel', 'server', '--dir', serverDir, '--listen', '127.0.0.1:0', '--forward', '127.0.0.1:1'];
  for (const args of [
    [...base, '--allow', '{dns:'],
    [...base, '--allow', '{"hostname":"x"}'],
    [...base, '--allow', '{"dns":7}'],
    ['tunnel', 'client', '--dir', clientDir, '--listen', 'nowhere', '--connect', '127.0.0.1:1', '--server-name', 'x'],
  ]) {
    const result = await runCli(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^symbolon: USAGE: /);
  }
  const badRule = await runCli([...base, '--allow', '{"fingerprint":"zz"}']);
  assert.equal(badRule.code, 2, badRule.stderr);
  assert.match(badRule.stderr, /^symbolon: GATEWAY_RULE_INVALID: allow\[0\]/);
  assert.ok(readFileSync(join(serverDir, 'cert.pem'), 'utf8').startsWith('-----BEGIN CERTIFICATE-----'));
});
