/**
 * `symbolon tunnel client` against a direct mTLS connection, in the same run: a 64 KiB transfer
 * (written, then echoed back by an mTLS echo server in its own process) repeated over one
 * connection. Direct: this process speaks TLS to the echo server with the client certificate.
 * Tunnel: this process speaks plaintext to `symbolon tunnel client` (its own process, reading an
 * agent's credential directory; run as users run it, bench/built-cli.ts), which carries it over mTLS
 * to the same echo server. Figures:
 * throughput (MiB/s each way, 8 transfers in flight) and the time of one 64 KiB round trip alone
 * (median per round);
 * rounds rotate direct, tunnel and the peer, a plain Node TCP relay (bench/tunnel/tcp-relay.ts: the
 * cost of any extra hop, with no TLS of its own); min/median/max over rounds, then the ratios to
 * direct (goal: tunnel throughput at least 0.8 of direct) and the added latency.
 * Run: `node --import tsx bench/tunnel.ts [seconds-per-round] [rounds]`.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as tlsConnect } from 'node:tls';
import { writeCredentialDir } from '../src/client/index.js';
import { parseCertificate, parsePem } from '../src/x509/index.js';
import { buildCli, shebangFlags } from './built-cli.js';
import { median, spread } from './rate.js';

const secondsPerRound = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 5);
const TRANSFER_BYTES = 64 * 1024;
/** Transfers in flight for the throughput figure. */
const WINDOW = 8;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TSX = import.meta.resolve('tsx');

const dir = mkdtempSync(join(tmpdir(), 'symbolon-bench-tunnel-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function openssl(args: readonly string[]): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

/** A CA, a server certificate for localhost and a client certificate, made by OpenSSL. */
function makePki(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=Bench CA',
    '-days',
    '1',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  for (const [name, extensions] of [
    ['server', 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl(['req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    spawnSync('sh', ['-c', `printf '${extensions}\\n' > ${name}.ext`], { cwd: dir });
    openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    ]);
  }
}

/** Starts `node NODE_ARGS` in the repository; resolves with the match of `ready` in what it prints. */
function startProcess(nodeArgs: readonly string[], ready: RegExp): Promise<RegExpExecArray & { pid: number }> {
  const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match !== null) resolve(Object.assign(match, { pid: child.pid! }));
    });
    child.on('close', (code) => reject(new Error(`${nodeArgs.join(' ')} exited ${code}: ${output}`)));
  });
}

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU milliseconds (user and system) a process has used so far: this one, or a child by pid (Linux /proc). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  }
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * 64 KiB transfers over `socket` for `seconds`, `window` of them in flight (1: one round trip at a
 * time): MiB per second each way, and the median time from a transfer's write to its last echoed byte.
 */
async function transfers(
  socket: Socket,
  seconds: number,
  window: number,
): Promise<{ mibPerSecond: number; mib: number; roundTripMs: number }> {
  const payload = Buffer.alloc(TRANSFER_BYTES, 0x61);
  const times: number[] = [];
  const started: number[] = [];
  let received = 0;
  let sent = 0;
  let done: (() => void) | undefined;
  socket.setNoDelay(true);
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const send = (): void => {
    started.push(performance.now());
    sent++;
    socket.write(payload);
  };
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    while (received >= TRANSFER_BYTES * (times.length + 1)) {
      times.push(performance.now() - started[times.length]!);
      if (performance.now() < deadline) send();
    }
    if (times.length === sent) done?.();
  });
  await new Promise<void>((resolve) => {
    done = resolve;
    for (let i = 0; i < window; i++) send();
  });
  const elapsed = (performance.now() - start) / 1000;
  socket.destroy();
  const mib = (times.length * TRANSFER_BYTES) / 1024 / 1024;
  return { mibPerSecond: mib / elapsed, mib, roundTripMs: median(times) };
}

function direct(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readFileSync(join(dir, 'ca.crt')),
      key: readFileSync(join(dir, 'client.key')),
      cert: readFileSync(join(dir, 'client.crt')),
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

function throughTunnel(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function main(): Promise<void> {
  const buildProblem = buildCli(ROOT);
  if (buildProblem !== undefined) throw new Error(buildProblem);
  makePki();
  const clientPem = readFileSync(join(dir, 'client.crt'), 'utf8');
  const credentials = join(dir, 'agent');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(credentials, { mode: 0o700 });
  await writeCredentialDir(credentials, {
    privateKey: createPrivateKey(readFileSync(join(dir, 'client.key'))),
    keyPem: readFileSync(join(dir, 'client.key'), 'utf8'),
    certificate: parseCertificate(parsePem(clientPem, 'CERTIFICATE')[0]!),
    chainPem: clientPem,
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    receivedAt: new Date(),
  });
  const echo = await startProcess(
    ['--import', TSX, 'bench/tunnel/echo-server.ts', join(dir, 'server.key'), join(dir, 'server.crt'), join(dir, 'ca.crt')],
    /port (\d+)/,
  );
  const echoPort = Number(echo[1]);
  const tunnel = await startProcess(
    [
      ...shebangFlags(ROOT),
      'dist/cli/main.js',
      'tunnel',
      'client',
      '--dir',
      credentials,
      '--listen',
      '127.0.0.1:0',
      '--connect',
      `127.0.0.1:${echoPort}`,
      '--server-name',
      'localhost',
    ],
    /tunnel: 127\.0\.0\.1:(\d+) ->/,
  );
  const tunnelPort = Number(tunnel[1]);
  const relay = await startProcess(['--import', TSX, 'bench/tunnel/tcp-relay.ts', String(echoPort)], /port (\d+)/);
  const relayPort = Number(relay[1]);

  console.log(
    `tunnel vs direct mTLS: ${TRANSFER_BYTES / 1024} KiB written and echoed back, repeated over one connection; ${rounds} rounds of ${secondsPerRound} s, the paths rotating; load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  // Warm-up, unmeasured: JIT and TLS session set-up on both paths.
  await transfers(await direct(echoPort), 1, WINDOW);
  await transfers(await throughTunnel(tunnelPort), 1, WINDOW);
  await transfers(await direct(relayPort), 1, WINDOW);
  type Path = 'direct' | 'tunnel' | 'relay';
  type Result = { mibPerSecond: number; mib: number; roundTripMs: number };
  /** CPU ms per MiB echoed, by process: this one (the application), the hop (tunnel or relay) and the echo server. */
  type Cpu = { application: number; hop: number; echo: number };
  const cpu: Record<Path, Cpu[]> = { direct: [], tunnel: [], relay: [] };
  const hopPid: Record<Path, number | undefined> = { direct: undefined, tunnel: tunnel.pid, relay: relay.pid };
  const streamed: Record<Path, Result[]> = { direct: [], tunnel: [], relay: [] };
  const oneAtATime: Record<Path, Result[]> = { direct: [], tunnel: [], relay: [] };
  const openers: Record<Path, () => Promise<Socket>> = {
    direct: () => direct(echoPort),
    tunnel: () => throughTunnel(tunnelPort),
    relay: () => direct(relayPort),
  };
  for (let round = 0; round < rounds; round++) {
    const paths: readonly Path[] = ['direct', 'tunnel', 'relay'];
    // Rotate the order each round, so no path always runs first or last.
    const order = paths.map((_, i) => paths[(i + round) % paths.length]!);
    for (const path of order) {
      const open = openers[path];
      const socket = await open();
      const hop = hopPid[path];
      const meters = [() => cpuMs(undefined), () => (hop === undefined ? 0 : cpuMs(hop)), () => cpuMs(echo.pid)];
      const before = meters.map((meter) => meter());
      const result = await transfers(socket, secondsPerRound, WINDOW);
      const [application, hopMs, echoMs] = meters.map((meter, i) => (meter() - before[i]!) / result.mib);
      streamed[path].push(result);
      cpu[path].push({ application: application!, hop: hopMs!, echo: echoMs! });
      oneAtATime[path].push(await transfers(await open(), secondsPerRound, 1));
    }
  }
  for (const path of ['direct', 'tunnel', 'relay'] as const) {
    console.log(
      `  ${path.padEnd(6)} throughput (${WINDOW} in flight): ${spread(
        streamed[path].map((r) => r.mibPerSecond),
        'MiB/s',
        1,
      )}`,
    );
    const of = (part: keyof Cpu): number => median(cpu[path].map((c) => c[part]));
    console.log(
      `  ${path.padEnd(6)} CPU per MiB echoed (medians): application ${of('application').toFixed(1)} ms, ${path === 'direct' ? 'no hop' : `${path} ${of('hop').toFixed(1)} ms`}, echo server ${of('echo').toFixed(1)} ms; all ${median(cpu[path].map((c) => c.application + c.hop + c.echo)).toFixed(1)} ms`,
    );
    console.log(
      `  ${path.padEnd(6)} one 64 KiB round trip (1 in flight): ${spread(
        oneAtATime[path].map((r) => r.roundTripMs),
        'ms',
        3,
      )}`,
    );
  }
  const ratio = median(streamed.tunnel.map((r) => r.mibPerSecond)) / median(streamed.direct.map((r) => r.mibPerSecond));
  const added = median(oneAtATime.tunnel.map((r) => r.roundTripMs)) - median(oneAtATime.direct.map((r) => r.roundTripMs));
  const relayRatio = median(streamed.relay.map((r) => r.mibPerSecond)) / median(streamed.direct.map((r) => r.mibPerSecond));
  const relayAdded = median(oneAtATime.relay.map((r) => r.roundTripMs)) - median(oneAtATime.direct.map((r) => r.roundTripMs));
  console.log(
    `  => throughput ratio tunnel/direct (medians): ${ratio.toFixed(2)} (goal >= 0.80); plain TCP relay/direct: ${relayRatio.toFixed(2)}`,
  );
  const all = (path: Path): number => median(cpu[path].map((c) => c.application + c.hop + c.echo));
  console.log(
    `  => CPU for the same bytes, direct/tunnel: ${(all('direct') / all('tunnel')).toFixed(2)} (the most the tunnel's throughput ratio can be while the cores are saturated); direct/relay: ${(all('direct') / all('relay')).toFixed(2)}`,
  );
  console.log(
    `  => added latency per 64 KiB round trip (medians): tunnel ${(added * 1000).toFixed(0)} us; plain TCP relay ${(relayAdded * 1000).toFixed(0)} us`,
  );
  process.exit(0);
}

await main();
