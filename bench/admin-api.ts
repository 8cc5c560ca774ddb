/**
 * The admin API's list and search at scale: N synthetic certificates (1,000,000 by default) in the
 * store, then each query through the real HTTPS API (TLS 1.3, an admin client certificate, one
 * keep-alive connection, requests one after another) beside the same search run straight on the
 * database through the store (`Store.searchCertificates`: the SQL and the row mapping, no HTTP)
 * in the same run, so the difference is the API's own cost. Rounds alternate API and database;
 * p50 and p99 of each query are printed as min/median/max over rounds. Goal: API p99 < 50 ms.
 * Run: `node --import tsx bench/admin-api.ts [certificates] [rounds] [requests-per-query] [--postgres]`
 * (--postgres: the store in a new database on 127.0.0.1:5432, dropped at the end).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createAdminApi } from '../src/api/index.js';
import { createCertificateAuthority, initCertificateAuthority, openDataDir, unlockActiveIssuer } from '../src/ca/index.js';
import { createServiceListener, hostPort } from '../src/http/index.js';
import { generateKeyRequest } from '../src/keys/index.js';
import { ADMIN_PROFILES, checkGatewayAccess } from '../src/services/index.js';
import { certificateSearchTerms } from '../src/store/index.js';
import type { CertificateSearch } from '../src/store/index.js';
import { decodeDer } from '../src/asn1/index.js';
import { parseCertificate, parsePublicKeyInfo, toPem } from '../src/x509/index.js';
import { bulkSeedPostgres, bulkSeedSqlite } from '../test/support/seed-certificates.js';
import type { SeededCertificate } from '../test/support/seed-certificates.js';
import { createTestDatabase } from '../test/support/postgres-database.js';
import { median, spread } from './rate.js';

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const isPostgres = process.argv.includes('--postgres');
const count = Number(args[0] ?? 1_000_000);
const rounds = Number(args[1] ?? 3);
const requestsPerQuery = Number(args[2] ?? 200);
const PASSPHRASE = 'bench intermediate passphrase';
const DAY = 86_400_000;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timed(times: number, call: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await call(i);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** The queries: each an API query string and the same search for the store. */
function queries(
  seeded: readonly SeededCertificate[],
  now: Date,
): { name: string; query: (i: number) => string; search: (i: number) => CertificateSearch }[] {
  const pick = (i: number): SeededCertificate => seeded[(i * 7919) % seeded.length]!;
  const base = { now, limit: 50 };
  return [
    { name: 'list, first page', query: () => 'limit=50', search: () => base },
    {
      name: 'list, valid server certificates',
      query: () => 'profile=server&status=valid&limit=50',
      search: () => ({ ...base, profile: 'server', status: 'valid' }),
    },
    {
      name: 'list, expiring in the next 30 days',
      query: () =>
        `status=valid&expiresAfter=${now.toISOString()}&expiresBefore=${new Date(now.getTime() + 30 * DAY).toISOString()}&limit=50`,
      search: () => ({ ...base, status: 'valid', expiresAfter: now, expiresBefore: new Date(now.getTime() + 30 * DAY) }),
    },
    { name: 'list, revoked', query: () => 'status=revoked&limit=50', search: () => ({ ...base, status: 'revoked' }) },
    {
      name: 'search q=<a name> (one match)',
      query: (i) => `q=${pick(i).subject.slice(3, 16)}`,
      search: (i) => ({ ...base, text: pick(i).subject.slice(3, 16) }),
    },
    {
      name: 'search q=<name prefix> (~1,000 matches)',
      query: (i) => `q=${pick(i).subject.slice(3, 13)}`,
      search: (i) => ({ ...base, text: pick(i).subject.slice(3, 13) }),
    },
    { name: 'search q=device (every certificate)', query: () => 'q=device', search: () => ({ ...base, text: 'device' }) },
    {
      name: 'search san=<DNS name>',
      query: (i) => `san=${pick(i).dnsName}`,
      search: (i) => ({ ...base, san: pick(i).dnsName }),
    },
    {
      name: 'search serial=<8 hex digits>',
      query: (i) => `serial=${pick(i).serial.slice(0, 8)}`,
      search: (i) => ({ ...base, serial: pick(i).serial.slice(0, 8) }),
    },
  ];
}

async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'symbolon-bench-api-'));
  const database = isPostgres ? await createTestDatabase('bench_api') : undefined;
  try {
    const dir = join(root, 'data');
    await initCertificateAuthority({
      dir,
      name: 'Bench',
      keyType: 'p256',
      rootPassphrase: 'bench root passphrase',
      intermediatePassphrase: PASSPHRASE,
      publicBaseUrl: 'http://ca.bench.example',
      database: database?.url,
      actor: 'bench',
      now: new Date(),
      random: randomBytes,
    });
    let dataDir = await openDataDir(dir, { actor: 'bench', now: new Date() });
    let issuer = await unlockActiveIssuer(dataDir, PASSPHRASE);
    const clock = (): Date => new Date();
    let ca = createCertificateAuthority({ store: dataDir.store, config: dataDir.config, issuer, clock, random: randomBytes });

    // One real certificate whose DER every synthetic record carries, and the admin's own.
    const key = await generateKeyRequest('p256');
    const sample = await ca.issue(
      { subject: [[{ type: '2.5.4.3', value: 'sample' }]], subjectAltNames: [], publicKey: key.publicKey, spki: key.spki },
      { profile: 'client', actor: 'bench' },
    );
    const adminKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const adminSpki = adminKey.publicKey.export({ type: 'spki', format: 'der' });
    const admin = await ca.issue(
      {
        subject: [[{ type: '2.5.4.3', value: 'bench admin' }]],
        subjectAltNames: [],
        publicKey: parsePublicKeyInfo(decodeDer(adminSpki), 'KEY_MALFORMED'),
        spki: adminSpki,
      },
      { profile: 'admin', actor: 'bench' },
    );

    const seedStart = performance.now();
    const options = { count, issuerId: issuer.id, der: sample.der, now: new Date() };
    let seeded: SeededCertificate[];
    if (database === undefined) {
      await dataDir.close();
      seeded = bulkSeedSqlite(join(dir, 'symbolon.db'), options, certificateSearchTerms);
      dataDir = await openDataDir(dir, { actor: 'bench', now: new Date() });
      issuer = await unlockActiveIssuer(dataDir, PASSPHRASE);
      ca = createCertificateAuthority({ store: dataDir.store, config: dataDir.config, issuer, clock, random: randomBytes });
    } else seeded = await bulkSeedPostgres(database.url, options);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const store = dataDir.store;
    const total = await store.certificateCount();

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
    const rootPem = toPem('CERTIFICATE', dataDir.root.der);
    const listener = createServiceListener({
      tls: {
        key: serverKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        cert: toPem('CERTIFICATE', serverCert.der) + toPem('CERTIFICATE', issuer.certificate.der),
        ca: [rootPem],
      },
      onError: (error) => console.error(error),
    });
    const issuers = [{ id: issuer.id, certificate: parseCertificate(issuer.certificate.der) }];
    const api = createAdminApi({
      store,
      config: dataDir.config,
      ca,
      access: (peer) => checkGatewayAccess(peer, { store, issuers, profiles: ADMIN_PROFILES, clock }),
      tokenHashKey: randomBytes(32),
      gateways: () => [],
      clock,
      random: randomBytes,
      onError: (error) => console.error(error),
    });
    listener.mount('/api', api.handle);
    const bound = await listener.listen({ host: '127.0.0.1', port: 0 });
    const agent = new Agent({
      connections: 1,
      connect: {
        ca: rootPem,
        cert: toPem('CERTIFICATE', admin.der) + toPem('CERTIFICATE', issuer.certificate.der),
        key: adminKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    const url = `https://${hostPort(bound)}/api/certificates`;
    const get = async (query: string): Promise<number> => {
      const answer = await request(`${url}?${query}`, { dispatcher: agent });
      const body = (await answer.body.json()) as { items: unknown[] };
      if (answer.statusCode !== 200) throw new Error(`HTTP ${answer.statusCode}: ${JSON.stringify(body)}`);
      return body.items.length;
    };

    const now = new Date();
    const list = queries(seeded, now);
    const results = list.map(() => ({
      apiP50: [] as number[],
      apiP99: [] as number[],
      dbP50: [] as number[],
      dbP99: [] as number[],
      items: 0,
    }));
    // Warm both paths (statement caches, TLS session, page cache) before measuring.
    for (const [index, entry] of list.entries()) {
      const start = performance.now();
      await store.searchCertificates(entry.search(0));
      const dbMs = performance.now() - start;
      results[index]!.items = await get(entry.query(0)).catch((error: unknown) => {
        throw new Error(`the first request of "${entry.name}" failed`, { cause: error });
      });
      console.error(`warm-up: ${entry.name}: ${dbMs.toFixed(1)} ms on the store (cold)`);
    }
    for (let round = 0; round < rounds; round++) {
      for (const [index, entry] of list.entries()) {
        const api = await timed(requestsPerQuery, (i) => get(entry.query(i + round * requestsPerQuery)));
        const db = await timed(requestsPerQuery, (i) => store.searchCertificates(entry.search(i + round * requestsPerQuery)));
        const result = results[index]!;
        result.apiP50.push(api.p50);
        result.apiP99.push(api.p99);
        result.dbP50.push(db.p50);
        result.dbP99.push(db.p99);
      }
    }
    // The statistics (dashboard, gauges): whole-inventory counts, timed once cold and once again.
    const statsMs: number[] = [];
    for (let i = 0; i < 2; i++) {
      const start = performance.now();
      await store.certificateStatistics(new Date(), new Date(Date.now() + 90 * DAY));
      statsMs.push(performance.now() - start);
    }
    await agent.close();
    await listener.close();
    await dataDir.close();

    console.log(
      `Admin API list and search, ${total.toLocaleString('en-US')} certificates in ${isPostgres ? 'PostgreSQL' : 'SQLite'} (seeded in ${seedSeconds.toFixed(0)} s), ` +
        `${requestsPerQuery} requests per query per round, one keep-alive TLS 1.3 connection with an admin client certificate, requests one after another`,
    );
    let worstP99 = 0;
    for (const [index, entry] of list.entries()) {
      const result = results[index]!;
      worstP99 = Math.max(worstP99, median(result.apiP99));
      console.log(`\n${entry.name} (${result.items} items on the page)`);
      console.log(`  API  p50 ${spread(result.apiP50, 'ms', 2)}`);
      console.log(`  API  p99 ${spread(result.apiP99, 'ms', 2)}`);
      console.log(`  DB   p50 ${spread(result.dbP50, 'ms', 2)}   (peer: the same search on the store, no HTTP)`);
      console.log(`  DB   p99 ${spread(result.dbP99, 'ms', 2)}`);
      console.log(`  API/DB at p50 (median): ${(median(result.apiP50) / median(result.dbP50)).toFixed(1)}x`);
    }
    console.log(`\nStatistics (GET /api/stats, the gauges) on the store: ${statsMs.map((ms) => `${ms.toFixed(0)} ms`).join(', then ')}`);
    console.log(`\nWorst median API p99: ${worstP99.toFixed(2)} ms (goal: under 50 ms) ${worstP99 < 50 ? 'met' : 'NOT met'}`);
  } finally {
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  }
}

await run();
