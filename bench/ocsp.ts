/**
 * OCSP responses per second: Symbolon's responder (`symbolon up`, from dist/ as `npx symbolon`
 * runs it) beside `openssl ocsp -port` with an index file of the same certificates, one process
 * each, driven by the same keep-alive load generator with the same requests (RFC 5019 style: no
 * nonce, POST). The generator is `wrk` (with a Lua script that posts the requests round-robin)
 * when it is installed, else a Node generator in this process; the output says which. Either way
 * one round of requests is first sent to each server and its answers parsed and counted, to check
 * what the load is made of. A third process, a Node socket server that answers every read with a
 * fixed OCSP response and does nothing else, gives the ceiling of any Node responder here.
 *
 *   node --import tsx bench/ocsp.ts [seconds=5] [concurrency=32] [certificates=200] [wrk|node]
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority, revokeCertificate } from '../src/ca/index.js';
import { decodeDer } from '../src/asn1/index.js';
import { exportPrivateKeyPem, generateKeyPair } from '../src/keys/index.js';
import { buildOcspRequest, certIdFor, parseCertificate, parseOcspResponse, parsePublicKeyInfo, toPem } from '../src/x509/index.js';
import { BENCH_PASSPHRASE, openBenchCa } from './bench-ca.js';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 32);
const count = Number(process.argv[4] ?? 200);
const wanted = process.argv[5] ?? 'wrk';
const wrkThreads = 2;
const PASS = BENCH_PASSPHRASE;
const work = mkdtempSync(join(tmpdir(), 'symbolon-bench-ocsp-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
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
  const ca = createCertificateAuthority({ store: dataDir.store, config: dataDir.config, issuer, clock: () => new Date(), random: randomBytes });
  const keys = await generateKeyPair('p256');
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const publicKey = parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED');
  const index: string[] = [];
  const requests: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const issued = await ca.issue({ subject: [[{ type: '2.5.4.3', value: `bench-${i}` }]], subjectAltNames: [], publicKey, spki }, { profile: 'client', actor: 'bench' });
    const record = issued.record;
    let line = `V\t${indexTime(record.notAfter)}\t\t${record.serial.toUpperCase()}\tunknown\t/CN=bench-${i}`;
    if (i % 10 === 0) {
      const revocation = await revokeCertificate(dataDir.store, { issuerId: record.issuerId, serial: record.serial }, 'keyCompromise', { actor: 'bench', now: new Date() });
      line = `R\t${indexTime(record.notAfter)}\t${indexTime(revocation.revokedAt)},keyCompromise\t${record.serial.toUpperCase()}\tunknown\t/CN=bench-${i}`;
    }
    index.push(line);
    requests.push(buildOcspRequest({ certIds: [certIdFor(parseCertificate(issued.der), issuer.certificate)] }));
  }
  writeFileSync(join(work, 'index.txt'), index.join('\n') + '\n');
  writeFileSync(join(work, 'ca.pem'), toPem('CERTIFICATE', issuer.certificate.der));
  // OpenSSL's responder signs with the intermediate's key itself (decrypted for it).
  const { importPrivateKey, readKeyFile } = await import('../src/keys/index.js');
  writeFileSync(join(work, 'ca.key'), await exportPrivateKeyPem(await importPrivateKey(await readKeyFile(dataDir.paths.issuerKey(issuer.id)), { passphrase: PASS })), { mode: 0o600 });
  writeFileSync(join(work, 'pass'), PASS + '\n', { mode: 0o600 });
  await dataDir.close();
  return { dir, requests };
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in time: ${text}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

/** Posts the requests round-robin for `seconds` over `concurrency` keep-alive connections. */
async function load(url: URL, requests: readonly Buffer[]): Promise<{ perSecond: number; errors: number; statuses: Record<string, number> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const end = Date.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  let next = 0;
  const statuses: Record<string, number> = {};
  const one = (body: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const index = next++ % requests.length;
        const isFirstRound = next <= requests.length;
        try {
          const body = await one(requests[index]!);
          // One round is parsed and counted: a check that costs the generator little.
          if (isFirstRound) {
            const answer = parseOcspResponse(body);
            const status = answer.basic?.responses[0]?.certStatus.status ?? answer.status;
            statuses[status] = (statuses[status] ?? 0) + 1;
          }
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  agent.destroy();
  return { perSecond: done / ((Date.now() - started) / 1000), errors, statuses };
}

/** Is `wrk` on the PATH? (`wrk -v` prints its version and exits 1.) */
function hasWrk(): boolean {
  return spawnSync('wrk', ['-v'], { encoding: 'utf8' }).error === undefined;
}

// wrk runs this in each thread: it reads the request bodies once, then posts them round-robin.
// wrk first checks the URL's address with a connection it closes unused, and \`openssl ocsp -port\`
// (3.0) blocks for good on such a connection. So the URL names a sink that takes that probe, and
// setup() points every thread at the server under test (the same for both servers).
const WRK_SCRIPT = `
setup = function(thread)
  thread.addr = wrk.lookup(os.getenv("BENCH_TARGET_HOST"), os.getenv("BENCH_TARGET_PORT"))[1]
end
local bodies = {}
local next = 0
init = function(args)
  local n = tonumber(args[1])
  for k = 0, n - 1 do
    local file = assert(io.open(args[2] .. "/body-" .. k .. ".der", "rb"))
    bodies[#bodies + 1] = file:read("*all")
    file:close()
  end
  next = math.random(n) - 1
end
request = function()
  next = next % #bodies + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/ocsp-request" }, bodies[next])
end
`;

/** Drives `url` with wrk for `seconds` over `concurrency` connections. */
async function loadWithWrk(url: URL, requests: readonly Buffer[], sinkPort: number): Promise<{ perSecond: number; errors: number; statuses: Record<string, number> }> {
  const bodies = join(work, 'bodies');
  rmSync(bodies, { recursive: true, force: true });
  mkdirSync(bodies);
  requests.forEach((body, i) => writeFileSync(join(bodies, `body-${i}.der`), body));
  writeFileSync(join(work, 'ocsp.lua'), WRK_SCRIPT);
  const probeUrl = new URL(url.href);
  probeUrl.port = String(sinkPort);
  // Run asynchronously: this process must keep draining the servers' output pipes meanwhile
  // (OpenSSL's responder logs each request and blocks once its stderr pipe is full).
  const wrk = spawn('wrk', [`-t${wrkThreads}`, `-c${concurrency}`, `-d${seconds}s`, '-s', join(work, 'ocsp.lua'), probeUrl.href, '--', String(requests.length), bodies], {
    env: { ...process.env, BENCH_TARGET_HOST: url.hostname, BENCH_TARGET_PORT: url.port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  wrk.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  wrk.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const result = { status: await new Promise<number | null>((resolve) => wrk.on('close', resolve)) };
  const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  if (result.status !== 0 || !Number.isFinite(perSecond)) throw new Error(`wrk failed: ${text}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  console.log(`wrk against ${url.href}:\n${text.trimEnd().replace(/^/gm, '  | ')}`);
  return { perSecond, errors: non2xx + socketErrors, statuses: {} };
}

/**
 * Sends every request once and counts the answers by status: what the load is made of. One
 * connection per request, closed after it: OpenSSL's responder serves one connection at a time,
 * and an idle keep-alive connection left open here would stall it under wrk.
 */
async function checkRound(url: URL, requests: readonly Buffer[]): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  for (const body of requests) {
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const req = request(
        { agent: false, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length, connection: 'close' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const answer = parseOcspResponse(bytes);
    const status = answer.basic?.responses[0]?.certStatus.status ?? answer.status;
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  return statuses;
}

const useWrk = wanted === 'wrk' && hasWrk();
const generator = useWrk ? `wrk (${wrkThreads} threads, Lua POST script)` : `Node keep-alive generator in the bench process${wanted === 'wrk' ? ' (wrk is not installed)' : ''}`;
/** Takes wrk's address probe (and nothing else): connections are closed at once. */
const sink = createServer((socket) => socket.destroy());
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkAddress = sink.address();
const sinkPort = typeof sinkAddress === 'object' && sinkAddress !== null ? sinkAddress.port : 0;
async function drive(url: URL, requests: readonly Buffer[]): Promise<{ perSecond: number; errors: number; statuses: Record<string, number> }> {
  if (!useWrk) return load(url, requests);
  const statuses = await checkRound(url, requests);
  return { ...(await loadWithWrk(url, requests, sinkPort)), statuses };
}

const { dir, requests } = await setUp();

// `symbolon up` runs as users run it: the compiled dist/ (built here from the current sources) with
// the node flags of the bin's shebang, not through tsx, whose transform adds work to every closure.
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
if (build.status !== 0) throw new Error(`building dist/ failed: ${build.stderr}${build.stdout}`);
const shebangFlags = (/^#!.*\bnode\b(.*)$/.exec(readFileSync(join(repoRoot, 'dist/cli/main.js'), 'utf8').split('\n')[0] ?? '')?.[1] ?? '').trim().split(/\s+/).filter((flag) => flag !== '');
const ours = spawn(process.execPath, [...shebangFlags, 'dist/cli/main.js', 'up', '--dir', dir, '--listen', '127.0.0.1:0', '--no-tls', '--passphrase-file', join(work, 'pass')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
children.push(ours);
const [, oursUrl] = await waitForLine(ours, /OCSP: (http:\S+)/);
const oursResult = await drive(new URL(oursUrl!), requests);

// The ceiling of any responder written for Node here: a process that parses nothing and answers
// every read with the same 200 and an OCSP response's worth of bytes (a real one, so the first
// round parses). Under wrk each read is one request.
const sampleAnswer = await new Promise<Buffer>((resolve, reject) => {
  const url = new URL(oursUrl!);
  const req = request({ agent: false, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/ocsp-request', 'content-length': requests[0]!.length } }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks)));
  });
  req.on('error', reject);
  req.end(requests[0]);
}).catch(() => Buffer.alloc(0));
const floorScript = `
const answer = Buffer.from(process.argv[1], 'base64');
const reply = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-type: application/ocsp-response\\r\\ncontent-length: ' + answer.length + '\\r\\n\\r\\n'), answer]);
const server = require('node:net').createServer((socket) => { socket.on('data', () => socket.write(reply)); socket.on('error', () => {}); });
server.listen(0, '127.0.0.1', () => console.log('floor listening on ' + server.address().port));
`;
const floor = sampleAnswer.length === 0 ? undefined : spawn(process.execPath, [...shebangFlags, '-e', floorScript, sampleAnswer.toString('base64')], { stdio: ['ignore', 'pipe', 'pipe'] });
let floorResult: Awaited<ReturnType<typeof drive>> | undefined;
if (floor !== undefined) {
  children.push(floor);
  const [, floorPort] = await waitForLine(floor, /floor listening on (\d+)/);
  floorResult = await drive(new URL(`http://127.0.0.1:${floorPort}/`), requests);
  floor.kill('SIGTERM');
}
ours.kill('SIGTERM');

const port = await freePort();
const openssl = spawn('openssl', ['ocsp', '-index', join(work, 'index.txt'), '-port', String(port), '-rsigner', join(work, 'ca.pem'), '-rkey', join(work, 'ca.key'), '-CA', join(work, 'ca.pem'), '-nmin', '60', '-ignore_err'], { stdio: ['ignore', 'pipe', 'pipe'] });
children.push(openssl);
await waitForLine(openssl, /waiting for OCSP client connections/i);
const opensslResult = await drive(new URL(`http://127.0.0.1:${port}/`), requests);
openssl.kill('SIGTERM');

const row = (name: string, result: typeof oursResult) => `${name.padEnd(22)} ${result.perSecond.toFixed(0).padStart(9)} responses/s   errors ${result.errors}   first round: ${JSON.stringify(result.statuses)}`;
console.log(`OCSP responder, ${count} certificates (1 in 10 revoked), ${concurrency} keep-alive connections, ${seconds} s each, one process each`);
console.log(`load generator: ${generator}`);
console.log(row('symbolon up', oursResult));
console.log(row('openssl ocsp -port', opensslResult));
console.log(`ratio: ${(oursResult.perSecond / opensslResult.perSecond).toFixed(1)}x`);
if (floorResult !== undefined) {
  console.log(row('Node floor (no work)', floorResult));
  console.log(`the floor is ${(floorResult.perSecond / opensslResult.perSecond).toFixed(1)}x openssl here: no responder in Node, doing any work, can exceed it in this set-up; symbolon is at ${((100 * oursResult.perSecond) / floorResult.perSecond).toFixed(0)}% of it`);
}
process.exit(0);
