/**
 * Enrollments per second through EST (RFC 7030 simpleenroll over HTTPS: a new TLS 1.3 connection
 * and full handshake per enrollment, HTTP Basic token check, the token's atomic use with its
 * audit entry, CSR checks, issuance with its audit entry) beside issuance through the library
 * path `symbolon ca sign` takes (parseCsr + issueFromCsr, same CSRs, same SQLite store) from the
 * same run. The server side runs on one core (`taskset -c 0` when taskset exists) and the load
 * comes from another process on core 1: bench/est/enroll-client.go (Go's crypto/tls, one core),
 * which spends far less CPU per enrollment than the server, so the server's core sets the figure.
 * Needs Go (Debian: apt-get install golang-go). Rounds alternate; min/median/max of each is printed.
 * Run: `node --import tsx bench/est.ts [seconds-per-round] [rounds]`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority } from '../src/ca/index.js';
import { createEnrollmentToken, createEstRoute, EST_PATH, MAX_EST_BODY_BYTES } from '../src/est/index.js';
import { createServiceListener, hostPort } from '../src/http/index.js';
import { createSigner, generateKeyRequest } from '../src/keys/index.js';
import { buildCsr, parseCertificate, parseCsr, toPem } from '../src/x509/index.js';
import { openBenchCa } from './bench-ca.js';
import { buildGoProgram } from './go-program.js';
import { median, ratePerSecond } from './rate.js';

const secondsPerRound = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 3);
const inFlight = 32;
const csrPoolSize = 64;
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

if (hasTaskset && process.env['SYMBOLON_BENCH_PINNED'] !== '1') {
  // Re-run pinned to core 0, so "one core" is what the server gets.
  const child = spawn(
    'taskset',
    ['-c', '0', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, SYMBOLON_BENCH_PINNED: '1' } },
  );
  child.on('close', (code) => process.exit(code ?? 1));
} else await run();

async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'symbolon-bench-est-'));
  try {
    const generator = buildGoProgram(root, new URL('./est/enroll-client.go', import.meta.url), 'enroll-client');
    if ('problem' in generator) throw new Error(generator.problem);
    const { dataDir, issuer } = await openBenchCa(join(root, 'data'), 'http://ca.bench.example');
    const clock = () => new Date();
    const ca = createCertificateAuthority({ store: dataDir.store, config: dataDir.config, issuer, clock, random: randomBytes });
    const hashKey = randomBytes(32);
    const { token, secret } = await createEnrollmentToken(
      { profile: 'client', names: ['bench-*'], uses: 100_000, ttlSeconds: 86_400, label: undefined },
      { store: dataDir.store, config: dataDir.config, hashKey, now: clock(), actor: 'bench', random: randomBytes },
    );
    const csrs = await Promise.all(
      Array.from({ length: csrPoolSize }, (_, i) =>
        buildCsr(
          { subject: [[{ type: '2.5.4.3', value: `bench-${i}` }]] },
          createSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
        ),
      ),
    );

    // The server: up's service listener with the EST route, a server certificate from this CA.
    const serverKey = await generateKeyRequest('p256');
    const serverCert = await ca.issue(
      {
        subject: [[{ type: '2.5.4.3', value: 'localhost' }]],
        subjectAltNames: [
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
        ],
        publicKey: serverKey.publicKey,
        spki: serverKey.spki,
      },
      { profile: 'server', actor: 'bench' },
    );
    const anchors = [toPem('CERTIFICATE', dataDir.root.der)];
    const listener = createServiceListener({
      tls: {
        key: serverKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        cert: toPem('CERTIFICATE', serverCert.der) + toPem('CERTIFICATE', issuer.certificate.der),
        ca: anchors,
      },
      onError: (error) => console.error(error),
    });
    listener.mount(
      EST_PATH,
      createEstRoute({
        store: dataDir.store,
        ca,
        caCertificates: [issuer.certificate.der, dataDir.root.der],
        issuers: [{ id: issuer.id, certificate: parseCertificate(issuer.certificate.der) }],
        tokenHashKey: hashKey,
        clock,
        retryAfterSeconds: 60,
        maxBodyBytes: MAX_EST_BODY_BYTES,
        bodyTimeoutMs: 30_000,
        realm: 'bench',
        onError: (error) => console.error(error),
      }),
    );
    const bound = await listener.listen({ host: '127.0.0.1', port: 0 });
    const job = {
      url: `https://${hostPort(bound)}${EST_PATH}/simpleenroll`,
      ca: anchors[0],
      authorization: `Basic ${Buffer.from(`${token.id}:${secret}`).toString('base64')}`,
      csrs: csrs.map((csr) => csr.toString('base64')),
      seconds: secondsPerRound,
      inFlight,
    };

    /** Server CPU milliseconds per EST enrollment, per round: the one-core ceiling is 1000 / it, whatever else the machine runs. */
    const serverCpuMs: number[] = [];
    const clientCpuMs: number[] = [];
    const estRound = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const command = hasTaskset ? 'taskset' : generator.binary;
        const args = hasTaskset ? ['-c', '1', generator.binary] : [];
        const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, GOMAXPROCS: '1' } });
        let out = '';
        const cpuBefore = process.cpuUsage();
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => {
          if (code !== 0) return reject(new Error(`the load client exited with ${code}`));
          const result = JSON.parse(out) as { count: number; failed: number; seconds: number; cpuMs: number };
          if (result.failed > 0) return reject(new Error(`${result.failed} EST enrollments failed`));
          const cpu = process.cpuUsage(cpuBefore);
          serverCpuMs.push((cpu.user + cpu.system) / 1000 / result.count);
          clientCpuMs.push(result.cpuMs / result.count);
          resolve(result.count / result.seconds);
        });
        child.stdin.end(JSON.stringify(job));
      });
    const parsedCsrs = csrs.map((der) => der);
    const libraryRound = (): Promise<number> =>
      ratePerSecond(secondsPerRound, inFlight, (i) =>
        ca.issueFromCsr(parseCsr(parsedCsrs[i % csrPoolSize]!, { checkSignature: false }), { profile: 'client', actor: 'bench' }),
      );

    const est: number[] = [];
    const library: number[] = [];
    for (let round = 0; round < rounds; round++) {
      est.push(await estRound());
      library.push(await libraryRound());
    }
    await listener.close();
    const stored = await dataDir.store.certificateCount();
    const used = (await dataDir.store.getEnrollmentToken(token.id))!;
    await dataDir.close();

    const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
    const spread = (values: number[]): string =>
      `min ${fmt(Math.min(...values))}  median ${fmt(median(values))}  max ${fmt(Math.max(...values))}`;
    console.log(
      `P-256 client certificates per second, ${rounds} rounds of ${secondsPerRound}s, ${inFlight} in flight, server ${hasTaskset ? 'pinned to core 0, load from core 1' : 'not pinned (no taskset)'}`,
    );
    console.log(
      `  EST simpleenroll over HTTPS   ${spread(est)}   (new TLS 1.3 handshake each, token check and use, CSR checks, issuance, 2 audit entries)`,
    );
    console.log(`  library path (ca sign)        ${spread(library)}   (parseCsr + issueFromCsr, 1 audit entry)`);
    console.log(`  EST / library                 ${(median(est) / median(library)).toFixed(2)}    goal: EST >= 500/s on one core`);
    const serverMs = median(serverCpuMs);
    console.log(
      `  server CPU per EST enrollment ${serverMs.toFixed(2)} ms (rounds: ${serverCpuMs.map((ms) => ms.toFixed(2)).join(', ')}): at most ${fmt(1000 / serverMs)}/s on one idle core`,
    );
    console.log(`  load client CPU per enrollment ${median(clientCpuMs).toFixed(2)} ms (bench/est/enroll-client.go, Go, one core)`);
    console.log(
      `  load average at the end: ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
    console.log(`  stored ${fmt(stored)} certificates; the token was used ${fmt(used.uses - used.usesLeft)} times`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
