import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { findUnservedRevocations, verifyStoreState, withProvenRevocations } from '../../src/ca/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { certificate, draft, issuer } from '../store/store-contract.js';
import { makeTempDir } from './support.js';

const temp = makeTempDir('symbolon-proven-');
after(() => temp.remove());

const I = 'intermediate-1';
const T = new Date(Date.UTC(2030, 0, 2));

/** Four certificates a-d; a, b and c revoked (keyCompromise), in that order (feed sequences 1-3). */
async function populated(name: string): Promise<string> {
  const path = join(temp.path, `${name}.db`);
  const store = openSqliteStore({ path });
  await store.addIssuer(issuer('root', null, false), draft('ca.init', 'root'));
  await store.addIssuer(issuer(I, 'root', true), draft('issuer.add', I));
  for (const serial of ['0a', '0b', '0c', '0d'])
    await store.recordIssuance(certificate(I, serial), draft('certificate.issue', `${I}/${serial}`));
  for (const serial of ['0a', '0b', '0c']) {
    await store.recordRevocation(
      { issuerId: I, serial, reason: 'keyCompromise', revokedAt: T },
      draft('certificate.revoke', `${I}/${serial}`, { issuer: I, serial, reason: 'keyCompromise' }),
    );
  }
  await store.close();
  return path;
}

async function listAll(store: Store, pageSize: number): Promise<string[]> {
  const seen: string[] = [];
  for (let after = 0; ;) {
    const page = await store.listRevocations(after, pageSize);
    seen.push(...page.map((r) => `${r.sequence}:${r.serial}:${r.reason}`));
    if (page.length < pageSize) return seen;
    after = page.at(-1)!.sequence;
  }
}

test('serves the revocations the log proves when rows were deleted, altered or lost with their certificate', async () => {
  const path = await populated('tampered');
  const db = new Database(path);
  db.pragma('foreign_keys = OFF');
  db.prepare("DELETE FROM revocations WHERE serial = '0a'").run();
  db.prepare("UPDATE revocations SET reason = 'superseded' WHERE serial = '0b'").run();
  db.prepare("DELETE FROM revocations WHERE serial = '0c'").run();
  db.prepare("DELETE FROM certificates WHERE serial = '0c'").run();
  db.close();

  const store = openSqliteStore({ path, mustExist: true });
  try {
    const tables = await listAll(store, 10);
    assert.deepEqual(tables, ['2:0b:superseded']);
    const result = await verifyStoreState(store);
    assert.ok(result.chain.ok);
    assert.equal(result.differences.length, 4, JSON.stringify(result.differences));
    const unserved = await findUnservedRevocations(store, result.proven!.revocations);
    assert.deepEqual([...unserved.revocations.keys()].sort(), [`${I}/0a`, `${I}/0b`, `${I}/0c`]);
    assert.deepEqual([...unserved.withoutRow].sort(), [`${I}/0a`, `${I}/0c`]);

    const served = withProvenRevocations(store, unserved);
    for (const serial of ['0a', '0b', '0c']) {
      const record = await served.getCertificate({ issuerId: I, serial });
      assert.equal(record?.revocation?.reason, 'keyCompromise', serial);
      assert.equal(record.revocation.revokedAt.getTime(), T.getTime(), serial);
    }
    assert.equal((await served.getCertificate({ issuerId: I, serial: '0d' }))?.revocation, null);
    assert.equal(await served.getCertificate({ issuerId: I, serial: '0e' }), undefined);
    assert.deepEqual(
      (await served.findCertificatesBySerial('0b')).map((r) => r.revocation?.reason),
      ['keyCompromise'],
    );
    // In feed order, whatever the page size.
    const expected = ['1:0a:keyCompromise', '2:0b:keyCompromise', '3:0c:keyCompromise'];
    for (const size of [1, 2, 3, 10]) assert.deepEqual(await listAll(served, size), expected, `pages of ${size}`);
    assert.deepEqual(
      (await served.listRevocations(2, 10)).map((r) => r.serial),
      ['0c'],
    );
  } finally {
    await store.close();
  }
});

test('leaves an untouched store as it is', async () => {
  const store = openSqliteStore({ path: await populated('untouched'), mustExist: true });
  try {
    const result = await verifyStoreState(store);
    assert.deepEqual(result.differences, []);
    const unserved = await findUnservedRevocations(store, result.proven!.revocations);
    assert.equal(unserved.revocations.size, 0);
    assert.equal(withProvenRevocations(store, unserved), store);
  } finally {
    await store.close();
  }
});
