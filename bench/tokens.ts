/**
 * Certificate-bound access tokens (RFC 8705), measured on a real `symbolon up` (its authorization
 * server and its gateway in one process, pinned to core 0) with the load from core 1:
 *   1. tokens issued per second by the token endpoint: client_credentials with tls_client_auth
 *      over keep-alive mTLS connections (undici, from this process on core 1), each token signed
 *      (ES256) and written to the audit log; beside it, from the same run, jose's ES256 JWT
 *      signing alone on this process (the floor of any issuer's cost per token);
 *   2. at the gateway, keep-alive HTTP/1.1 requests per second (bench/gateway/loadgen.c, on core
 *      1) on a route that requires a bound token (token: bound: the JWKS cached, the signature
 *      verified once per token, then per request the claims and the binding to the connection's
 *      certificate) against the same route without a token, in the same run, rounds alternating;
 *      and the same route sent the token but not checking it (the same bytes relayed, so the check's
 *      own cost shows apart from the longer request); with the gateway's CPU per request for each
 *      (its process group, from /proc), and the ratios. Goal: the bound-token check costs under
 *      10% of the request.
 *   3. the check's parts alone, in this process: the claim and binding checks every request runs,
 *      and the signature verification a token gets once (then the gateway remembers it).
 * The upstream is nginx answering "ok\n" from memory (bench/gateway/nginx-upstream.conf), on core 1.
 *
 *   node --import tsx bench/tokens.ts [--seconds 5] [--rounds 3] [--connections 32] [--in-flight 16] [--nice -10]
 *
 * Needs Linux with 2 cores, nginx, taskset, a C compiler and the OpenSSL headers.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeJwt, SignJWT } from 'jose';
import {
  certificateThumbprint,
  checkAccessTokenClaims,
  importVerificationKeys,
  verifyAccessTokenSignature,
} from '../src/access-token/index.js';
import type { AccessTokenClaims } from '../src/access-token/index.js';
import { parseCertificate, parsePemBlocks } from '../src/x509/index.js';
import { Pool } from 'undici';
import { compileLoadgen, runLoadgen } from './gateway/loadgen.js';
import type { LoadgenResult } from './gateway/loadgen.js';
import { groupCpuSeconds, killAllStarted, pinnedCommand, startPinned, stopGracefully, waitForPort } from './gateway/processes.js';
import type { PinnedProcess } from './gateway/processes.js';
import { fillTemplate } from './gateway/template.js';
import { median, ratePerSecond, spread } from './rate.js';

const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    'in-flight': { type: 'string', default: '16' },
    nice: { type: 'string', default: '-10' },
    'server-warmup': { type: 'string', default: '3' },
  },
});
const seconds = Number(options.seconds);
const rounds = Number(options.rounds);
const connections = Number(options.connections);
const inFlight = Number(options['in-flight']);
const niceness = Number(options.nice);
const serverPlacement = { core: 0, niceness };
const generatorPlacement = { core: 1, niceness };
const AUDIENCE = 'https://api.bench.example';

const hasCommand = (command: string, args: readonly string[]): boolean => spawnSync(command, args, { stdio: 'ignore' }).error === undefined;
const missing = [
  ...(process.platform === 'linux' ? [] : ['Linux (/proc, taskset)']),
  // Once pinned, this process sees one core.
  ...(availableParallelism() >= 2 || process.env['SYMBOLON_BENCH_PINNED'] === '1' ? [] : ['at least 2 CPU cores']),
  ...(hasCommand('nginx', ['-v']) ? [] : ['nginx (apt-get install nginx-light)']),
  ...(hasCommand('taskset', ['-V']) ? [] : ['taskset (apt-get install util-linux)']),
  ...(hasCommand('cc', ['--version']) ? [] : ['a C compiler and the OpenSSL headers (apt-get install build-essential libssl-dev)']),
];
if (missing.length > 0) {
  console.error(`bench/tokens.ts cannot run here; it needs:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}

// This process is the token endpoint's load: on the generator's core.
if (process.env['SYMBOLON_BENCH_PINNED'] !== '1') {
  const [program, args] = pinnedCommand(generatorPlacement, process.execPath, [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    ...process.argv.slice(2),
  ]);
  const ran = spawnSync(program, args, { stdio: 'inherit', env: { ...process.env, SYMBOLON_BENCH_PINNED: '1' } });
  process.exit(ran.status ?? 1);
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'symbolon-bench-tokens-'));
process.on('exit', () => {
  killAllStarted();
  rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function cli(args: readonly string[]): string {
  const ran = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });
  if (ran.status !== 0) throw new Error(`symbolon ${args.join(' ')} failed: ${ran.stderr}`);
  return ran.stdout;
}

async function waitForOutput(target: PinnedProcess, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!target.output().includes(text)) {
    if (target.child.exitCode !== null) throw new Error(`${target.name} exited:\n${target.output()}`);
    if (Date.now() > deadline) throw new Error(`${target.name} did not say "${text}" within ${timeoutMs} ms:\n${target.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// --- the upstream, then `symbolon up` with its gateway ----------------------------------------------
const [upstreamPort, httpPort, tlsPort, gatewayPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
mkdirSync(join(work, 'upstream-tmp'));
writeFileSync(join(work, 'upstream.conf'), fillTemplate('nginx-upstream.conf', { work, port: upstreamPort }));
const upstream = startPinned('upstream nginx', generatorPlacement, 'nginx', [
  '-p',
  work,
  '-c',
  join(work, 'upstream.conf'),
  '-e',
  join(work, 'upstream-error.log'),
  '-g',
  'daemon off; master_process on;',
]);
await waitForPort(upstream, upstreamPort, 10_000);

const dataDir = join(work, 'data');
mkdirSync(dataDir);
const issuer = `https://127.0.0.1:${tlsPort}`;
writeFileSync(
  join(dataDir, 'gateway.yaml'),
  [
    `listeners: [ { address: 127.0.0.1, port: ${gatewayPort}, ocspStapling: false, alpn: [http/1.1] } ]`,
    'trustBundles: [ { name: symbolon, revocation: { kind: feed }, failurePolicy: hard-fail } ]',
    `tokenIssuers: [ { issuer: '${issuer}' } ]`,
    'routes:',
    `  - { pathPrefix: /bound, upstream: 'http://127.0.0.1:${upstreamPort}', token: bound, audience: '${AUDIENCE}', scopes: [read] }`,
    `  - { pathPrefix: /plain, upstream: 'http://127.0.0.1:${upstreamPort}' }`,
    "accessLog: 'off'",
    '',
  ].join('\n'),
);
const up = startPinned(
  'symbolon up',
  serverPlacement,
  process.execPath,
  [
    '--import',
    'tsx',
    'src/cli/main.ts',
    'up',
    '--dir',
    dataDir,
    '--listen',
    `127.0.0.1:${httpPort}`,
    '--tls-listen',
    `127.0.0.1:${tlsPort}`,
  ],
  repoRoot,
);
await waitForOutput(up, 'Stop with', 120_000);
const upPgid = up.child.pid!;

cli(['ca', 'issue', '--dir', dataDir, '--profile', 'client', '--name', 'bench', '--out', join(work, 'bench')]);
cli(['oauth', 'client', 'add', 'bench', '--dir', dataDir, '--subject-dn', 'CN=bench', '--scope', 'read', '--audience', AUDIENCE]);
const certFile = join(work, 'bench.chain.pem');
const keyFile = join(work, 'bench.key');

// --- 1. tokens issued per second -----------------------------------------------------------------------
const pool = new Pool(issuer, {
  connections: inFlight,
  connect: { ca: readFileSync(join(dataDir, 'ca/root.crt')), cert: readFileSync(certFile), key: readFileSync(keyFile) },
});
const tokenBody = 'grant_type=client_credentials&client_id=bench&scope=read';
async function issueToken(): Promise<string> {
  const response = await pool.request({
    method: 'POST',
    path: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenBody,
  });
  const answer = (await response.body.json()) as { access_token?: string };
  if (response.statusCode !== 200 || answer.access_token === undefined)
    throw new Error(`the token endpoint answered ${response.statusCode}`);
  return answer.access_token;
}
const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const joseSign = (): Promise<string> =>
  new SignJWT({ iss: issuer, sub: 'bench', aud: AUDIENCE, scope: 'read', cnf: { 'x5t#S256': 'x'.repeat(43) } })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(signingKey);

await ratePerSecond(1, inFlight, issueToken);
const issued: number[] = [];
const issuedCpuMs: number[] = [];
const signed: number[] = [];
for (let round = 0; round < rounds; round++) {
  const cpuBefore = groupCpuSeconds(upPgid);
  let count = 0;
  const rate = await ratePerSecond(seconds, inFlight, async () => {
    await issueToken();
    count++;
  });
  issued.push(rate);
  issuedCpuMs.push(((groupCpuSeconds(upPgid) - cpuBefore) * 1000) / count);
  signed.push(await ratePerSecond(seconds, inFlight, joseSign));
}

// --- 2. the gateway: a bound-token route against the same route without a token ----------------------------
const loadgen = compileLoadgen(work);
const keepalive = (path: string, header: string | undefined, runSeconds: number): Promise<LoadgenResult> =>
  runLoadgen(loadgen, generatorPlacement, {
    mode: 'keepalive',
    port: gatewayPort,
    tls: { version: '1.3', certFile, keyFile },
    connections,
    seconds: runSeconds,
    warmupSeconds: 1,
    path,
    ...(header === undefined ? {} : { header }),
  });
interface Figure {
  readonly perSecond: number;
  readonly cpuUsPerRequest: number;
}
async function measure(path: string, token: string | undefined): Promise<Figure> {
  const cpuBefore = groupCpuSeconds(upPgid);
  const result = await keepalive(path, token === undefined ? undefined : `Authorization: Bearer ${token}`, seconds);
  const cpu = groupCpuSeconds(upPgid) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0 || result.ok === 0)
    throw new Error(`${path}: ${result.non2xx} non-2xx answers, ${result.errors} errors (${result.firstError})`);
  // The warm-up second is in the CPU but not in the count: counted at the measured rate.
  return { perSecond: result.perSecond, cpuUsPerRequest: (cpu * 1e6) / (result.ok + result.perSecond) };
}

const warmToken = await issueToken();
await keepalive('/plain/', undefined, Number(options['server-warmup']));
await keepalive('/bound/', `Authorization: Bearer ${warmToken}`, Number(options['server-warmup']));
const plain: Figure[] = [];
const carried: Figure[] = [];
const bound: Figure[] = [];
for (let round = 0; round < rounds; round++) {
  const token = await issueToken();
  const runs = [
    async () => plain.push(await measure('/plain/', undefined)),
    async () => carried.push(await measure('/plain/', token)),
    async () => bound.push(await measure('/bound/', token)),
  ];
  // Rounds alternate the order, so no figure always runs first or last.
  for (const run of round % 2 === 0 ? runs : runs.reverse()) await run();
}
// --- 3. the check's parts alone, in this process: what each request pays, and what a new token pays once ---------
const jwks = await (await pool.request({ method: 'GET', path: '/.well-known/jwks.json' })).body.json();
const keys = importVerificationKeys(jwks)!;
const sample = await issueToken();
const claims = decodeJwt(sample) as unknown as AccessTokenClaims;
const thumbprint = certificateThumbprint(parseCertificate(parsePemBlocks(readFileSync(certFile, 'utf8'))[0]!.der).der);
const expectations = {
  issuer,
  audience: AUDIENCE,
  scopes: ['read'],
  certificateThumbprint: thumbprint,
  requireBinding: true,
  leewaySeconds: 30,
};
const claimNs: number[] = [];
const verifyUs: number[] = [];
for (let round = 0; round < rounds; round++) {
  const calls = 1_000_000;
  const started = performance.now();
  for (let i = 0; i < calls; i++)
    if (!checkAccessTokenClaims(claims, expectations, new Date()).ok) throw new Error('the sample token fails its checks');
  claimNs.push(((performance.now() - started) * 1e6) / calls);
  const verifies = 2000;
  const began = performance.now();
  for (let i = 0; i < verifies; i++)
    if (!(await verifyAccessTokenSignature(sample, keys, ['ES256'])).ok) throw new Error('the sample token does not verify');
  verifyUs.push(((performance.now() - began) * 1000) / verifies);
}
await pool.close();
await stopGracefully(up, 10_000);
await stopGracefully(upstream, 5_000);

const rate = (values: readonly number[]): string => spread(values, '/s');
console.log(
  `Certificate-bound tokens (RFC 8705): ${rounds} rounds of ${seconds}s; symbolon up on core 0, load on core 1 (nice ${niceness})`,
);
console.log(`  1. token endpoint, tokens issued       ${rate(issued)}`);
console.log(`     (client_credentials, tls_client_auth over ${inFlight} keep-alive mTLS connections, ES256, one audit entry each)`);
console.log(`     server CPU per token                ${spread(issuedCpuMs, 'ms', 2)}`);
console.log(`     jose ES256 JWT signing alone        ${rate(signed)}  (this process, the floor of an issuer's cost)`);
console.log(`  2. gateway, keep-alive HTTP/1.1 requests over ${connections} connections (TLS 1.3, client certificate):`);
const perSecond = (figures: readonly Figure[]): number[] => figures.map((figure) => figure.perSecond);
const cpu = (figures: readonly Figure[]): number[] => figures.map((figure) => figure.cpuUsPerRequest);
const ratio = (a: readonly Figure[], b: readonly Figure[], of: (figures: readonly Figure[]) => number[]): number =>
  median(of(a)) / median(of(b));
console.log(`     route without a token                ${rate(perSecond(plain))}`);
console.log(`     same route, token sent, not checked  ${rate(perSecond(carried))}  (the same bytes relayed as below)`);
console.log(`     same route with token: bound         ${rate(perSecond(bound))}`);
console.log(`     gateway CPU per request, no token    ${spread(cpu(plain), 'µs', 1)}`);
console.log(`     gateway CPU per request, not checked ${spread(cpu(carried), 'µs', 1)}`);
console.log(`     gateway CPU per request, bound       ${spread(cpu(bound), 'µs', 1)}`);
console.log(`     bound / without a token, requests/s  ${ratio(bound, plain, perSecond).toFixed(3)}`);
console.log(`     CPU cost of the bound route over the route without a token: ${((ratio(bound, plain, cpu) - 1) * 100).toFixed(1)}%`);
console.log(
  `     CPU cost of the check alone (same bytes relayed):           ${((ratio(bound, carried, cpu) - 1) * 100).toFixed(1)}%   goal: under 10%`,
);
console.log(`  3. the check's parts alone (this process, core 1):`);
console.log(`     claims and binding, every request    ${spread(claimNs, 'ns', 0)}`);
console.log(`     signature (ES256, jose), once a token ${spread(verifyUs, 'µs', 1)}`);
