/**
 * Symbolon's mTLS gateway beside nginx configured the same way (bench/gateway/nginx-mtls.conf and
 * bench/gateway/symbolon-gateway.yaml): client certificates required and checked against the same
 * root, the same P-256 server certificate + intermediate, the same TLS version, one worker, the
 * client identity forwarded in x-forwarded-client-cert, a keep-alive pool to the same upstream,
 * access log off. Each server is pinned to core 0; the load generator (bench/gateway/loadgen.c,
 * compiled here) and the upstream (a second nginx answering "ok\n" from memory) to core 1. Rounds
 * alternate the servers; min/median/max over the rounds are printed, then the ratio of the medians. Figures:
 *   1. full mTLS handshakes/s: a new connection per request, no session resumption, one GET each
 *      proxied through to the upstream;
 *   2. keep-alive requests/s proxied to the upstream (HTTP/1.1, one request in flight per connection);
 *   3. added latency p50/p99 over calling the upstream directly, at a fixed moderate request rate
 *      over a few keep-alive connections (open loop: latency counts from the scheduled send time);
 *   4. HTTP/2 requests/s proxied to the upstream: a few keep-alive h2 sessions (TLS with the client
 *      certificate, set up beforehand) with many streams in flight on each. h2load has no
 *      client-certificate option: the generator is bench/gateway/h2load.go (Go's net/http, built
 *      here, pinned to the generator's core with GOMAXPROCS=1). Both servers offer h2 by ALPN
 *      (nginx `listen ... ssl http2`, Symbolon `alpn: [h2, http/1.1]`) when this figure runs; the
 *      HTTP/1.1 generator offers no ALPN and gets HTTP/1.1 from both.
 * Beside each figure: the server's CPU use (its process group, from /proc/<pid>/stat) and how busy
 * each core was (/proc/stat), to show which side is the limit.
 *
 *   node --import tsx bench/gateway.ts [--tls 1.3|1.2] [--seconds 5] [--warmup 1] [--rounds 3]
 *        [--servers symbolon,nginx] [--handshake-connections 32] [--keepalive-connections 64]
 *        [--latency-connections 8] [--latency-rate 1000] [--nice -10] [--perf] [--cpu-prof]
 *        [--figures handshakes,keepalive,latency,h2] [--server-warmup 5]
 *        [--h2-sessions 8] [--h2-streams 16]
 *
 * --server-warmup: seconds of keep-alive load each server gets once, unmeasured, before the first
 * figure, so that every figure sees a process in its steady state (for Node: functions compiled
 * by the optimizing JIT and the heap grown to its working size) rather than its first seconds.
 *
 * --nice runs the servers, the upstream and the generator at that nice value (default -10, as
 * root), so that other work on a shared machine takes less from the measured cores; 0 to leave it.
 * --perf records each server with `perf` in the first round of each figure and prints the top
 * symbols (the gateway is started with --perf-basic-prof for JS names). --cpu-prof starts the
 * gateway with Node's --cpu-prof; the profile is written when the bench stops it.
 *
 * Needs Linux with at least 2 cores, nginx, taskset, a C compiler and the OpenSSL headers
 * (Debian: apt-get install nginx-light util-linux build-essential libssl-dev), and Go for the
 * HTTP/2 figure (apt-get install golang-go; without it that figure is skipped with a message).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildCli, shebangFlags } from './built-cli.js';
import { makeCertificates } from './gateway/certificates.js';
import type { BenchCertificates } from './gateway/certificates.js';
import { buildH2load, runH2load } from './gateway/h2load.js';
import { compileLoadgen, runLoadgen } from './gateway/loadgen.js';
import type { LoadgenResult, LoadgenRun } from './gateway/loadgen.js';
import {
  coreTicks,
  groupCpuSeconds,
  groupProcesses,
  killAllStarted,
  startPinned,
  stopGracefully,
  waitForPort,
} from './gateway/processes.js';
import type { PinnedProcess, Placement } from './gateway/processes.js';
import { fillTemplate } from './gateway/template.js';
import { median, spread } from './rate.js';

const SERVER_CORE = 0;
const GENERATOR_CORE = 1;
/** How long the bench gives `symbolon gateway` to accept connections. */
const GATEWAY_START_MS = 60_000;
const SERVER_NAMES = ['symbolon', 'nginx'] as const;
type ServerName = (typeof SERVER_NAMES)[number];

const { values: options } = parseArgs({
  options: {
    tls: { type: 'string', default: '1.3' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    servers: { type: 'string', default: 'symbolon,nginx' },
    'handshake-connections': { type: 'string', default: '32' },
    'keepalive-connections': { type: 'string', default: '64' },
    'latency-connections': { type: 'string', default: '8' },
    'latency-rate': { type: 'string', default: '1000' },
    nice: { type: 'string', default: '-10' },
    perf: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    figures: { type: 'string', default: 'handshakes,keepalive,latency,h2' },
    'h2-sessions': { type: 'string', default: '8' },
    'h2-streams': { type: 'string', default: '16' },
    'server-warmup': { type: 'string', default: '5' },
  },
});
const tlsVersion = options.tls === '1.2' ? '1.2' : '1.3';
const seconds = Number(options.seconds);
const warmupSeconds = Number(options.warmup);
const serverWarmupSeconds = Number(options['server-warmup']);
const rounds = Number(options.rounds);
const handshakeConnections = Number(options['handshake-connections']);
const keepaliveConnections = Number(options['keepalive-connections']);
const latencyConnections = Number(options['latency-connections']);
const latencyRate = Number(options['latency-rate']);
const niceness = Number(options.nice);
const serverPlacement = { core: SERVER_CORE, niceness };
const generatorPlacement = { core: GENERATOR_CORE, niceness };
const servers = options.servers.split(',').filter((name): name is ServerName => (SERVER_NAMES as readonly string[]).includes(name));
if (options.tls !== '1.2' && options.tls !== '1.3') throw new Error('--tls is 1.2 or 1.3');
if (servers.length === 0) throw new Error('--servers names symbolon and/or nginx');
const h2Sessions = Number(options['h2-sessions']);
const h2Streams = Number(options['h2-streams']);
const FIGURE_NAMES = ['handshakes', 'keepalive', 'latency', 'h2'] as const;
const figures = new Set(options.figures.split(','));
for (const figure of figures)
  if (!(FIGURE_NAMES as readonly string[]).includes(figure)) throw new Error(`--figures names some of ${FIGURE_NAMES.join(', ')}`);

// --- what the bench needs, checked before anything starts ------------------------------------------
function hasCommand(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined;
}
const missing: string[] = [];
if (process.platform !== 'linux') missing.push('Linux (/proc, taskset, epoll)');
if (availableParallelism() < 2) missing.push('at least 2 CPU cores (the servers on core 0, the load generator on core 1)');
if (servers.includes('nginx') && !hasCommand('nginx', ['-v'])) missing.push('nginx (apt-get install nginx-light)');
if (!servers.includes('nginx') && !hasCommand('nginx', ['-v'])) missing.push('nginx for the upstream (apt-get install nginx-light)');
if (!hasCommand('taskset', ['-V'])) missing.push('taskset (apt-get install util-linux)');
if (!hasCommand('cc', ['--version'])) missing.push('a C compiler (apt-get install build-essential)');
if (!hasCommand('openssl', ['version'])) missing.push('openssl (apt-get install openssl)');
if (missing.length > 0) {
  console.error(`bench/gateway.ts cannot run here; it needs:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** Where --cpu-prof profiles of the gateway are written (kept after the run). */
const profileDir = join(tmpdir(), 'symbolon-bench-gateway-profiles');
const work = mkdtempSync(join(tmpdir(), 'symbolon-bench-gateway-'));
process.on('exit', () => {
  killAllStarted();
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the servers`);
    process.exit(130);
  });
}
const runsPerRound = servers.length * 3 + servers.length + 1; // at most: every figure
const budgetSeconds =
  2 * rounds * runsPerRound * (seconds + warmupSeconds + 2) + 2 * servers.length * Number(options['server-warmup']) + 180;
setTimeout(() => {
  console.error(`bench/gateway.ts: over its time budget of ${budgetSeconds} s; stopping`);
  process.exit(1);
}, budgetSeconds * 1000).unref();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function firstLine(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0] ?? '?';
}

// --- set-up ---------------------------------------------------------------------------------------
const certificates = makeCertificates(work);
const loadgen = compileLoadgen(work);
let h2Binary: string | undefined;
let h2Problem: string | undefined;
if (figures.has('h2')) {
  const built = buildH2load(work);
  if ('binary' in built) h2Binary = built.binary;
  else {
    h2Problem = built.problem;
    figures.delete('h2');
    console.error(`bench/gateway.ts: ${h2Problem}; the HTTP/2 figure is skipped`);
  }
}
const offersH2 = figures.has('h2');
const upstreamPort = await freePort();
const nginxPort = await freePort();
const symbolonPort = await freePort();

interface Target {
  readonly name: ServerName | 'direct';
  readonly port: number;
  readonly process: PinnedProcess;
}

function startNginx(name: string, placement: Placement, template: string, values: Record<string, string | number>): PinnedProcess {
  const prefix = join(work, name);
  mkdirSync(join(work, `${name}-tmp`), { recursive: true });
  const configFile = `${prefix}.conf`;
  writeFileSync(configFile, fillTemplate(template, { work, ...values }));
  return startPinned(`${name} nginx`, placement, 'nginx', [
    '-p',
    work,
    '-c',
    configFile,
    '-e',
    `${prefix}-error.log`,
    '-g',
    'daemon off; master_process on;',
  ]);
}

const upstream = startNginx('upstream', generatorPlacement, 'nginx-upstream.conf', { port: upstreamPort });
await waitForPort(upstream, upstreamPort, 10_000);
const targets = new Map<ServerName, Target>();

if (servers.includes('nginx')) {
  const nginx = startNginx('nginx', serverPlacement, 'nginx-mtls.conf', {
    port: nginxPort,
    upstreamPort,
    tlsProtocols: tlsVersion === '1.3' ? 'TLSv1.3' : 'TLSv1.2 TLSv1.3',
    http2: offersH2 ? ' http2' : '',
  });
  await waitForPort(nginx, nginxPort, 10_000);
  targets.set('nginx', { name: 'nginx', port: nginxPort, process: nginx });
}

let symbolonProblem: string | undefined;
if (servers.includes('symbolon')) {
  // The gateway runs as users run it (bench/built-cli.ts).
  const problem = buildCli(repoRoot);
  if (problem !== undefined) {
    symbolonProblem = `\`symbolon gateway\` is not available (${problem})`;
  } else {
    const configFile = join(work, 'symbolon-gateway.yaml');
    writeFileSync(
      configFile,
      fillTemplate('symbolon-gateway.yaml', {
        work,
        port: symbolonPort,
        upstreamPort,
        minTlsVersion: tlsVersion === '1.3' ? 'TLSv1.3' : 'TLSv1.2',
        alpn: offersH2 ? 'h2, http/1.1' : 'http/1.1',
      }),
    );
    const profileArgs = [
      ...(options['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      ...(options.perf ? ['--perf-basic-prof', '--no-logfile-per-isolate', `--logfile=${join(work, 'v8.log')}`] : []),
    ];
    const symbolon = startPinned(
      'symbolon gateway',
      serverPlacement,
      process.execPath,
      [...shebangFlags(repoRoot), ...profileArgs, 'dist/cli/main.js', 'gateway', '--config', configFile],
      repoRoot,
    );
    try {
      await waitForPort(symbolon, symbolonPort, GATEWAY_START_MS);
      targets.set('symbolon', { name: 'symbolon', port: symbolonPort, process: symbolon });
    } catch (error) {
      symbolonProblem = `\`symbolon gateway\` did not start: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (symbolonProblem !== undefined) console.error(`${symbolonProblem}\n(continuing with nginx alone; the run will exit 1)`);
}
if (targets.size === 0) {
  console.error('no server to measure');
  process.exit(1);
}

// --- each server answers correctly: a verifying client, with and without a client certificate -------
interface CheckAnswer {
  readonly status: number;
  readonly body: string;
  readonly protocol: string;
}

function fetchOnce(port: number, path: string, withClientCertificate: boolean, files: BenchCertificates): Promise<CheckAnswer> {
  const tlsName = tlsVersion === '1.3' ? 'TLSv1.3' : 'TLSv1.2';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        ca: readText(files.rootCa),
        minVersion: tlsName,
        maxVersion: tlsName,
        ...(withClientCertificate ? { cert: readText(files.clientChain), key: readText(files.clientKey) } : {}),
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            protocol: 'getProtocol' in res.socket ? String((res.socket as import('node:tls').TLSSocket).getProtocol()) : '?',
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

async function checkServer(target: Target): Promise<string[]> {
  const problems: string[] = [];
  const plain = await fetchOnce(target.port, '/', true, certificates);
  if (plain.status !== 200 || plain.body !== 'ok\n')
    problems.push(`GET / with a client certificate answered ${plain.status} ${JSON.stringify(plain.body.slice(0, 200))}`);
  const identity = await fetchOnce(target.port, '/xfcc', true, certificates);
  if (!/Hash=/.test(identity.body) || !/bench-client/.test(identity.body))
    problems.push(`the upstream did not get the client's identity: ${JSON.stringify(identity.body.slice(0, 200))}`);
  let refused: string;
  try {
    const anonymous = await fetchOnce(target.port, '/', false, certificates);
    refused = `answered ${anonymous.status}`;
    if (anonymous.status >= 200 && anonymous.status < 300) problems.push('a request without a client certificate was let through');
  } catch (error) {
    refused = `refused (${error instanceof Error ? error.message : String(error)})`;
  }
  console.log(
    `  ${target.name.padEnd(8)} ${plain.protocol}, GET / -> ${plain.status} ${JSON.stringify(plain.body)}; upstream saw x-forwarded-client-cert: ${identity.body.trim().slice(0, 60)}...; no client certificate -> ${refused}`,
  );
  return problems;
}

console.log(
  `mTLS gateway: Symbolon beside nginx, TLS ${tlsVersion}, P-256 certificates (root -> intermediate -> leaf; the client sends leaf + intermediate, the servers trust the root), ECDHE on P-256`,
);
console.log(
  `Node ${process.version} (OpenSSL ${process.versions.openssl}); ${firstLine('nginx', ['-v'])}; ${firstLine('openssl', ['version'])}; ${availableParallelism()} cores`,
);
console.log(
  `servers on core ${SERVER_CORE} (one worker/process each, access log off for both); load generator (bench/gateway/loadgen.c) and upstream (nginx, "ok\\n" from memory) on core ${GENERATOR_CORE}; all at nice ${niceness}`,
);
console.log(
  `each server first gets ${serverWarmupSeconds} s of keep-alive load, unmeasured; then ${rounds} rounds alternating the servers, ${seconds} s measured after ${warmupSeconds} s warm-up per run; min/median/max over the rounds; load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
console.log('checks:');
let isValid = true;
for (const target of targets.values()) {
  const problems = await checkServer(target);
  for (const problem of problems) console.error(`  ${target.name}: ${problem}`);
  if (problems.length > 0) isValid = false;
}
if (!isValid) {
  console.error('a server does not answer as the bench expects; no figures');
  process.exit(1);
}

// --- measurements -----------------------------------------------------------------------------------
interface Sample {
  readonly result: LoadgenResult;
  /** CPU used by the measured server's process group over the run, in % of one core. */
  readonly serverCpuPercent: number;
  readonly serverCoreBusyPercent: number;
  readonly generatorCoreBusyPercent: number;
}

const tls = { version: tlsVersion, certFile: certificates.clientChain, keyFile: certificates.clientKey } as const;
const directTarget: Target = { name: 'direct', port: upstreamPort, process: upstream };

type RunSettings =
  Omit<LoadgenRun, 'port' | 'seconds' | 'warmupSeconds'> | { readonly mode: 'h2'; readonly sessions: number; readonly streams: number };

/** Where a sampled symbol's time goes, for a profile summary a person can read. */
const PERF_CATEGORIES: readonly (readonly [string, RegExp])[] = [
  ['kernel (TCP, syscalls, scheduling)', /\[k\]/],
  [
    'OpenSSL (TLS, X.509, EC math, its allocations)',
    /libssl|libcrypto|\b(ossl_|OSSL_|EVP_|SSL_|ssl_|tls_|ASN1_|asn1_|X509|x509|BN_|bn_|EC_|ec_|ecp_|__ecp_|ECDSA|sha256|sha512|aes_|gcm_|OPENSSL_|CRYPTO_|ERR_|PEM_|d2i_|i2d_|RAND_|rand_|HMAC|hmac|evp_|decoder|encoder|ecx_|ED25519|OBJ_|obj_|lh_|sk_|BIO_|bio_|ssl3_|dtls)/,
  ],
  ['JS (the gateway, node:http, node:tls, undici ...)', /perf-\d+\.map|\bJS:|LazyCompile|Function:|Script:|\.(ts|js|mjs):\d+/],
  ['V8 builtins, IC, GC, runtime', /Builtins_|v8::|V8|Heap|heap|Scavenger|MarkCompact|Runtime_|Deoptimizer|Isolate|Turbofan|Sweeper/],
  ['nginx itself', /\bngx_|nginx \[/],
  ['Node/libuv native (TLSWrap, streams, http parser)', /node::|uv_|llhttp|TLSWrap|StreamBase|LibuvStreamWrap/],
  ['libc (malloc, memcpy ...)', /libc\.so|libc-|malloc|memmove|memcpy|memset|_int_free|cfree|unlink_chunk/],
];

/** perf report lines ("12.34% dso [.] symbol") summed by category, then the top symbols. */
function summarizePerf(report: string): string {
  const lines = report
    .split('\n')
    .filter((line) => /^\s+\d+\.\d+%/.test(line))
    .map((line) => line.trim().replace(/\s+/g, ' '));
  const totals = new Map<string, number>();
  for (const line of lines) {
    const share = Number.parseFloat(line);
    const category = PERF_CATEGORIES.find(([, pattern]) => pattern.test(line))?.[0] ?? 'other';
    totals.set(category, (totals.get(category) ?? 0) + share);
  }
  const byCategory = [...totals].sort((a, b) => b[1] - a[1]).map(([name, share]) => `${share.toFixed(0)}% ${name}`);
  const top = lines.slice(0, 12).map((line) => `        ${line.slice(0, 150)}`);
  return `      by kind: ${byCategory.join('; ')}\n      top symbols:\n${top.join('\n')}`;
}

/**
 * Starts `perf record` on every process of `target` for `durationSeconds`; the promise resolves to
 * a summary of `perf report` (the gateway's JS frames are named through --perf-basic-prof).
 */
function profileWithPerf(target: Target, label: string, durationSeconds: number): Promise<string> {
  const pids = groupProcesses(target.process.child.pid!).map(({ pid }) => pid);
  const output = join(work, `perf-${label}.data`);
  return new Promise((resolve) => {
    const perf = spawn('perf', ['record', '-q', '-F', '499', '-p', pids.join(','), '-o', output, '--', 'sleep', String(durationSeconds)], {
      stdio: 'ignore',
    });
    perf.on('error', (error) => resolve(`      perf failed: ${error.message}`));
    perf.on('close', () => {
      const report = spawnSync(
        'perf',
        ['report', '-i', output, '--no-children', '--sort', 'dso,sym', '--stdio', '--percent-limit', '0.05'],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      resolve(summarizePerf(report.stdout ?? ''));
    });
  });
}

const profiles: string[] = [];

async function measure(target: Target, run: RunSettings, round: number): Promise<Sample> {
  const pgid = target.process.child.pid!;
  // Sampled around the whole run: the warm-up adds the same share to every server.
  const cpuBefore = groupCpuSeconds(pgid);
  const coresBefore = coreTicks();
  const startedAt = performance.now();
  // perf looks at the measured part only (after the warm-up), in the first round.
  const profile =
    options.perf && round === 0 && target.name !== 'direct'
      ? new Promise<string>((resolve) =>
          setTimeout(() => resolve(profileWithPerf(target, `${run.mode}-${target.name}`, seconds - 0.5)), warmupSeconds * 1000 + 250),
        )
      : undefined;
  const result =
    run.mode === 'h2'
      ? await runH2load(h2Binary!, generatorPlacement, {
          port: target.port,
          tls,
          caFile: certificates.rootCa,
          sessions: run.sessions,
          streams: run.streams,
          seconds,
          warmupSeconds,
        })
      : await runLoadgen(loadgen, generatorPlacement, { ...run, port: target.port, seconds, warmupSeconds });
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpuAfter = groupCpuSeconds(pgid);
  const coresAfter = coreTicks();
  if (profile !== undefined) profiles.push(`    perf of ${target.name}, ${run.mode} (top symbols, % of its samples):\n${await profile}`);
  const busy = (core: number): number => {
    const before = coresBefore[core]!;
    const after = coresAfter[core]!;
    return (100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total);
  };
  const { child } = target.process;
  if (child.exitCode !== null || child.signalCode !== null)
    throw new Error(`${target.process.name} exited during the run:\n${target.process.output()}`);
  const isBad = result.errors > 0 || result.non2xx > 0 || result.resumed > 0 || result.requests === 0;
  if (isBad) {
    isValid = false;
    console.error(
      `  INVALID ${target.name} ${result.mode}: ${result.requests} requests, ${result.non2xx} non-2xx, ${result.errors} errors ${JSON.stringify(result.errorKinds)}, ${result.resumed} resumed; first error: ${result.firstError}`,
    );
  }
  return {
    result,
    serverCpuPercent: (100 * (cpuAfter - cpuBefore)) / wallSeconds,
    serverCoreBusyPercent: busy(SERVER_CORE),
    generatorCoreBusyPercent: busy(GENERATOR_CORE),
  };
}

/** Runs against each target `rounds` times, the order reversed every other round; `runFor` says how. */
async function inRounds(
  names: readonly (ServerName | 'direct')[],
  runFor: (name: ServerName | 'direct') => RunSettings,
): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const target = name === 'direct' ? directTarget : targets.get(name)!;
      samples.get(name)!.push(await measure(target, runFor(name), round));
    }
  }
  return samples;
}

function printProfiles(): void {
  for (const profile of profiles.splice(0)) console.log(profile);
}

const measured = SERVER_NAMES.filter((name) => targets.has(name));
const fixed = (value: number, digits = 0): string => value.toFixed(digits);
const percent = (values: readonly number[]): string => `${fixed(median(values))}%`;

function evidence(name: string, samples: readonly Sample[]): string {
  const cpu = samples.map((s) => s.serverCpuPercent);
  return (
    `    ${name.padEnd(8)} server process CPU ${percent(cpu)} of a core, core ${SERVER_CORE} busy ${percent(samples.map((s) => s.serverCoreBusyPercent))}; ` +
    `core ${GENERATOR_CORE} busy ${percent(samples.map((s) => s.generatorCoreBusyPercent))} (load generator alone ${percent(samples.map((s) => s.result.cpuPercent))}); ` +
    `${samples[0]!.result.protocol || 'plain HTTP'}${samples[0]!.result.cipher === '' ? '' : ` ${samples[0]!.result.cipher} ${samples[0]!.result.group}`}`
  );
}

function rateLine(label: string, unit: string, samples: Map<string, Sample[]>): void {
  console.log(`\n${label}`);
  for (const name of measured) {
    const list = samples.get(name)!;
    console.log(
      `  ${name.padEnd(8)} ${spread(
        list.map((s) => s.result.perSecond),
        unit,
      )}`,
    );
  }
  for (const name of measured) console.log(evidence(name, samples.get(name)!));
  const symbolon = samples.get('symbolon');
  const nginx = samples.get('nginx');
  if (symbolon !== undefined && nginx !== undefined) {
    const x = median(symbolon.map((s) => s.result.perSecond));
    const y = median(nginx.map((s) => s.result.perSecond));
    console.log(`  => medians: symbolon ${fixed(x)}, nginx ${fixed(y)}, ratio ${(x / y).toFixed(2)}`);
  }
}

for (const target of serverWarmupSeconds > 0 ? targets.values() : []) {
  const warmup = await runLoadgen(loadgen, generatorPlacement, {
    mode: 'keepalive',
    tls,
    connections: keepaliveConnections,
    port: target.port,
    seconds: serverWarmupSeconds,
    warmupSeconds: 0,
  });
  if (warmup.errors > 0 || warmup.non2xx > 0)
    console.error(
      `  ${target.name}: the warm-up load had ${warmup.errors} errors and ${warmup.non2xx} non-2xx answers; first error: ${warmup.firstError}`,
    );
}

if (figures.has('handshakes')) {
  const handshakes = await inRounds(measured, () => ({ mode: 'handshake', tls, connections: handshakeConnections }));
  rateLine(
    `1. full mTLS handshakes/s: a new TCP connection + full TLS ${tlsVersion} handshake with a client certificate (no resumption) per request, one GET / proxied through to the upstream, then close; ${handshakeConnections} concurrent connections`,
    'handshakes/s',
    handshakes,
  );
  printProfiles();
}

if (figures.has('keepalive')) {
  const keepalive = await inRounds(measured, () => ({ mode: 'keepalive', tls, connections: keepaliveConnections }));
  rateLine(
    `2. keep-alive requests/s proxied to the upstream: ${keepaliveConnections} HTTP/1.1 keep-alive connections, one request in flight on each (no pipelining)`,
    'requests/s',
    keepalive,
  );
  printProfiles();
}

if (figures.has('h2')) {
  const h2 = await inRounds(measured, () => ({ mode: 'h2', sessions: h2Sessions, streams: h2Streams }));
  rateLine(
    `4. HTTP/2 requests/s proxied to the upstream: ${h2Sessions} keep-alive h2 sessions (TLS ${tlsVersion} with the client certificate, set up beforehand, one TLS handshake each over the run), ${h2Streams} streams in flight on each; generator bench/gateway/h2load.go (Go net/http, one core)`,
    'requests/s',
    h2,
  );
  printProfiles();
}

if (figures.has('latency')) {
  // The direct call is plain HTTP to the upstream; through a server it is HTTPS with the client certificate.
  const latency = await inRounds(['direct', ...measured], (name) => ({
    mode: 'latency',
    ...(name === 'direct' ? {} : { tls }),
    connections: latencyConnections,
    rate: latencyRate,
  }));
  console.log(
    `\n3. added latency over calling the upstream directly: ${latencyRate} requests/s (open loop, latency from the scheduled send time) over ${latencyConnections} keep-alive connections set up beforehand; ` +
      `added = the server's median p50/p99 over rounds minus the direct call's (microseconds, lower is better; p99 on a shared machine mostly measures other work's scheduling stalls, see the rounds)`,
  );
  const direct = latency.get('direct')!;
  const roundsOf = (samples: readonly Sample[], pick: (latency: LoadgenResult['latencyUs']) => number): string =>
    spread(
      samples.map((s) => pick(s.result.latencyUs)),
      'us',
    );
  const directP50 = median(direct.map((s) => s.result.latencyUs.p50));
  const directP99 = median(direct.map((s) => s.result.latencyUs.p99));
  console.log(
    `  direct   p50 ${fixed(directP50)} us, p99 ${fixed(directP99)} us (plain HTTP to the upstream; rounds p50 ${roundsOf(direct, (l) => l.p50)}; p99 ${roundsOf(direct, (l) => l.p99)}; max backlog ${Math.max(...direct.map((s) => s.result.maxBacklog))} requests)`,
  );
  const added = new Map<string, { p50: number; p99: number }>();
  for (const name of measured) {
    const list = latency.get(name)!;
    const p50 = median(list.map((s) => s.result.latencyUs.p50)) - directP50;
    const p99 = median(list.map((s) => s.result.latencyUs.p99)) - directP99;
    added.set(name, { p50, p99 });
    console.log(
      `  ${name.padEnd(8)} p50 ${fixed(p50 + directP50)} us, p99 ${fixed(p99 + directP99)} us; added p50 ${fixed(p50)} us, p99 ${fixed(p99)} us  (rounds p50 ${roundsOf(list, (l) => l.p50)}; p99 ${roundsOf(list, (l) => l.p99)}; max backlog ${Math.max(...list.map((s) => s.result.maxBacklog))} requests)`,
    );
  }
  for (const name of measured) console.log(evidence(name, latency.get(name)!));
  const symbolonAdded = added.get('symbolon');
  const nginxAdded = added.get('nginx');
  if (symbolonAdded !== undefined && nginxAdded !== undefined) {
    console.log(
      `  => added p50: symbolon ${fixed(symbolonAdded.p50)} us, nginx ${fixed(nginxAdded.p50)} us, ratio ${(symbolonAdded.p50 / nginxAdded.p50).toFixed(2)} (lower is better)`,
    );
    console.log(
      `  => added p99: symbolon ${fixed(symbolonAdded.p99)} us, nginx ${fixed(nginxAdded.p99)} us, ratio ${(symbolonAdded.p99 / nginxAdded.p99).toFixed(2)} (lower is better)`,
    );
  }

  printProfiles();
}

for (const target of targets.values()) await stopGracefully(target.process, 10_000);
console.log(
  `\nload average at the end ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
if (h2Problem !== undefined) console.log(`the HTTP/2 figure was skipped: ${h2Problem}`);
if (options['cpu-prof'] && targets.has('symbolon')) console.log(`\n--cpu-prof: the gateway's profile is in ${profileDir}`);
if (symbolonProblem !== undefined) {
  console.error(`\n${symbolonProblem}`);
  isValid = false;
}
if (!isValid) console.error('\nsome runs had errors or non-2xx answers: those figures are not valid');
process.exit(isValid ? 0 : 1);
