/**
 * Floods (issue 14, section 3): Symbolon's gateway with `maxConnections` 1,024 against 4,000 and
 * then 16,000 hostile connections of each kind (bench/flood/hostile.ts: idle, a slow ClientHello at
 * one byte a second, half a handshake, a full handshake without client certificate, each opened
 * again a second after the server closes it), while a good client makes a new connection with a
 * full mTLS handshake (no session resumption) and one request, five times a second, open loop
 * (latency counts from the scheduled time; 5 s without an answer is a failure). The same run
 * gives plain Node https the same work and limits (bench/flood/node-peer.ts: client certificates
 * required, `maxConnections` 1,024, 10 s handshake timeout, relaying to the same upstream).
 * Per server, kind and count: the share of good requests answered 200, their p50/p99, the
 * server's largest resident memory (VmRSS) during the flood, and for the gateway its drop
 * counters (symbolon_gateway_connection_drops_total), parked ClientHellos and refused handshakes. Goal per kind: at
 * least 99% answered, p99 under 1 s, memory bounded. With --rounds > 1, min/median/max over rounds.
 *
 *   node --import tsx bench/flood.ts [--counts 4000,16000] [--kinds idle,slow-hello,half,no-cert]
 *        [--servers symbolon,node] [--seconds 15] [--rate 5] [--max-connections 1024]
 *        [--reconnect-ms=1000] [--rounds 1]
 *
 * --reconnect-ms: how long a hostile connection the server closed waits before it is opened again
 * (-1: never, so the flood thins out as the server closes it).
 *
 * Everything talks to 127.0.0.1 only; every process is started here and killed at the end (and on
 * a time budget). The hostile process holds up to `count` sockets: the bench checks that the
 * file-descriptor limit (`ulimit -n`, which children inherit) allows it and says how to raise it.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, get as httpGet } from 'node:http';
import { connect as connectTcp, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeCertificates } from './gateway/certificates.js';

const { values: options } = parseArgs({
  options: {
    counts: { type: 'string', default: '4000,16000' },
    kinds: { type: 'string', default: 'idle,slow-hello,half,no-cert' },
    servers: { type: 'string', default: 'symbolon,node' },
    seconds: { type: 'string', default: '15' },
    rate: { type: 'string', default: '5' },
    'max-connections': { type: 'string', default: '1024' },
    'reconnect-ms': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '1' },
  },
});
const counts = options.counts.split(',').map(Number);
const kinds = options.kinds.split(',');
const servers = options.servers.split(',').filter((name) => name === 'symbolon' || name === 'node');
const seconds = Number(options.seconds);
const rate = Number(options.rate);
const maxConnections = Number(options['max-connections']);
const rounds = Number(options.rounds);
/** The hostile side has this long to open its connections before the good client starts anyway. */
const RAMP_TIMEOUT_MS = 30_000;
const GOOD_TIMEOUT_MS = 5000;
const SERVER_START_MS = 60_000;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const descriptorLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim());
const needed = Math.max(...counts) + 1024;
if (!Number.isFinite(descriptorLimit) || descriptorLimit < needed) {
  console.error(
    `bench/flood.ts: the file-descriptor limit is ${descriptorLimit}; ${needed} are needed for ${Math.max(...counts)} hostile connections. Raise it first (ulimit -n ${needed}, up to the hard limit ulimit -Hn) or pass a smaller --counts.`,
  );
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'symbolon-bench-flood-'));
const children = new Set<ChildProcess>();
function killChild(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
  children.delete(child);
}
process.on('exit', () => {
  for (const child of children) killChild(child);
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => process.exit(130));
const runs = rounds * counts.length * kinds.length * servers.length;
const budgetSeconds = runs * (seconds + RAMP_TIMEOUT_MS / 1000 + 30) + 60;
setTimeout(() => {
  console.error(`bench/flood.ts: over its time budget of ${budgetSeconds} s; stopping`);
  process.exit(1);
}, budgetSeconds * 1000).unref();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts `args` under this Node with tsx, in its own process group; its output is kept. */
function startNode(args: readonly string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let text = '';
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => text };
}

async function waitForPort(port: number, started: { child: ChildProcess; output: () => string }): Promise<void> {
  const deadline = Date.now() + SERVER_START_MS;
  for (;;) {
    if (started.child.exitCode !== null) throw new Error(`the server exited:\n${started.output()}`);
    const isOpen = await new Promise<boolean>((resolve) => {
      const probe = connectTcp({ host: '127.0.0.1', port }, () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (isOpen) return;
    if (Date.now() > deadline) throw new Error(`the server did not listen on ${port}:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

function plainText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function metricSum(text: string, name: string, label: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const value = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1];
    if (value !== undefined) sums.set(value, (sums.get(value) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return sums;
}

// --- the shared parts: certificates and the upstream ------------------------------------------------
const certificates = makeCertificates(work);
const tlsFiles = {
  ca: readFileSync(certificates.rootCa),
  cert: readFileSync(certificates.clientChain),
  key: readFileSync(certificates.clientKey),
};
const upstream = createHttpServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
  res.end('ok\n');
});
upstream.keepAliveTimeout = 60_000;
const upstreamPort = await new Promise<number>((resolve) =>
  upstream.listen(0, '127.0.0.1', () => resolve((upstream.address() as { port: number }).port)),
);

/** One good request: a new connection, a full mTLS handshake, GET, the whole answer. Resolves with ms, or undefined on failure. */
function goodRequest(port: number, scheduledAt: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    let text = '';
    let isDone = false;
    const finish = (ok: boolean): void => {
      if (isDone) return;
      isDone = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok ? performance.now() - scheduledAt : undefined);
    };
    const socket = connectTls({ host: '127.0.0.1', port, servername: 'localhost', ...tlsFiles, ALPNProtocols: ['http/1.1'] }, () =>
      socket.write('GET /flood HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
    );
    const timer = setTimeout(() => finish(false), GOOD_TIMEOUT_MS);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.startsWith('HTTP/1.1 200') && text.endsWith('\r\n\r\nok\n')) finish(true);
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(text.startsWith('HTTP/1.1 200') && text.endsWith('ok\n')));
  });
}

interface RunResult {
  readonly server: string;
  readonly kind: string;
  readonly count: number;
  readonly sent: number;
  readonly answered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxRssBytes: number;
  readonly rampMs: number | undefined;
  readonly notes: string;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function startServer(server: string, port: number, adminPort: number): { child: ChildProcess; output: () => string } {
  if (server === 'symbolon') {
    const config = {
      listeners: [
        {
          address: '127.0.0.1',
          port,
          certFile: certificates.serverChain,
          keyFile: certificates.serverKey,
          alpn: ['http/1.1'],
          ocspStapling: false,
        },
      ],
      trustBundles: [{ name: 'bench', caFile: certificates.clientCa, revocation: { kind: 'none' }, failurePolicy: 'hard-fail' }],
      routes: [{ upstream: `http://127.0.0.1:${upstreamPort}`, clientCertificate: 'required' }],
      limits: { maxConnections },
      admin: { address: '127.0.0.1', port: adminPort },
      accessLog: 'off',
    };
    const file = join(work, `gateway-${port}.yaml`);
    // JSON is YAML.
    writeFileSync(file, JSON.stringify(config));
    return startNode(['src/cli/main.ts', 'gateway', '--config', file]);
  }
  return startNode([
    'bench/flood/node-peer.ts',
    '--port',
    String(port),
    '--upstream-port',
    String(upstreamPort),
    '--cert',
    certificates.serverChain,
    '--key',
    certificates.serverKey,
    '--ca',
    certificates.clientCa,
    '--max-connections',
    String(maxConnections),
  ]);
}

async function run(server: string, kind: string, count: number): Promise<RunResult> {
  const port = await freePort();
  const adminPort = await freePort();
  const started = startServer(server, port, adminPort);
  const notes: string[] = [];
  try {
    await waitForPort(port, started);
    const pid = started.child.pid!;
    const hostile = startNode([
      'bench/flood/hostile.ts',
      '--kind',
      kind,
      '--count',
      String(count),
      '--port',
      String(port),
      '--seconds',
      String(RAMP_TIMEOUT_MS / 1000 + seconds + 10),
      `--reconnect-ms=${options['reconnect-ms']}`,
    ]);
    let maxRss = residentBytes(pid);
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, residentBytes(pid))), 250);
    try {
      const rampStart = performance.now();
      let rampMs: number | undefined;
      while (performance.now() - rampStart < RAMP_TIMEOUT_MS) {
        const line = hostile
          .output()
          .split('\n')
          .find((text) => text.includes('"ramped"'));
        if (line !== undefined) {
          rampMs = (JSON.parse(line) as { ms: number }).ms;
          break;
        }
        if (hostile.child.exitCode !== null) throw new Error(`the hostile process exited:\n${hostile.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (rampMs === undefined) notes.push('ramp incomplete after 30 s');
      const pending: Promise<number | undefined>[] = [];
      const begin = performance.now();
      const total = Math.round(seconds * rate);
      for (let i = 0; i < total; i++) {
        const scheduledAt = begin + (i * 1000) / rate;
        const wait = scheduledAt - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        pending.push(goodRequest(port, scheduledAt));
      }
      const latencies = (await Promise.all(pending)).filter((ms): ms is number => ms !== undefined).sort((a, b) => a - b);
      if (server === 'symbolon') {
        try {
          const text = await plainText(`http://127.0.0.1:${adminPort}/metrics`);
          const drops = metricSum(text, 'symbolon_gateway_connection_drops_total', 'reason');
          const handshakes = metricSum(text, 'symbolon_gateway_handshakes_total', 'result');
          const parked = /^symbolon_gateway_client_hellos_parked_total (\S+)$/m.exec(text)?.[1] ?? '0';
          notes.push(
            `drops ${[...drops].map(([reason, n]) => `${reason}=${n}`).join(' ') || 'none'}; parked ClientHellos ${parked}; handshakes ${[...handshakes].map(([result, n]) => `${result}=${n}`).join(' ')}`,
          );
        } catch (error) {
          notes.push(`metrics unreadable: ${(error as Error).message}`);
        }
      }
      return {
        server,
        kind,
        count,
        sent: total,
        answered: latencies.length,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxRssBytes: maxRss,
        rampMs,
        notes: notes.join('; '),
      };
    } finally {
      clearInterval(sampler);
      killChild(hostile.child);
    }
  } finally {
    killChild(started.child);
  }
}

// --- the runs ----------------------------------------------------------------------------------------
console.log(
  `bench/flood.ts: maxConnections ${maxConnections}, good client ${rate}/s for ${seconds} s per run, hostile connections reopened ${options['reconnect-ms']} ms after a close; ulimit -n ${descriptorLimit}; somaxconn ${readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim()}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
);
const results: RunResult[] = [];
for (let round = 0; round < rounds; round++) {
  for (const count of counts) {
    for (const kind of kinds) {
      // Alternate which server goes first.
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const result = await run(server, kind, count);
        results.push(result);
        console.log(
          `  round ${round + 1} ${server.padEnd(8)} ${kind.padEnd(10)} ${String(count).padStart(6)}: answered ${result.answered}/${result.sent} (${((100 * result.answered) / result.sent).toFixed(1)}%), p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms, max RSS ${(result.maxRssBytes / 1048576).toFixed(0)} MiB, ramp ${result.rampMs ?? '-'} ms${result.notes === '' ? '' : `; ${result.notes}`}`,
        );
      }
    }
  }
}

const spread = (numbers: readonly number[], digits: number): string => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return `${sorted[0]!.toFixed(digits)}/${sorted[Math.floor((sorted.length - 1) / 2)]!.toFixed(digits)}/${sorted[sorted.length - 1]!.toFixed(digits)}`;
};
console.log(`\nper kind and count (min/median/max over ${rounds} round${rounds === 1 ? '' : 's'}); goal: answered >= 99%, p99 < 1000 ms`);
console.log(
  `${'kind'.padEnd(10)} ${'count'.padStart(6)}  ${servers.map((server) => `${server}: answered % | p99 ms | max RSS MiB`.padEnd(52)).join('  ')}`,
);
for (const count of counts) {
  for (const kind of kinds) {
    const cells = servers.map((server) => {
      const mine = results.filter((result) => result.server === server && result.kind === kind && result.count === count);
      const cell = `${spread(
        mine.map((result) => (100 * result.answered) / result.sent),
        1,
      )} | ${spread(
        mine.map((result) => result.p99Ms),
        0,
      )} | ${spread(
        mine.map((result) => result.maxRssBytes / 1048576),
        0,
      )}`;
      const isMet = mine.every((result) => result.answered / result.sent >= 0.99 && result.p99Ms < 1000);
      return `${cell}${isMet ? ' ok' : ' MISS'}`.padEnd(52);
    });
    console.log(`${kind.padEnd(10)} ${String(count).padStart(6)}  ${cells.join('  ')}`);
  }
}
upstream.close();
upstream.closeAllConnections();
process.exit(0);
