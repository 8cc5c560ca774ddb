/**
 * The scale-out topology on loopback: one PostgreSQL (a throwaway cluster of this test's own, so
 * it can be stopped and restarted), two CA nodes (`symbolon up` on copies of one data directory),
 * each also an OCSP responder, and three standalone gateways reading the revocation feed of one
 * node or the other. Every process is real; every listener is on 127.0.0.1 and a free port.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initCertificateAuthority, openDataDir, verifyStoreAudit } from '../../src/ca/index.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runProgram } from '../../src/cli/program.js';
import { makeTempDir } from '../ca/support.js';
import { REPO_ROOT } from '../cli/run-cli.js';
import { childEnv } from '../cli/up-process.js';
import { freePort } from '../support/free-port.js';
import { startThrowawayCluster } from '../support/postgres-cluster.js';
import type { ThrowawayCluster } from '../support/postgres-cluster.js';
import { createTestDatabase } from '../support/postgres-database.js';
import type { TestDatabase } from '../support/postgres-database.js';

const PASSPHRASE = 'cluster intermediate passphrase';
const PER_NODE = 10_000;
const temp = makeTempDir('symbolon-cluster-');
const passFile = join(temp.path, 'ca.pass');
const nodeDirs = [join(temp.path, 'node-a'), join(temp.path, 'node-b')];

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}
const processes = new Set<Running>();

/** Starts `symbolon ARGS` and resolves once its output matches `ready`. */
async function startSymbolon(args: readonly string[], ready: RegExp): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const running = { child, output: () => output, exited };
  processes.add(running);
  void exited.then(() => processes.delete(running));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (ready.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`symbolon ${args.join(' ')} exited with ${code}:\n${output}`)));
  });
  return running;
}

async function cli(...args: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await runProgram(args, COMMANDS, { out: (t) => void (out += t), err: (t) => void (err += t) }, '0.0.0');
  assert.equal(code, 0, `symbolon ${args.join(' ')}: ${err}`);
  return out + err;
}

/** Waits for `condition`, checked every 50 ms, failing after `limitMs` (a bound against hanging, not a timing assertion). */
async function until(what: string, condition: () => Promise<boolean> | boolean, limitMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > limitMs) assert.fail(`not within ${limitMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A request through a gateway with a client certificate: the HTTP status, or `refused` when TLS refuses it. */
function callGateway(port: number, client: string): Promise<number | 'refused'> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/hello', method: 'GET', cert: readFileSync(`${client}.chain.pem`), key: readFileSync(`${client}.key`), ca: readFileSync(join(nodeDirs[0]!, 'ca/root.crt')), servername: 'localhost', agent: false, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve('refused'));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The certificate status `openssl ocsp` reads from a responder. */
function ocspStatus(httpPort: number, client: string): string {
  const result = spawnSync(
    'openssl',
    ['ocsp', '-issuer', join(nodeDirs[0]!, 'ca/intermediate-1.crt'), '-cert', `${client}.crt`, '-url', `http://127.0.0.1:${httpPort}/ocsp`, '-CAfile', join(nodeDirs[0]!, 'ca/root.crt'), '-no_nonce'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  const line = new RegExp(`${client.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.crt: (\\w+)`).exec(result.stdout);
  return line?.[1] ?? `no answer (${result.status}): ${result.stdout}${result.stderr}`;
}

async function healthz(adminPort: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status;
}

describe('two CA nodes, three gateways and two OCSP responders on one PostgreSQL', () => {
  let cluster: ThrowawayCluster;
  let database: TestDatabase;
  let upstream: Server;
  const httpPorts: number[] = [];
  const gateways: { port: number; adminPort: number }[] = [];
  const client = (name: string): string => join(temp.path, name);

  before(async () => {
    cluster = await startThrowawayCluster();
    database = await createTestDatabase('cluster', cluster.adminUrl);
    upstream = createServer((_req, res) => res.end('hello\n'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    writeFileSync(passFile, `${PASSPHRASE}\n`);
    for (let i = 0; i < 2; i++) httpPorts.push(await freePort());
    await initCertificateAuthority({
      dir: nodeDirs[0]!,
      name: 'Cluster',
      keyType: 'p256',
      rootPassphrase: 'cluster root passphrase',
      intermediatePassphrase: PASSPHRASE,
      publicBaseUrl: `http://127.0.0.1:${httpPorts[0]}`,
      database: database.url,
      actor: 'test',
      now: new Date(),
      random: randomBytes,
    });
    // The second node: a copy of the data directory made before either starts (keys, config.yaml naming the database).
    cpSync(nodeDirs[0]!, nodeDirs[1]!, { recursive: true });
    for (const name of ['gw-0', 'gw-1', 'gw-2']) {
      await cli('ca', 'issue', '--dir', nodeDirs[0]!, '--passphrase-file', passFile, '--profile', 'gateway', '--name', name, '--san', 'dns:localhost', '--san', '127.0.0.1', '--out', client(name));
    }
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      await cli('ca', 'issue', '--dir', nodeDirs[0]!, '--passphrase-file', passFile, '--profile', 'client', '--name', name, '--out', client(name));
    }
    const feedPorts = [await freePort(), await freePort()];
    await Promise.all(
      nodeDirs.map((dir, i) => startSymbolon(['up', '--dir', dir, '--listen', `127.0.0.1:${httpPorts[i]}`, '--feed-listen', `127.0.0.1:${feedPorts[i]}`, '--passphrase-file', passFile], /Stop with/)),
    );
    const root = join(nodeDirs[0]!, 'ca/root.crt');
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const adminPort = await freePort();
      const gw = client(`gw-${i}`);
      // Gateways 0 and 1 read node A's feed, gateway 2 node B's.
      const feedPort = feedPorts[i < 2 ? 0 : 1];
      const config = join(temp.path, `gateway-${i}.yaml`);
      writeFileSync(
        config,
        [
          'listeners:',
          `  - { address: 127.0.0.1, port: ${port}, certFile: ${JSON.stringify(`${gw}.chain.pem`)}, keyFile: ${JSON.stringify(`${gw}.key`)}, ocspStapling: false }`,
          `admin: { address: 127.0.0.1, port: ${adminPort} }`,
          'accessLog: off',
          'trustBundles:',
          '  - name: cluster',
          `    caFile: ${JSON.stringify(root)}`,
          '    revocation:',
          '      kind: feed',
          `      url: https://127.0.0.1:${feedPort}/feed`,
          `      certFile: ${JSON.stringify(`${gw}.chain.pem`)}`,
          `      keyFile: ${JSON.stringify(`${gw}.key`)}`,
          '      staleAfterSeconds: 2',
          '      whenStale: last-known',
          `      snapshotFile: ${JSON.stringify(join(temp.path, `gw-${i}.snapshot.json`))}`,
          '    failurePolicy: hard-fail',
          'routes:',
          `  - { host: '*', pathPrefix: /, upstream: 'http://127.0.0.1:${(upstream.address() as AddressInfo).port}' }`,
          '',
        ].join('\n'),
      );
      await startSymbolon(['gateway', '--config', config], /Gateway: https:\/\/127\.0\.0\.1:\d+/);
      gateways.push({ port, adminPort });
    }
  });

  after(async () => {
    for (const running of processes) running.child.kill('SIGKILL');
    await Promise.all([...processes].map((running) => running.exited));
    upstream?.close();
    await database?.drop().catch(() => undefined);
    cluster?.destroy();
    temp.remove();
  });

  test('a revocation on either CA node: every gateway refuses and both OCSP responders say revoked', async () => {
    for (const { port } of gateways) assert.equal(await callGateway(port, client('alice')), 200);
    for (const httpPort of httpPorts) assert.equal(ocspStatus(httpPort, client('alice')), 'good');

    for (const [name, node] of [['alice', nodeDirs[0]!], ['bob', nodeDirs[1]!]] as const) {
      await cli('ca', 'revoke', `${client(name)}.crt`, '--reason', 'keyCompromise', '--dir', node);
      for (const { port } of gateways) await until(`gateway ${port} refuses ${name}`, async () => (await callGateway(port, client(name))) !== 200);
      for (const httpPort of httpPorts) await until(`responder ${httpPort} says ${name} is revoked`, () => ocspStatus(httpPort, client(name)) === 'revoked');
    }
    for (const { port } of gateways) assert.equal(await callGateway(port, client('carol')), 200, 'others still pass');
  });

  test('with PostgreSQL stopped the gateways go on with their snapshots and say they are stale; after its restart, a revocation made then reaches them all', async () => {
    for (const { adminPort } of gateways) assert.equal(await healthz(adminPort), 200);
    cluster.stop();
    try {
      for (const { port, adminPort } of gateways) {
        await until(`gateway ${port} reports its revocation status stale`, async () => (await healthz(adminPort)) === 503);
        assert.notEqual(await callGateway(port, client('alice')), 200, 'a revoked certificate stays refused');
        assert.equal(await callGateway(port, client('carol')), 200, 'the last known set still answers for the others');
      }
      for (let i = 0; i < 3; i++) assert.ok(existsSync(join(temp.path, `gw-${i}.snapshot.json`)), 'each gateway keeps its snapshot on disk');
    } finally {
      cluster.start();
    }
    // Revoked at once, racing the nodes' reconnection: a NOTIFY sent before a node listens again is
    // lost to it, and the node catches up by sequence all the same.
    await until('the database answers again', async () => {
      try {
        await cli('ca', 'revoke', `${client('carol')}.crt`, '--reason', 'superseded', '--dir', nodeDirs[1]!);
        return true;
      } catch {
        return false;
      }
    });
    for (const { port, adminPort } of gateways) {
      await until(`gateway ${port} refuses carol`, async () => (await callGateway(port, client('carol'))) !== 200);
      await until(`gateway ${port} is current again`, async () => (await healthz(adminPort)) === 200);
      assert.equal(await callGateway(port, client('dave')), 200);
    }
    for (const httpPort of httpPorts) await until(`responder ${httpPort} says carol is revoked`, () => ocspStatus(httpPort, client('carol')) === 'revoked');
  });

  test(`two CA nodes issuing ${PER_NODE.toLocaleString('en-US')} each at once: no duplicate serial, no lost record, the audit chain intact`, async () => {
    const runs = nodeDirs.map((dir) => spawnIssuer(dir));
    const results = await Promise.all(runs);
    const serials = results.flatMap((result) => result.serials);
    assert.equal(serials.length, 2 * PER_NODE);
    assert.equal(new Set(serials).size, 2 * PER_NODE, 'no serial was issued twice');
    const dataDir = await openDataDir(nodeDirs[0]!, { actor: 'test', now: new Date() });
    try {
      const stored = new Set<string>();
      for (let cursor = 0; ; ) {
        const page = await dataDir.store.scanCertificates(cursor, 5000);
        for (const record of page.records) stored.add(`${record.issuerId}/${record.serial}`);
        if (page.records.length < 5000) break;
        cursor = page.cursor;
      }
      for (const serial of serials) assert.ok(stored.has(`intermediate-1/${serial}`), `certificate ${serial} was reported issued but is not stored`);
      const audit = await verifyStoreAudit(dataDir.store);
      assert.ok(audit.ok, JSON.stringify(audit));
      assert.ok(audit.count >= 2 * PER_NODE);
    } finally {
      await dataDir.close();
    }
  });
});

/** Runs test/scale/issue-many.ts on a data directory; resolves with the serials it was told were stored. */
function spawnIssuer(dir: string): Promise<{ serials: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/scale/issue-many.ts', dir, passFile, String(PER_NODE)], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`issue-many ${dir} exited ${code}: ${stderr}`));
      resolve({ serials: stdout.split('\n').filter((line) => /^[0-9a-f]+$/.test(line)) });
    });
  });
}
