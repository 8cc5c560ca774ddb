/**
 * OCSP responses per second, each server one process (or as said), driven by the same keep-alive
 * load generator with the same requests (POST), in the same run, rounds alternating the order of
 * the servers, min/median/max over the rounds. Two workloads:
 *   - cached: the same `certificates` requests (RFC 5019 style: no nonce) over and over. Symbolon
 *     answers them from its cache of pre-signed answers keyed by request bytes: what users get.
 *   - signed: every request carries a fresh 32-octet nonce (RFC 8954), so every answer is signed
 *     when asked: Symbolon's cache-miss path.
 * The servers:
 *   - `symbolon up` (from dist/, as `npx symbolon` runs it);
 *   - `openssl ocsp -port` with an index file of the same certificates (it signs every answer);
 *   - `openssl ocsp -port -multi 2` (two forked responders: two processes);
 *   - a pre-signing peer (cached workload only): bench/ocsp/presigned-responder.go, Go's net/http
 *     on one core (GOMAXPROCS=1) answering from a map of request bytes to responses pre-signed by
 *     `openssl ocsp -reqin ... -respout`, the design of Symbolon's cache in another stack. It
 *     needs Go (Debian: apt-get install golang-go); without it the bench says so and goes on.
 *   - a Node socket server that answers every read with a fixed OCSP response and does nothing
 *     else (cached workload only): the ceiling of any Node responder here.
 * The generator is `wrk` (Debian: apt-get install wrk; a Lua script posts the requests round-robin
 * and makes the nonces) when installed, else a Node generator in this process; the output says
 * which. Either way each request of the workload is first sent once to each server and its answer
 * parsed (status counted, nonce echo checked), to show what the load is made of.
 *
 *   node --import tsx bench/ocsp.ts [seconds=5] [concurrency=32] [certificates=200] [rounds=3] [wrk|node]
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority, revokeCertificate } from '../src/ca/index.js';
import { decodeDer } from '../src/asn1/index.js';
import { exportPrivateKeyPem, generateKeyPair, importPrivateKey, readKeyFile } from '../src/keys/index.js';
import { buildOcspRequest, certIdFor, parseCertificate, parseOcspResponse, parsePublicKeyInfo, toPem } from '../src/x509/index.js';
import { BENCH_PASSPHRASE, openBenchCa } from './bench-ca.js';
import { buildCli, shebangFlags } from './built-cli.js';
import { median, spread } from './rate.js';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 32);
const count = Number(process.argv[4] ?? 200);
const rounds = Number(process.argv[5] ?? 3);
const wanted = process.argv[6] ?? 'wrk';
const wrkThreads = 2;
const NONCE_OCTETS = 32;
const PASS = BENCH_PASSPHRASE;
const work = mkdtempSync(join(tmpdir(), 'symbolon-bench-ocsp-'));
const children: ChildProcess[] = [];
/** Kills each started server, and its process group where it made one (openssl -multi does, for its forks). */
function stopAll(): void {
  for (const child of children) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // No group of its own, or already gone.
    }
    child.kill('SIGKILL');
  }
}
process.on('exit', () => {
  stopAll();
  rmSync(work, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** OpenSSL's ca index time: YYMMDDHHMMSSZ. */
function indexTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

async function setUp() {
  const dir = join(work, 'data');
  const { dataDir, issuer } = await openBenchCa(dir, 'http://127.0.0.1:1');
  const ca = createCertificateAuthority({
    store: dataDir.store,
    config: dataDir.config,
    issuer,
    clock: () => new Date(),
    random: randomBytes,
  });
  const keys = await generateKeyPair('p256');
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const publicKey = parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED');
  const index: string[] = [];
  const requests: Buffer[] = [];
  /** Each certificate's request with a nonce, less the nonce's octets (the last ones): the generator appends fresh ones. */
  const noncePrefixes: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const issued = await ca.issue(
      { subject: [[{ type: '2.5.4.3', value: `bench-${i}` }]], subjectAltNames: [], publicKey, spki },
      { profile: 'client', actor: 'bench' },
    );
    const record = issued.record;
    let line = `V\t${indexTime(record.notAfter)}\t\t${record.serial.toUpperCase()}\tunknown\t/CN=bench-${i}`;
    if (i % 10 === 0) {
      const revocation = await revokeCertificate(dataDir.store, { issuerId: record.issuerId, serial: record.serial }, 'keyCompromise', {
        actor: 'bench',
        now: new Date(),
      });
      line = `R\t${indexTime(record.notAfter)}\t${indexTime(revocation.revokedAt)},keyCompromise\t${record.serial.toUpperCase()}\tunknown\t/CN=bench-${i}`;
    }
    index.push(line);
    const certId = certIdFor(parseCertificate(issued.der), issuer.certificate);
    requests.push(buildOcspRequest({ certIds: [certId] }));
    noncePrefixes.push(buildOcspRequest({ certIds: [certId], nonce: Buffer.alloc(NONCE_OCTETS) }).subarray(0, -NONCE_OCTETS));
  }
  writeFileSync(join(work, 'index.txt'), index.join('\n') + '\n');
  writeFileSync(join(work, 'ca.pem'), toPem('CERTIFICATE', issuer.certificate.der));
  // OpenSSL's responder signs with the intermediate's key itself (decrypted for it).
  writeFileSync(
    join(work, 'ca.key'),
    await exportPrivateKeyPem(await importPrivateKey(await readKeyFile(dataDir.paths.issuerKey(issuer.id)), { passphrase: PASS })),
    { mode: 0o600 },
  );
  writeFileSync(join(work, 'pass'), PASS + '\n', { mode: 0o600 });
  await dataDir.close();
  return { dir, requests, noncePrefixes };
}

/** Resolves with the first match of `pattern` in the child's output; the output is drained from then on. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in time: ${text}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match !== null) {
        clearTimeout(timer);
        text = '';
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        // OpenSSL's responder logs each request and blocks once its pipe is full: keep draining.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ${pattern}: ${text}`)));
  });
}

/** What the generator sends: request `i`, round-robin over `size`; `isNonce` appends a fresh nonce to each. */
interface Workload {
  readonly name: 'cached' | 'signed';
  readonly bodies: readonly Buffer[];
  readonly isNonce: boolean;
}
const bodyOf = (workload: Workload, i: number): Buffer => {
  const base = workload.bodies[i % workload.bodies.length]!;
  return workload.isNonce ? Buffer.concat([base, randomBytes(NONCE_OCTETS)]) : base;
};

interface RunResult {
  readonly perSecond: number;
  readonly errors: number;
}

function post(url: URL, body: Buffer, agent: Agent | false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/ocsp-request', 'content-length': body.length };
    if (agent === false) headers['connection'] = 'close';
    const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts the workload round-robin for `seconds` over `concurrency` keep-alive connections. */
async function load(url: URL, workload: Workload): Promise<RunResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const end = Date.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        try {
          await post(url, bodyOf(workload, next++), agent);
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  agent.destroy();
  return { perSecond: done / ((Date.now() - started) / 1000), errors };
}

function hasCommand(command: string, args: readonly string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).error === undefined;
}

// wrk runs this in each thread: it reads the request bodies once, then posts them round-robin,
// appending a fresh nonce to each when the workload says so. wrk first checks the URL's address
// with a connection it closes unused, and `openssl ocsp -port` (3.0) blocks for good on such a
// connection. So the URL names a sink that takes that probe, and setup() points every thread at
// the server under test (the same for every server).
const WRK_SCRIPT = `
local seeds = 0
setup = function(thread)
  thread.addr = wrk.lookup(os.getenv("BENCH_TARGET_HOST"), os.getenv("BENCH_TARGET_PORT"))[1]
  seeds = seeds + 1
  thread:set("seed", seeds)
end
local bodies = {}
local next = 0
local nonce = false
init = function(args)
  local n = tonumber(args[1])
  nonce = args[3] == "nonce"
  math.randomseed(os.time() * 100 + seed)
  for k = 0, n - 1 do
    local file = assert(io.open(args[2] .. "/body-" .. k .. ".der", "rb"))
    bodies[#bodies + 1] = file:read("*all")
    file:close()
  end
  next = math.random(n) - 1
end
request = function()
  next = next % #bodies + 1
  local body = bodies[next]
  if nonce then
    local octets = {}
    for k = 1, ${NONCE_OCTETS} do octets[k] = string.char(math.random(0, 255)) end
    body = body .. table.concat(octets)
  end
  return wrk.format("POST", nil, { ["Content-Type"] = "application/ocsp-request" }, body)
end
`;

/** Drives `url` with wrk for `seconds` over `concurrency` connections. */
async function loadWithWrk(url: URL, workload: Workload, sinkPort: number): Promise<RunResult> {
  const bodies = join(work, `bodies-${workload.name}`);
  const probeUrl = new URL(url.href);
  probeUrl.port = String(sinkPort);
  // Run asynchronously: this process must keep draining the servers' output pipes meanwhile.
  const wrk = spawn(
    'wrk',
    [
      `-t${wrkThreads}`,
      `-c${concurrency}`,
      `-d${seconds}s`,
      '-s',
      join(work, 'ocsp.lua'),
      probeUrl.href,
      '--',
      String(workload.bodies.length),
      bodies,
      workload.isNonce ? 'nonce' : 'fixed',
    ],
    {
      env: { ...process.env, BENCH_TARGET_HOST: url.hostname, BENCH_TARGET_PORT: url.port },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  wrk.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  wrk.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => wrk.on('close', resolve));
  const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  if (status !== 0 || !Number.isFinite(perSecond)) throw new Error(`wrk failed: ${text}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  if (perSecond === 0) console.error(`wrk got no answer from ${url.href} (${workload.name}):\n${text.trimEnd().replace(/^/gm, '  | ')}`);
  return { perSecond, errors: non2xx + socketErrors };
}

/**
 * Sends each request of the workload once and counts the answers by status, and the nonces
 * echoed: what the load is made of. One connection per request, closed after it: OpenSSL's
 * responder serves one connection at a time, and an idle keep-alive connection left open here
 * would stall it under wrk.
 */
async function checkRound(url: URL, workload: Workload): Promise<string> {
  const statuses: Record<string, number> = {};
  let echoed = 0;
  for (let i = 0; i < workload.bodies.length; i++) {
    const body = bodyOf(workload, i);
    const answer = parseOcspResponse(await post(url, body, false));
    const status = answer.basic?.responses[0]?.certStatus.status ?? answer.status;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (workload.isNonce && answer.basic?.nonce?.equals(body.subarray(-NONCE_OCTETS)) === true) echoed++;
  }
  return JSON.stringify(statuses) + (workload.isNonce ? ` nonce echoed ${echoed}/${workload.bodies.length}` : '');
}

const useWrk = wanted === 'wrk' && hasCommand('wrk', ['-v']);
const generator = useWrk
  ? `wrk (${wrkThreads} threads, Lua POST script)`
  : `Node keep-alive generator in the bench process${wanted === 'wrk' ? ' (wrk is not installed: apt-get install wrk)' : ''}`;
/** Takes wrk's address probe (and nothing else): connections are closed at once. */
const sink = createServer((socket) => socket.destroy());
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkAddress = sink.address();
const sinkPort = typeof sinkAddress === 'object' && sinkAddress !== null ? sinkAddress.port : 0;
function drive(url: URL, workload: Workload): Promise<RunResult> {
  return useWrk ? loadWithWrk(url, workload, sinkPort) : load(url, workload);
}

const loadAtStart = loadavg();
const { dir, requests, noncePrefixes } = await setUp();
const workloads: readonly Workload[] = [
  { name: 'cached', bodies: requests, isNonce: false },
  { name: 'signed', bodies: noncePrefixes, isNonce: true },
];
writeFileSync(join(work, 'ocsp.lua'), WRK_SCRIPT);
for (const workload of workloads) {
  const bodies = join(work, `bodies-${workload.name}`);
  mkdirSync(bodies);
  workload.bodies.forEach((body, i) => writeFileSync(join(bodies, `body-${i}.der`), body));
}

interface Server {
  readonly name: string;
  readonly workloads: readonly Workload['name'][];
  /** The server's URL, for one check or one run; OpenSSL's responders are started afresh for each. */
  open(): Promise<URL>;
  close(): Promise<void>;
}
/** A server that runs for the whole bench. */
const running = (name: string, url: URL, workloads: Server['workloads']): Server => ({
  name,
  workloads,
  open: () => Promise.resolve(url),
  close: () => Promise.resolve(),
});
const servers: Server[] = [];
/**
 * Starts a server. Not detached: `openssl ocsp -multi` makes a process group of its own and fails
 * when it is a session leader; stopAll kills that group.
 */
function start(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

// `symbolon up` runs as users run it (bench/built-cli.ts).
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const buildProblem = buildCli(repoRoot);
if (buildProblem !== undefined) throw new Error(buildProblem);
const ours = start(
  process.execPath,
  [
    ...shebangFlags(repoRoot),
    'dist/cli/main.js',
    'up',
    '--dir',
    dir,
    '--listen',
    '127.0.0.1:0',
    '--no-tls',
    '--passphrase-file',
    join(work, 'pass'),
  ],
  { cwd: repoRoot },
);
const [, oursUrl] = await waitForLine(ours, /OCSP: (http:\S+)/);
servers.push(running('symbolon up', new URL(oursUrl!), ['cached', 'signed']));

const opensslArgs = [
  'ocsp',
  '-index',
  join(work, 'index.txt'),
  '-rsigner',
  join(work, 'ca.pem'),
  '-rkey',
  join(work, 'ca.key'),
  '-CA',
  join(work, 'ca.pem'),
  '-nmin',
  '60',
];
// `openssl ocsp -port` (3.0) stops answering after a load generator has left its connections:
// each check and each run gets a new responder process (started before the timing).
for (const multi of [undefined, 2]) {
  let current: ChildProcess | undefined;
  servers.push({
    name: multi === undefined ? 'openssl ocsp -port' : `openssl ocsp -multi ${multi}`,
    workloads: ['cached', 'signed'],
    async open() {
      const port = await freePort();
      current = start('openssl', [
        ...opensslArgs,
        '-port',
        String(port),
        '-ignore_err',
        ...(multi === undefined ? [] : ['-multi', String(multi)]),
      ]);
      // One responder says it waits; with -multi the parent says where it accepts.
      await waitForLine(current, /waiting for OCSP client connections|ACCEPT /i);
      return new URL(`http://127.0.0.1:${port}/`);
    },
    async close() {
      const child = current;
      if (child === undefined) return;
      current = undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Not a group of its own (one responder).
      }
      child.kill('SIGKILL');
      await exited;
      children.splice(children.indexOf(child), 1);
    },
  });
}

// The pre-signing peer: every answer of the cached workload signed once by OpenSSL, served by Go.
let presignedNote = '';
if (hasCommand('go', ['version'])) {
  const presignDir = join(work, 'presigned');
  mkdirSync(presignDir);
  requests.forEach((body, i) => {
    writeFileSync(join(presignDir, `req-${i}.der`), body);
    const signed = spawnSync(
      'openssl',
      [...opensslArgs, '-reqin', join(presignDir, `req-${i}.der`), '-respout', join(presignDir, `resp-${i}.der`)],
      { encoding: 'utf8' },
    );
    if (signed.status !== 0) throw new Error(`openssl ocsp -reqin failed: ${signed.stderr}`);
  });
  const goEnv = {
    ...process.env,
    HOME: work,
    GOCACHE: join(work, 'go-cache'),
    GOPATH: join(work, 'go-path'),
    GO111MODULE: 'off',
    GOFLAGS: '',
  };
  const binary = join(work, 'presigned-responder');
  const built = spawnSync('go', ['build', '-o', binary, fileURLToPath(new URL('ocsp/presigned-responder.go', import.meta.url))], {
    env: goEnv,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (built.status !== 0) throw new Error(`go build failed: ${built.stderr}`);
  const presigned = start(binary, [presignDir, String(requests.length)], { env: { ...goEnv, GOMAXPROCS: '1' } });
  const [, port] = await waitForLine(presigned, /presigned listening on (\d+)/);
  servers.push(running('pre-signed, Go 1 core', new URL(`http://127.0.0.1:${port}/`), ['cached']));
} else {
  presignedNote = 'the pre-signing peer needs Go (apt-get install golang-go): not measured';
  console.error(`bench/ocsp.ts: ${presignedNote}`);
}

// The ceiling of any responder written for Node here: a process that parses nothing and answers
// every read with the same 200 and an OCSP response's worth of bytes (a real one, so the first
// round parses). Under wrk each read is one request.
const sampleAnswer = await post(new URL(oursUrl!), requests[0]!, false);
const floorScript = `
const answer = Buffer.from(process.argv[1], 'base64');
const reply = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-type: application/ocsp-response\\r\\ncontent-length: ' + answer.length + '\\r\\n\\r\\n'), answer]);
const server = require('node:net').createServer((socket) => { socket.on('data', () => socket.write(reply)); socket.on('error', () => {}); });
server.listen(0, '127.0.0.1', () => console.log('floor listening on ' + server.address().port));
`;
const floor = start(process.execPath, [...shebangFlags(repoRoot), '-e', floorScript, sampleAnswer.toString('base64')]);
const [, floorPort] = await waitForLine(floor, /floor listening on (\d+)/);
servers.push(running('Node floor (no work)', new URL(`http://127.0.0.1:${floorPort}/`), ['cached']));

console.log(
  `OCSP responders, ${count} certificates (1 in 10 revoked), ${concurrency} keep-alive connections, ${seconds} s per run, ${rounds} rounds alternating the order of the servers`,
);
console.log(`load generator: ${generator}; load average at start ${loadAtStart.map((n) => n.toFixed(2)).join(' ')}`);
console.log('what each server answers (each request of the workload once):');
for (const workload of workloads) {
  for (const server of servers.filter((s) => s.workloads.includes(workload.name))) {
    const answers = server.name.startsWith('Node floor')
      ? '(the same answer to everything)'
      : await checkRound(await server.open(), workload);
    await server.close();
    console.log(`  ${workload.name.padEnd(6)} ${server.name.padEnd(24)} ${answers}`);
  }
}

const results = new Map<string, RunResult[]>();
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? servers : [...servers].reverse();
  for (const workload of workloads) {
    for (const server of order.filter((s) => s.workloads.includes(workload.name))) {
      const key = `${workload.name}\u0000${server.name}`;
      const list = results.get(key) ?? [];
      list.push(await drive(await server.open(), workload));
      await server.close();
      results.set(key, list);
    }
  }
}
stopAll();

const rates = (workload: string, server: string): number[] => (results.get(`${workload}\u0000${server}`) ?? []).map((r) => r.perSecond);
for (const workload of workloads) {
  console.log(
    workload.name === 'cached'
      ? `\ncached: the same ${count} requests (no nonce), round-robin; symbolon answers from its cache of pre-signed answers`
      : `\nsigned: every request with a fresh ${NONCE_OCTETS}-octet nonce: every answer signed when asked (symbolon's cache miss)`,
  );
  for (const server of servers.filter((s) => s.workloads.includes(workload.name))) {
    const list = results.get(`${workload.name}\u0000${server.name}`)!;
    console.log(
      `  ${server.name.padEnd(24)} ${spread(rates(workload.name, server.name), 'responses/s')}   errors ${list.reduce((sum, r) => sum + r.errors, 0)}`,
    );
  }
  const ours = median(rates(workload.name, 'symbolon up'));
  const ratios = servers
    .filter((s) => s.name !== 'symbolon up' && s.workloads.includes(workload.name))
    .map((s) => `${s.name} ${(ours / median(rates(workload.name, s.name))).toFixed(2)}`)
    .join(', ');
  console.log(`  symbolon / peer (medians): ${ratios}`);
}
if (presignedNote !== '') console.log(`\n${presignedNote}`);
console.log(
  `\nload average at end ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
process.exit(0);
