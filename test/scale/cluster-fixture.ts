/**
 * The scale-out topology on loopback, for test/scale/postgres-cluster.test.ts and
 * bench/propagation.ts: a CA on a PostgreSQL database, two CA nodes (`symbolon up` on copies of
 * its data directory, each also an OCSP responder), and gateways (`symbolon gateway`) reading the
 * revocation feed of one node or the other. Every process is real; every listener is on
 * 127.0.0.1, port 0, read back from what the process prints. `close()` kills what it started and removes its files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCertificateAuthority } from '../../src/ca/index.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runProgram } from '../../src/cli/program.js';
import { REPO_ROOT } from '../cli/run-cli.js';
import { childEnv } from '../cli/up-process.js';

export const CLUSTER_PASSPHRASE = 'cluster intermediate passphrase';

export interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

export interface ClusterOptions {
  /** The PostgreSQL database the CA's records go in (empty; its schema is made here). */
  readonly database: string;
  readonly gateways: number;
  /** The gateways' feed settings. */
  readonly staleAfterSeconds: number;
  readonly whenStale: 'failure-policy' | 'last-known';
  /** Written to standard error as things start; nothing by default. */
  readonly progress?: (line: string) => void;
}

export interface Cluster {
  readonly temp: string;
  readonly passFile: string;
  readonly nodeDirs: readonly string[];
  /** The CA nodes' plain-HTTP ports (/ocsp, /crl, /ca). */
  readonly httpPorts: readonly number[];
  readonly gateways: readonly { readonly port: number; readonly adminPort: number; readonly snapshotFile: string }[];
  /** Where the files of a certificate issued with `issue(name)` are: `<path>.key`, `.crt`, `.chain.pem`. */
  path(name: string): string;
  /** Issues a client certificate with its key through `symbolon ca issue` on node A. */
  issue(name: string, profile?: string): Promise<void>;
  /** Runs `symbolon ARGS` in this process; rejects with its standard error on a non-zero exit. */
  cli(...args: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Starts `symbolon ARGS` and resolves once its output matches `ready`. */
export async function startSymbolon(args: readonly string[], ready: RegExp, started: Set<Running>): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: childEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const running = { child, output: () => output, exited };
  started.add(running);
  void exited.then(() => started.delete(running));
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
  if (code !== 0) throw new Error(`symbolon ${args.join(' ')} exited ${code}: ${err}`);
  return out + err;
}

function gatewayConfig(options: {
  certificate: string;
  root: string;
  feedUrl: string;
  snapshotFile: string;
  upstreamPort: number;
  staleAfterSeconds: number;
  whenStale: string;
}): string {
  return [
    'listeners:',
    `  - { address: 127.0.0.1, port: 0, certFile: ${JSON.stringify(`${options.certificate}.chain.pem`)}, keyFile: ${JSON.stringify(`${options.certificate}.key`)}, ocspStapling: false }`,
    'admin: { address: 127.0.0.1, port: 0 }',
    'accessLog: off',
    'trustBundles:',
    '  - name: cluster',
    `    caFile: ${JSON.stringify(options.root)}`,
    '    revocation:',
    '      kind: feed',
    `      url: ${options.feedUrl}`,
    `      certFile: ${JSON.stringify(`${options.certificate}.chain.pem`)}`,
    `      keyFile: ${JSON.stringify(`${options.certificate}.key`)}`,
    `      staleAfterSeconds: ${options.staleAfterSeconds}`,
    `      whenStale: ${options.whenStale}`,
    `      snapshotFile: ${JSON.stringify(options.snapshotFile)}`,
    '    failurePolicy: hard-fail',
    'routes:',
    `  - { host: '*', pathPrefix: /, upstream: 'http://127.0.0.1:${options.upstreamPort}' }`,
    '',
  ].join('\n');
}

/** Starts the topology; on failure, stops what it started and rethrows. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const progress = options.progress ?? (() => undefined);
  const temp = mkdtempSync(join(tmpdir(), 'symbolon-cluster-'));
  const processes = new Set<Running>();
  const upstream = createServer((_req, res) => res.end('hello\n'));
  const close = async (): Promise<void> => {
    for (const running of processes) running.child.kill('SIGKILL');
    await Promise.all([...processes].map((running) => running.exited));
    upstream.close();
    rmSync(temp, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const passFile = join(temp, 'ca.pass');
    writeFileSync(passFile, `${CLUSTER_PASSPHRASE}\n`);
    const nodeDirs = [join(temp, 'node-a'), join(temp, 'node-b')];
    const path = (name: string): string => join(temp, name);
    progress('creating the CA on PostgreSQL');
    await initCertificateAuthority({
      dir: nodeDirs[0]!,
      name: 'Cluster',
      keyType: 'p256',
      rootPassphrase: 'cluster root passphrase',
      intermediatePassphrase: CLUSTER_PASSPHRASE,
      // Stamped into certificates only; every listener here is on port 0, known after it starts.
      publicBaseUrl: 'http://ca.cluster.invalid',
      database: options.database,
      actor: 'cluster',
      now: new Date(),
      random: randomBytes,
    });
    // The second node: a copy of the data directory made before either starts (keys, config.yaml naming the database).
    cpSync(nodeDirs[0]!, nodeDirs[1]!, { recursive: true });
    const issue = async (name: string, profile = 'client'): Promise<void> => {
      const sans = profile === 'gateway' ? ['--san', 'dns:localhost', '--san', '127.0.0.1'] : [];
      await cli(
        'ca',
        'issue',
        '--dir',
        nodeDirs[0]!,
        '--passphrase-file',
        passFile,
        '--profile',
        profile,
        '--name',
        name,
        ...sans,
        '--out',
        path(name),
      );
    };
    progress('starting two CA nodes');
    const nodes = await Promise.all(
      nodeDirs.map((dir) =>
        startSymbolon(
          ['up', '--dir', dir, '--listen', '127.0.0.1:0', '--tls-listen', '127.0.0.1:0', '--passphrase-file', passFile],
          /Stop with/,
          processes,
        ),
      ),
    );
    const httpPorts = nodes.map((node) => Number(/OCSP: http:\/\/127\.0\.0\.1:(\d+)\/ocsp/.exec(node.output())?.[1]));
    const feedUrls = nodes.map((node) => /Feed: (https:\/\/127\.0\.0\.1:\d+\/feed)/.exec(node.output())?.[1] ?? '');
    if (httpPorts.some((port) => !(port > 0)) || feedUrls.some((url) => url === ''))
      throw new Error(`a CA node did not say where it listens:\n${nodes.map((node) => node.output()).join('\n')}`);
    const gateways: { port: number; adminPort: number; snapshotFile: string }[] = [];
    for (let i = 0; i < options.gateways; i++) {
      progress(`starting gateway ${i + 1} of ${options.gateways}`);
      const name = `gw-${i}`;
      await issue(name, 'gateway');
      const snapshotFile = path(`${name}.snapshot.json`);
      const config = path(`${name}.yaml`);
      // Gateway i reads node (i mod 2)'s feed: both nodes serve gateways.
      writeFileSync(
        config,
        gatewayConfig({
          certificate: path(name),
          root: join(nodeDirs[0]!, 'ca/root.crt'),
          feedUrl: feedUrls[i % 2]!,
          snapshotFile,
          upstreamPort: (upstream.address() as AddressInfo).port,
          staleAfterSeconds: options.staleAfterSeconds,
          whenStale: options.whenStale,
        }),
      );
      const gateway = await startSymbolon(
        ['gateway', '--config', config],
        /(?=[\s\S]*Gateway: https:\/\/127\.0\.0\.1:\d+)(?=[\s\S]*Metrics: http:\/\/127\.0\.0\.1:\d+)/,
        processes,
      );
      const port = Number(/Gateway: https:\/\/127\.0\.0\.1:(\d+)/.exec(gateway.output())?.[1]);
      const adminPort = Number(/Metrics: http:\/\/127\.0\.0\.1:(\d+)/.exec(gateway.output())?.[1]);
      gateways.push({ port, adminPort, snapshotFile });
    }
    return { temp, passFile, nodeDirs, httpPorts, gateways, path, issue, cli, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * A client of one gateway with one client certificate, over one kept-alive connection (a revoked
 * certificate is refused per request, so no new handshake is needed to see it): each `call` is
 * the HTTP status, or `refused` when the connection or handshake is refused.
 */
export function gatewayClient(cluster: Cluster, port: number, name: string): { call(): Promise<number | 'refused'>; close(): void } {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 1,
    cert: readFileSync(`${cluster.path(name)}.chain.pem`),
    key: readFileSync(`${cluster.path(name)}.key`),
    ca: readFileSync(join(cluster.nodeDirs[0]!, 'ca/root.crt')),
  });
  return {
    call: () =>
      new Promise((resolve) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/hello', method: 'GET', servername: 'localhost', agent, timeout: 10_000 },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', () => resolve('refused'));
          },
        );
        req.on('error', () => resolve('refused'));
        req.on('timeout', () => req.destroy());
        req.end();
      }),
    close: () => agent.destroy(),
  };
}

/** Waits for `condition`, checked every 50 ms, failing after `limitMs` (a bound against hanging, not a timing assertion). */
export async function until(what: string, condition: () => Promise<boolean> | boolean, limitMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > limitMs) assert.fail(`not within ${limitMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs test/scale/issue-many.ts on a data directory; resolves with the serials it was told were stored. */
export function issueMany(
  dir: string,
  passFile: string,
  count: number,
  startAtMs = 0,
): Promise<{ serials: string[]; startedAt: number; endedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/scale/issue-many.ts', dir, passFile, String(count), String(startAtMs)],
      { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`issue-many ${dir} exited ${code}: ${stderr}`));
      const times = /issued \d+ in \d+ ms from (\d+) to (\d+)/.exec(stdout);
      resolve({
        serials: stdout.split('\n').filter((line) => /^[0-9a-f]+$/.test(line)),
        startedAt: Number(times?.[1]),
        endedAt: Number(times?.[2]),
      });
    });
  });
}
