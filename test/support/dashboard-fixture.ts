import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { childEnv, spawnUp, stopUp } from '../cli/up-process.js';
import type { UpProcess } from '../cli/up-process.js';
import { makeTempDir } from '../ca/support.js';
import type { Page } from 'playwright-core';
import { openDataDir } from '../../src/ca/index.js';
import { freePort } from './free-port.js';
import { seedCertificates } from './seed-certificates.js';
import type { SeededCertificate } from './seed-certificates.js';

/** A client certificate and its key, as files (`ca issue --out`). */
export interface IssuedFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

/**
 * A real `symbolon up` for the dashboard: a CA, a gateway with one route to a local upstream, an
 * admin certificate for the dashboard and the API, a client certificate the route allows and one
 * of another profile.
 */
export interface DashboardFixture {
  readonly dir: string;
  /** The HTTPS service listener (`https://127.0.0.1:PORT`): the dashboard is at `${serviceUrl}/ui/`. */
  readonly serviceUrl: string;
  /** The gateway's route (`https://127.0.0.1:PORT/app/`), answered `upstream ok` by the upstream. */
  readonly gatewayUrl: string;
  /** The gateway's Prometheus /metrics. */
  readonly gatewayMetricsUrl: string;
  readonly rootCertPath: string;
  /** The synthetic records seeded before `up` started. */
  readonly seeded: readonly SeededCertificate[];
  readonly admin: IssuedFiles;
  /** A `client` certificate the gateway's route allows (billing.test). */
  readonly client: IssuedFiles & { readonly serial: string };
  /** A `client` certificate that is neither an admin nor allowed by the route. */
  readonly outsider: IssuedFiles;
  readonly up: UpProcess;
  stop(): Promise<void>;
}

export interface DashboardFixtureOptions {
  /** Synthetic certificate records to add (through the store, audited) before `up` starts. */
  readonly seedCount?: number;
  /** Their profiles (default: client, server, gateway). */
  readonly seedProfiles?: readonly string[];
  /** Every n-th seeded record is revoked (default 50). */
  readonly seedRevokeEvery?: number;
  /** How often `up` scrapes the gateway's metrics (config.yaml's monitoring.scrapeInterval; default 15s). */
  readonly scrapeInterval?: string;
}

/**
 * Seeds `count` records issued by the active intermediate, each carrying the DER of a real
 * certificate the CA issued (`template`), so a detail view decodes one.
 */
async function seed(dir: string, template: string, options: DashboardFixtureOptions): Promise<SeededCertificate[]> {
  const dataDir = await openDataDir(dir, { actor: 'test', now: new Date() });
  try {
    return await seedCertificates(dataDir.store, {
      count: options.seedCount ?? 0,
      issuerId: dataDir.activeIssuer.id,
      der: Buffer.from(new X509Certificate(readFileSync(template)).raw),
      ...(options.seedProfiles === undefined ? {} : { profiles: options.seedProfiles }),
      ...(options.seedRevokeEvery === undefined ? {} : { revokeEvery: options.seedRevokeEvery }),
    });
  } finally {
    await dataDir.close();
  }
}

async function cli(args: readonly string[]): Promise<string> {
  const result = await runCli(args, { env: childEnv() });
  if (result.code !== 0) throw new Error(`symbolon ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
  return result.stdout;
}

/** Issues a certificate through the CA's CLI; `client` ones carry the DNS name NAME.test, which the gateway's route judges. */
async function issue(dir: string, profile: string, name: string): Promise<IssuedFiles & { serial: string }> {
  const out = join(dir, '..', name);
  const sans = profile === 'client' ? ['--san', `dns:${name}.test`] : [];
  await cli(['ca', 'issue', '--dir', dir, '--profile', profile, '--name', `CN=${name}`, ...sans, '--out', out]);
  const printed = spawnSync('openssl', ['x509', '-noout', '-serial', '-in', `${out}.crt`], { encoding: 'utf8' }).stdout;
  return {
    certPath: `${out}.crt`,
    keyPath: `${out}.key`,
    serial: printed
      .trim()
      .replace(/^serial=/, '')
      .toLowerCase(),
  };
}

function startUpstream(): Promise<Server> {
  const upstream = createServer((_req, res) => res.end('upstream ok\n'));
  return new Promise((resolve) => upstream.listen(0, '127.0.0.1', () => resolve(upstream)));
}

/** How many times the fixture starts up when a port it chose was taken meanwhile. */
const START_ATTEMPTS = 3;

export async function startDashboardFixture(options: DashboardFixtureOptions = {}): Promise<DashboardFixture> {
  const temp = makeTempDir('symbolon-dashboard-');
  const dir = join(temp.path, 'ca');
  const upstream = await startUpstream();
  const publicPort = await freePort();
  let [httpPort, tlsPort, gatewayPort, metricsPort] = [publicPort, 0, 0, 0];
  let up: UpProcess | undefined;
  try {
    await cli(['ca', 'init', '--dir', dir, '--public-base-url', `http://127.0.0.1:${publicPort}`]);
    if (options.scrapeInterval !== undefined)
      appendFileSync(join(dir, 'config.yaml'), `\nmonitoring:\n  scrapeInterval: ${options.scrapeInterval}\n`);
    const template = await issue(dir, 'client', 'template');
    const seeded = await seed(dir, template.certPath, options);
    const admin = await issue(dir, 'admin', 'dashboard-admin');
    const client = await issue(dir, 'client', 'billing');
    const outsider = await issue(dir, 'client', 'outsider');
    for (let attempt = 1; ; attempt++) {
      [tlsPort, gatewayPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
      writeFileSync(
        join(dir, 'gateway.yaml'),
        [
          'listeners:',
          `  - { address: 127.0.0.1, port: ${gatewayPort} }`,
          `admin: { port: ${metricsPort} }`,
          'trustBundles:',
          '  - { name: symbolon, revocation: { kind: feed }, failurePolicy: hard-fail }',
          'routes:',
          `  - { host: '*', pathPrefix: /app, upstream: 'http://127.0.0.1:${(upstream.address() as AddressInfo).port}', allow: [ { dns: 'billing.test' } ] }`,
          '',
        ].join('\n'),
      );
      up = spawnUp(['--dir', dir, '--listen', `127.0.0.1:${httpPort}`, '--tls-listen', `127.0.0.1:${tlsPort}`]);
      try {
        await up.ready;
        break;
      } catch (error) {
        // A port found free can be taken by a test running beside this one before up binds it
        // (seeding takes seconds): start again on other ports. Certificates keep the first
        // public URL, which these tests do not fetch.
        if (attempt === START_ATTEMPTS || !up.stderr().includes('EADDRINUSE')) throw error;
        httpPort = await freePort();
      }
    }
    const running = up;
    return {
      dir,
      serviceUrl: `https://127.0.0.1:${tlsPort}`,
      gatewayUrl: `https://127.0.0.1:${gatewayPort}/app/`,
      gatewayMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      rootCertPath: join(dir, 'ca/root.crt'),
      seeded,
      admin,
      client,
      outsider,
      up: running,
      async stop() {
        try {
          await stopUp(running);
        } finally {
          upstream.close();
          temp.remove();
        }
      },
    };
  } catch (error) {
    up?.child.kill('SIGKILL');
    upstream.close();
    temp.remove();
    throw error;
  }
}

/** curl with a client certificate, trusting the CA's root: the status code, or 0 when the TLS handshake itself was refused. */
export function curlStatus(url: string, rootCertPath: string, certificate: IssuedFiles): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'curl',
      [
        '-sS',
        '--max-time',
        '10',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--cacert',
        rootCertPath,
        '--cert',
        certificate.certPath,
        '--key',
        certificate.keyPath,
        url,
      ],
      { env: childEnv() },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(Number(stdout.trim()) || 0));
  });
}

/**
 * Resolves once the page shows no "Loading…" status (every fetch it started has answered), or
 * throws after `timeoutMs`. Polled from outside: the dashboard's CSP rightly refuses the string
 * evaluation page.waitForFunction would run in it.
 */
export async function untilLoaded(page: Page, timeoutMs = 20_000): Promise<void> {
  const loading = page.getByRole('status').filter({ hasText: /^Loading/ });
  const deadline = Date.now() + timeoutMs;
  while ((await loading.count()) > 0) {
    if (Date.now() > deadline) throw new Error(`still loading after ${timeoutMs} ms: ${(await loading.allTextContents()).join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
