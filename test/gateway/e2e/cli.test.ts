import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startE2eEnv } from './support/e2e-env.js';
import type { CertificateFiles, E2eEnv } from './support/e2e-env.js';
import { startEchoUpstream } from './support/echo-upstream.js';
import type { EchoUpstream } from './support/echo-upstream.js';
import { childProcesses, descendantPids, isAlive, runCli, startCli } from './support/gateway-cli.js';
import type { GatewayProcess } from './support/gateway-cli.js';
import { configInput } from './support/test-gateway.js';
import type { ConfigParts } from './support/test-gateway.js';
import { curl, freePort, metricValue, plainGet, waitFor } from './support/tls-clients.js';

let env: E2eEnv;
let upstream: EchoUpstream;
let alice: CertificateFiles;
let bob: CertificateFiles;
let configDir: string;
const running = new Set<GatewayProcess>();

before(async () => {
  env = await startE2eEnv('cli');
  upstream = await startEchoUpstream();
  alice = await env.issue('alice');
  bob = await env.issue('bob');
  configDir = join(env.dir, 'gateway-config');
  mkdirSync(configDir);
});

after(async () => {
  for (const cli of running) cli.kill();
  await upstream?.close();
  await env?.close();
});

let files = 0;

/** A configuration file (JSON is YAML) reading revocations from the harness's feed over mTLS. */
function writeConfig(parts: ConfigParts, path = join(configDir, `gateway-${++files}.yaml`)): string {
  writeFileSync(path, JSON.stringify(configInput(env, { revocation: { kind: 'feed', url: env.h.services.feedUrl }, ...parts }), null, 2));
  return path;
}

function allowOnly(cn: string, extra: Partial<ConfigParts> = {}): ConfigParts {
  return { routes: [{ upstream: upstream.url, allow: [{ subjectCn: cn }] }], ...extra };
}

function occurrences(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern.source, 'g'))].length;
}

test('gateway --check on a good file exits 0 and says it is valid', async () => {
  const result = await runCli(['gateway', '--config', writeConfig(allowOnly('alice')), '--check']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /: valid \(1 listener\(s\), 1 trust bundle\(s\), 1 route\(s\)\)/);
});

test('gateway --check on a bad file exits 2 with a GATEWAY_ error naming the bad field, no stack trace', async () => {
  const good = configInput(env, allowOnly('alice'));
  const listeners = good['listeners'] as Record<string, unknown>[];
  const cases: { name: string; config: Record<string, unknown>; code: string; names: RegExp }[] = [
    {
      name: 'unknown key',
      config: { ...good, listeners: [{ ...listeners[0], certfile: 'x.pem' }] },
      code: 'GATEWAY_CONFIG_INVALID',
      names: /listeners\[0\].*'certfile'/,
    },
    {
      name: 'bad upstream URL',
      config: { ...good, routes: [{ upstream: 'ftp://127.0.0.1/' }] },
      code: 'GATEWAY_CONFIG_INVALID',
      names: /routes\[0\]\.upstream/,
    },
    {
      name: 'missing certificate file',
      config: { ...good, listeners: [{ ...listeners[0], certFile: 'no-such-cert.pem' }] },
      code: 'GATEWAY_FILE_UNREADABLE',
      names: /no-such-cert\.pem/,
    },
  ];
  for (const entry of cases) {
    const path = join(configDir, `bad-${entry.name.replace(/ /g, '-')}.yaml`);
    writeFileSync(path, JSON.stringify(entry.config));
    const result = await runCli(['gateway', '--config', path, '--check']);
    assert.equal(result.code, 2, `${entry.name}: ${result.stderr}`);
    assert.ok(result.stderr.startsWith(`symbolon: ${entry.code}: `), `${entry.name}: ${result.stderr}`);
    assert.match(result.stderr, entry.names, entry.name);
    assert.doesNotMatch(result.stderr, /^\s+at /m, `${entry.name}: no stack trace`);
    assert.equal(result.stdout, '');
  }
  const broken = join(configDir, 'broken.yaml');
  writeFileSync(broken, 'listeners: [\n  port: 1\n');
  const result = await runCli(['gateway', '--config', broken, '--check']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^symbolon: GATEWAY_CONFIG_INVALID: the gateway configuration is not valid YAML/);
});

test('the gateway process reloads on file change and SIGHUP: new rules apply, a request in flight completes, a broken file keeps the old configuration', async () => {
  const path = writeConfig(allowOnly('alice'), join(configDir, 'live.yaml'));
  const cli = startCli(['gateway', '--config', path]);
  running.add(cli);
  try {
    await cli.waitForOutput(/Symbolon gateway listening/);
    const port = Number((await cli.waitForOutput(/Gateway: https:\/\/127\.0\.0\.1:(\d+)/))[1]);
    assert.match(cli.stdout(), /Metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);
    assert.equal((await curl(env, port, '/cli/alice', { client: alice })).status, 200);
    assert.equal((await curl(env, port, '/cli/bob-before', { client: bob })).status, 403);

    const inFlight = curl(env, port, '/slow/cli-in-flight', { client: alice });
    await waitFor(() => upstream.seen('/slow/cli-in-flight').length === 1, 5000, 10);
    writeConfig(allowOnly('bob'), path);
    await cli.waitForOutput(/gateway configuration reloaded/, 10_000);
    assert.equal((await inFlight).status, 200, 'the request in flight during the reload completes');
    assert.equal((await curl(env, port, '/cli/bob-after', { client: bob })).status, 200);
    assert.equal((await curl(env, port, '/cli/alice-after', { client: alice })).status, 403);

    writeFileSync(path, 'routes: [\n  - upstream: {\n');
    await cli.waitForOutput(/symbolon: GATEWAY_CONFIG_INVALID: the gateway configuration is not valid YAML[\s\S]*reload refused/, 10_000);
    assert.equal((await curl(env, port, '/cli/bob-broken', { client: bob })).status, 200, 'the previous configuration stays in force');

    writeConfig(allowOnly('alice'), path);
    await waitFor(() => occurrences(cli.stderr(), /configuration reloaded/) >= 2, 10_000, 50);
    assert.equal(occurrences(cli.stderr(), /configuration reloaded/), 2, cli.stderr());
    assert.equal((await curl(env, port, '/cli/alice-again', { client: alice })).status, 200);
    cli.child.kill('SIGHUP');
    assert.ok(
      await waitFor(() => occurrences(cli.stderr(), /configuration reloaded/) >= 3, 10_000, 50),
      `SIGHUP did not reload: ${cli.stderr()}`,
    );
    assert.equal((await curl(env, port, '/cli/alice-after-hup', { client: alice })).status, 200);

    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited(), 0);
    assert.match(cli.stdout(), /Stopped \(SIGTERM\)/);
  } finally {
    cli.kill();
    running.delete(cli);
  }
});

/** Starts `gateway --workers 2` on a free port; returns the process, the port and the admin /metrics URL. */
async function startWorkers(name: string): Promise<{ cli: GatewayProcess; port: number; metricsUrl: string }> {
  const port = await freePort();
  const path = writeConfig(allowOnly('alice', { listener: { port } }), join(configDir, `${name}.yaml`));
  const cli = startCli(['gateway', '--config', path, '--workers', '2']);
  running.add(cli);
  await cli.waitForOutput(/Symbolon gateway: 2 workers/, 30_000);
  const metricsUrl = (await cli.waitForOutput(/Metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/))[1]!;
  return { cli, port, metricsUrl };
}

test('--workers 2 starts two workers that serve requests, and SIGTERM stops every process', async () => {
  const { cli, port } = await startWorkers('workers');
  try {
    // tsx gives each node process an esbuild helper: the workers are the node children.
    const children = await childProcesses(cli.child.pid!);
    const workers = children.filter((child) => child.command === 'node').map((child) => child.pid);
    assert.equal(workers.length, 2, `children: ${JSON.stringify(children)}`);
    const everyProcess = await descendantPids(cli.child.pid!);
    for (let i = 0; i < 6; i++) assert.equal((await curl(env, port, `/workers/${i}`, { client: alice })).status, 200);
    assert.equal((await curl(env, port, '/workers/bob', { client: bob })).status, 403);
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited(), 0);
    assert.ok(
      await waitFor(() => everyProcess.every((pid) => !isAlive(pid)), 10_000, 50),
      `a process survived: ${everyProcess.filter(isAlive).join(', ')}`,
    );
  } finally {
    cli.kill();
    running.delete(cli);
  }
});

// prom-client 15 installs a worker's answer to the primary's metrics request only in the
// AggregatorRegistry constructor; AggregatorRegistry.setRegistries alone leaves workers mute.
test("--workers 2: /metrics on the admin listener sums the workers' metrics", async () => {
  const { cli, port, metricsUrl } = await startWorkers('workers-metrics');
  try {
    const REQUESTS = 8;
    for (let i = 0; i < REQUESTS; i++) assert.equal((await curl(env, port, `/workers-metrics/${i}`, { client: alice })).status, 200);
    assert.equal((await curl(env, port, '/workers-metrics/bob', { client: bob })).status, 403);
    const metrics = await plainGet(metricsUrl);
    assert.equal(metrics.status, 200, metrics.body);
    assert.equal(
      metricValue(metrics.body, 'symbolon_gateway_requests_total', { status: '200' }),
      REQUESTS,
      "the workers' counts are summed",
    );
    assert.equal(metricValue(metrics.body, 'symbolon_gateway_rejections_total', { reason: 'route_denied' }), 1);
    assert.equal(metricValue(metrics.body, 'symbolon_gateway_handshakes_total', { result: 'accepted' }), REQUESTS + 1);
  } finally {
    cli.child.kill('SIGTERM');
    await Promise.race([cli.exited(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    cli.kill();
    running.delete(cli);
  }
});
