/**
 * Scale-out figures from one run of the loopback topology (test/scale/cluster-fixture.ts: two CA
 * nodes on one PostgreSQL database, three gateways reading their feeds):
 *
 * 1. Revocation-to-refusal latency at three gateways: a client certificate is revoked on one CA
 *    node or the other (alternately), and each gateway is asked, back to back over a kept-alive
 *    connection (each request is checked), until it refuses; the time from the revoke call to
 *    the first refusal, per gateway. p50/p99 per round and over every sample (goal: p99 < 1 s).
 * 2. Issuance/s: two CA nodes issuing at once on PostgreSQL, beside one node on SQLite (its own
 *    data directory) issuing the same number of certificates; each process 64 in flight; rounds
 *    alternate.
 *
 * Run: `node --import tsx bench/propagation.ts [revocations-per-round] [rounds] [issuances-per-node]`
 * (defaults 50, 4, 2000). Needs PostgreSQL on 127.0.0.1:5432 with trust authentication (or
 * SYMBOLON_TEST_POSTGRES_URL naming a maintenance database); it makes a database of its own and
 * drops it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identifyCertificate, initCertificateAuthority, openDataDir, revokeCertificate } from '../src/ca/index.js';
import type { DataDir } from '../src/ca/index.js';
import { parseCertificates } from '../src/x509/index.js';
import { CLUSTER_PASSPHRASE, gatewayClient, issueMany, startCluster } from '../test/scale/cluster-fixture.js';
import type { Cluster } from '../test/scale/cluster-fixture.js';
import { createTestDatabase } from '../test/support/postgres-database.js';
import { median } from './rate.js';

const perRound = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 4);
const issuancesPerNode = Number(process.argv[4] ?? 2000);
/** A gateway that has not refused after this long counts as a failure of the run. */
const GIVE_UP_MS = 30_000;

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;
const rate = (n: number): string => `${Math.round(n).toLocaleString('en-US')} /s`;
const spread = (values: readonly number[], format: (n: number) => string): string =>
  `min ${format(Math.min(...values))}, median ${format(median(values))}, max ${format(Math.max(...values))}`;
const log = (line: string): void => void process.stderr.write(`propagation: ${line}\n`);

/** Revokes `name` on `dataDir`'s node and resolves with the time until each gateway refused it. */
async function revocationToRefusal(cluster: Cluster, dataDir: DataDir, name: string): Promise<number[]> {
  const clients = cluster.gateways.map((gateway) => gatewayClient(cluster, gateway.port, name));
  try {
    for (const client of clients) {
      const status = await client.call();
      if (status !== 200) throw new Error(`gateway refused ${name} before it was revoked (${status})`);
    }
    const record = await identifyCertificate(
      dataDir.store,
      dataDir.issuers,
      parseCertificates(readFileSync(`${cluster.path(name)}.crt`, 'utf8'))[0]!,
    );
    const started = performance.now();
    await revokeCertificate(dataDir.store, { issuerId: record.issuerId, serial: record.serial }, 'keyCompromise', {
      actor: 'bench',
      now: new Date(),
    });
    return await Promise.all(
      clients.map(async (client) => {
        for (;;) {
          if ((await client.call()) !== 200) return performance.now() - started;
          if (performance.now() - started > GIVE_UP_MS)
            throw new Error(`a gateway still let ${name} through ${GIVE_UP_MS} ms after its revocation`);
        }
      }),
    );
  } finally {
    for (const client of clients) client.close();
  }
}

/** Certificates per second from processes issuing `count` each at once: all of them over the span from the first start to the last end. */
async function issuanceRate(dirs: readonly string[], passFile: string, count: number): Promise<number> {
  // Every process begins at the same moment, after its start-up.
  const startAt = Date.now() + 8000;
  const results = await Promise.all(dirs.map((dir) => issueMany(dir, passFile, count, startAt)));
  const issued = results.reduce((sum, result) => sum + result.serials.length, 0);
  if (issued !== dirs.length * count) throw new Error(`issued ${issued} of ${dirs.length * count}`);
  return issued / ((Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt))) / 1000);
}

const database = await createTestDatabase('bench');
const sqliteRoot = mkdtempSync(join(tmpdir(), 'symbolon-bench-sqlite-'));
let cluster: Cluster | undefined;
const opened: DataDir[] = [];
try {
  cluster = await startCluster({ database: database.url, gateways: 3, staleAfterSeconds: 60, whenStale: 'failure-policy', progress: log });
  const sqliteDir = join(sqliteRoot, 'data');
  await initCertificateAuthority({
    dir: sqliteDir,
    name: 'Bench',
    keyType: 'p256',
    rootPassphrase: 'bench root passphrase',
    intermediatePassphrase: CLUSTER_PASSPHRASE,
    actor: 'bench',
    now: new Date(),
    random: randomBytes,
  });
  const victims = Array.from({ length: rounds * perRound }, (_, i) => `victim-${i}`);
  log(`issuing ${victims.length} client certificates to revoke`);
  for (const name of victims) await cluster.issue(name);
  for (const dir of cluster.nodeDirs) opened.push(await openDataDir(dir, { actor: 'bench', now: new Date() }));

  const latencyRounds: { p50: number; p99: number }[] = [];
  const all: number[] = [];
  const pgRates: number[] = [];
  const sqliteRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    log(`round ${round + 1} of ${rounds}: ${perRound} revocations`);
    const samples: number[] = [];
    for (let i = 0; i < perRound; i++) {
      const index = round * perRound + i;
      samples.push(...(await revocationToRefusal(cluster, opened[index % 2]!, victims[index]!)));
    }
    all.push(...samples);
    latencyRounds.push({ p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) });
    log(`round ${round + 1} of ${rounds}: issuance, two nodes on PostgreSQL then one on SQLite`);
    pgRates.push(await issuanceRate(cluster.nodeDirs, cluster.passFile, issuancesPerNode));
    sqliteRates.push(await issuanceRate([sqliteDir], cluster.passFile, 2 * issuancesPerNode));
  }

  console.log(
    `Revocation to refusal at 3 gateways (2 CA nodes on PostgreSQL, revoked on each in turn; ${all.length / 3} revocations, ${all.length} samples, ${rounds} rounds)`,
  );
  console.log(
    `  p50  ${ms(percentile(all, 0.5)).padStart(10)}   per round: ${spread(
      latencyRounds.map((r) => r.p50),
      ms,
    )}`,
  );
  console.log(
    `  p99  ${ms(percentile(all, 0.99)).padStart(10)}   per round: ${spread(
      latencyRounds.map((r) => r.p99),
      ms,
    )}   goal: p99 < 1000 ms`,
  );
  console.log(`  max  ${ms(Math.max(...all)).padStart(10)}`);
  console.log(`P-256 client certificates issued per second (each process 64 in flight; ${rounds} rounds, alternating)`);
  console.log(
    `  2 CA nodes, PostgreSQL  ${rate(median(pgRates)).padStart(10)}   ${spread(pgRates, rate)}   (${issuancesPerNode} each, at once)`,
  );
  console.log(
    `  1 CA node, SQLite       ${rate(median(sqliteRates)).padStart(10)}   ${spread(sqliteRates, rate)}   (${2 * issuancesPerNode})`,
  );
  console.log(`  PostgreSQL / SQLite     ${(median(pgRates) / median(sqliteRates)).toFixed(2)}`);
} finally {
  for (const dataDir of opened) await dataDir.close();
  await cluster?.close();
  await database.drop();
  rmSync(sqliteRoot, { recursive: true, force: true });
}
