/**
 * The scale-out topology on loopback (cluster-fixture.ts) on a throwaway PostgreSQL cluster of
 * this test's own, so the database can be stopped and restarted: two CA nodes, each also an OCSP
 * responder, and three gateways.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDataDir, verifyStoreAudit } from '../../src/ca/index.js';
import { parseCertificates, parseCrl } from '../../src/x509/index.js';
import { startThrowawayCluster } from '../support/postgres-cluster.js';
import type { ThrowawayCluster } from '../support/postgres-cluster.js';
import { createTestDatabase } from '../support/postgres-database.js';
import type { TestDatabase } from '../support/postgres-database.js';
import { gatewayClient, issueMany, startCluster, until } from './cluster-fixture.js';
import type { Cluster } from './cluster-fixture.js';

const PER_NODE = 10_000;

describe('two CA nodes, three gateways and two OCSP responders on one PostgreSQL', () => {
  let postgres: ThrowawayCluster;
  let database: TestDatabase;
  let cluster: Cluster;

  /** One request through gateway `index` with a fresh connection: the HTTP status, or `refused`. */
  async function call(index: number, name: string): Promise<number | 'refused'> {
    const client = gatewayClient(cluster, cluster.gateways[index]!.port, name);
    try {
      return await client.call();
    } finally {
      client.close();
    }
  }

  /** The certificate status `openssl ocsp` reads from a CA node's responder. */
  function ocspStatus(httpPort: number, name: string): string {
    const result = spawnSync(
      'openssl',
      [
        'ocsp',
        '-issuer',
        join(cluster.nodeDirs[0]!, 'ca/intermediate-1.crt'),
        '-cert',
        `${cluster.path(name)}.crt`,
        '-url',
        `http://127.0.0.1:${httpPort}/ocsp`,
        '-CAfile',
        join(cluster.nodeDirs[0]!, 'ca/root.crt'),
        '-no_nonce',
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    return /\.crt: (\w+)/.exec(result.stdout)?.[1] ?? `no answer (${result.status}): ${result.stdout}${result.stderr}`;
  }

  /** Whether a CA node's current CRL of intermediate-1 lists the certificate `name`. */
  async function crlLists(httpPort: number, name: string): Promise<boolean> {
    const serial = parseCertificates(readFileSync(`${cluster.path(name)}.crt`, 'utf8'))[0]!.serialNumber;
    const response = await fetch(`http://127.0.0.1:${httpPort}/crl/intermediate-1.crl`);
    if (response.status !== 200) return false;
    return parseCrl(Buffer.from(await response.arrayBuffer())).revokedCertificates.some((entry) => entry.serialNumber === serial);
  }

  const healthz = async (adminPort: number): Promise<number> => (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status;

  before(async () => {
    postgres = await startThrowawayCluster();
    database = await createTestDatabase('cluster', postgres.adminUrl);
    cluster = await startCluster({ database: database.url, gateways: 3, staleAfterSeconds: 2, whenStale: 'last-known' });
    for (const name of ['alice', 'bob', 'carol', 'dave']) await cluster.issue(name);
  });

  after(async () => {
    await cluster?.close();
    await database?.drop().catch(() => undefined);
    postgres?.destroy();
  });

  test("a revocation on either CA node: every gateway refuses, both OCSP responders say revoked and both nodes' CRLs list it", async () => {
    for (let i = 0; i < 3; i++) assert.equal(await call(i, 'alice'), 200);
    for (const httpPort of cluster.httpPorts) assert.equal(ocspStatus(httpPort, 'alice'), 'good');

    for (const [name, node] of [
      ['alice', cluster.nodeDirs[0]!],
      ['bob', cluster.nodeDirs[1]!],
    ] as const) {
      await cluster.cli('ca', 'revoke', `${cluster.path(name)}.crt`, '--reason', 'keyCompromise', '--dir', node);
      for (let i = 0; i < 3; i++) await until(`gateway ${i} refuses ${name}`, async () => (await call(i, name)) !== 200);
      for (const httpPort of cluster.httpPorts) {
        await until(`responder ${httpPort} says ${name} is revoked`, () => ocspStatus(httpPort, name) === 'revoked');
        await until(`the CRL of node ${httpPort} lists ${name}`, () => crlLists(httpPort, name));
      }
    }
    for (let i = 0; i < 3; i++) assert.equal(await call(i, 'carol'), 200, 'others still pass');
  });

  test('with PostgreSQL stopped the gateways go on with their snapshots and say they are stale; after its restart, a revocation made then reaches them all', async () => {
    for (const { adminPort } of cluster.gateways) assert.equal(await healthz(adminPort), 200);
    postgres.stop();
    try {
      for (const [i, { adminPort, snapshotFile }] of cluster.gateways.entries()) {
        await until(`gateway ${i} reports its revocation status stale`, async () => (await healthz(adminPort)) === 503);
        assert.notEqual(await call(i, 'alice'), 200, 'a revoked certificate stays refused');
        assert.equal(await call(i, 'carol'), 200, 'the last known set still answers for the others');
        assert.ok(existsSync(snapshotFile), 'each gateway keeps its snapshot on disk');
      }
    } finally {
      postgres.start();
    }
    // Revoked at once, racing the nodes' reconnection: a NOTIFY sent before a node listens again is
    // lost to it, and the node catches up by sequence all the same.
    await until('the database answers again', () =>
      cluster.cli('ca', 'revoke', `${cluster.path('carol')}.crt`, '--reason', 'superseded', '--dir', cluster.nodeDirs[1]!).then(
        () => true,
        () => false,
      ),
    );
    for (const [i, { adminPort }] of cluster.gateways.entries()) {
      await until(`gateway ${i} refuses carol`, async () => (await call(i, 'carol')) !== 200);
      await until(`gateway ${i} is current again`, async () => (await healthz(adminPort)) === 200);
      assert.equal(await call(i, 'dave'), 200);
    }
    for (const httpPort of cluster.httpPorts)
      await until(`responder ${httpPort} says carol is revoked`, () => ocspStatus(httpPort, 'carol') === 'revoked');
  });

  test(`two CA nodes issuing ${PER_NODE.toLocaleString('en-US')} each at once: no duplicate serial, no lost record, the audit chain intact`, async () => {
    const results = await Promise.all(cluster.nodeDirs.map((dir) => issueMany(dir, cluster.passFile, PER_NODE)));
    const serials = results.flatMap((result) => result.serials);
    assert.equal(serials.length, 2 * PER_NODE);
    assert.equal(new Set(serials).size, 2 * PER_NODE, 'no serial was issued twice');
    const dataDir = await openDataDir(cluster.nodeDirs[0]!, { actor: 'test', now: new Date() });
    try {
      const stored = new Set<string>();
      for (let cursor = 0; ;) {
        const page = await dataDir.store.scanCertificates(cursor, 5000);
        for (const record of page.records) stored.add(`${record.issuerId}/${record.serial}`);
        if (page.records.length < 5000) break;
        cursor = page.cursor;
      }
      for (const serial of serials)
        assert.ok(stored.has(`intermediate-1/${serial}`), `certificate ${serial} was reported issued but is not stored`);
      const audit = await verifyStoreAudit(dataDir.store);
      assert.ok(audit.ok, JSON.stringify(audit));
      assert.ok(audit.count >= 2 * PER_NODE);
    } finally {
      await dataDir.close();
    }
  });
});
