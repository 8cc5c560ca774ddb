import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { decodeDer } from '../../src/asn1/index.js';
import { isSymbolonError } from '../../src/errors.js';
import { decideEnrollment } from '../../src/est/index.js';
import { parseCertificate } from '../../src/x509/index.js';
import type { Certificate } from '../../src/x509/index.js';
import { makeTempDir } from '../ca/support.js';
import { runCli } from '../cli/run-cli.js';
import type { TestDatabase } from '../support/postgres-database.js';
import { basic, httpsRequest, makeCsr, startEstNode } from './support/est-harness.js';
import type { EstHarness, HttpsAnswer } from './support/est-harness.js';
import { startEstOnStore } from './support/est-on-store.js';

// Collecting an approved enrollment is one transaction: the certificate, its audit entry and the
// enrollment's move to `issued` (with the certificate's serial) are stored together or not at
// all. A write the database refuses leaves the enrollment approved and no certificate behind, so
// the client's retry issues exactly one; two nodes collecting one enrollment at once store one
// certificate and both answer with it. On SQLite and on PostgreSQL, over HTTPS.

const temp = makeTempDir('symbolon-est-approval-collection-');
after(() => temp.remove());

// The database refuses, for real, what these tables name: the move of an enrollment to `issued`,
// or the insert of a certificate with a subject, as a full disk or a lost connection would.
const SQLITE_SETUP = [
  'CREATE TABLE refuse_marking (id TEXT PRIMARY KEY)',
  'CREATE TABLE refuse_certificate (subject TEXT PRIMARY KEY)',
  `CREATE TRIGGER refuse_marking BEFORE UPDATE ON pending_enrollments
   WHEN NEW.status = 'issued' AND NEW.id IN (SELECT id FROM refuse_marking)
   BEGIN SELECT RAISE(ABORT, 'the database refuses this row'); END`,
  `CREATE TRIGGER refuse_certificate BEFORE INSERT ON certificates
   WHEN NEW.subject IN (SELECT subject FROM refuse_certificate)
   BEGIN SELECT RAISE(ABORT, 'the database refuses this row'); END`,
];
const POSTGRES_SETUP = [
  'CREATE TABLE refuse_marking (id TEXT PRIMARY KEY)',
  'CREATE TABLE refuse_certificate (subject TEXT PRIMARY KEY)',
  `CREATE FUNCTION refuse_marking() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF NEW.status = 'issued' AND EXISTS (SELECT 1 FROM refuse_marking WHERE id = NEW.id) THEN
       RAISE EXCEPTION 'the database refuses this row';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE FUNCTION refuse_certificate() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF EXISTS (SELECT 1 FROM refuse_certificate WHERE subject = NEW.subject) THEN
       RAISE EXCEPTION 'the database refuses this row';
     END IF;
     RETURN NEW;
   END $$`,
  'CREATE TRIGGER refuse_marking BEFORE UPDATE ON pending_enrollments FOR EACH ROW EXECUTE FUNCTION refuse_marking()',
  'CREATE TRIGGER refuse_certificate BEFORE INSERT ON certificates FOR EACH ROW EXECUTE FUNCTION refuse_certificate()',
];

/** The one certificate of a base64 certs-only answer (SignedData's certificates field). */
function certificateOf(answer: HttpsAnswer): Certificate {
  assert.equal(answer.status, 200, answer.body.toString());
  const contentInfo = decodeDer(Buffer.from(answer.body.toString(), 'base64'));
  const signedData = contentInfo.children[1]!.children[0]!;
  const certificates = signedData.children.find((child) => child.tag === 0xa0)!;
  assert.equal(certificates.children.length, 1);
  return parseCertificate(certificates.children[0]!.bytes);
}

function accepted(answer: HttpsAnswer): string {
  assert.equal(answer.status, 202, answer.body.toString());
  const id = /enrollment ([0-9a-f]{16}) waits/.exec(answer.body.toString())?.[1];
  assert.ok(id !== undefined, answer.body.toString());
  return id;
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`collecting an approved enrollment, on ${kind}`, () => {
    let database: TestDatabase | undefined;
    let est: EstHarness;
    let ca: string;

    /** Runs SQL (`?` parameters) on the CA's database through a connection of its own, beside the running store's. */
    async function execute(sql: string, parameters: readonly string[] = []): Promise<void> {
      if (database === undefined) {
        const db = new Database(join(est.h.dir, 'symbolon.db'));
        try {
          db.prepare(sql).run(...parameters);
        } finally {
          db.close();
        }
        return;
      }
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        let position = 0;
        await client.query(
          sql.replace(/\?/g, () => `$${++position}`),
          [...parameters],
        );
      } finally {
        await client.end();
      }
    }

    before(async () => {
      ({ est, database } = await startEstOnStore(kind, join(temp.path, kind), 'est_collection', {
        sqlite: SQLITE_SETUP,
        postgres: POSTGRES_SETUP,
      }));
      ca = readFileSync(est.caFile, 'utf8');
    });
    after(async () => {
      await est?.close();
      await database?.drop();
    });

    function post(
      node: EstHarness,
      path: string,
      csr: Buffer,
      headers: Record<string, string>,
      client: { cert?: string; key?: string } = {},
    ): Promise<HttpsAnswer> {
      return httpsRequest(`${node.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/pkcs10', ...headers },
        body: csr.toString('base64'),
        ca,
        ...client,
      });
    }

    async function approve(id: string): Promise<void> {
      await decideEnrollment(id, 'approved', { store: est.h.services.store, now: new Date(), actor: 'test' });
    }

    /** The certificates whose subject is `CN=<name>`, and the audit entries that issued them. */
    async function issuedTo(name: string): Promise<{ certificates: number; entries: number }> {
      const page = await est.h.services.store.listCertificates({ now: new Date() });
      const entries = await est.h.services.store.readAuditLog(0, 100_000);
      return {
        certificates: page.filter((record) => record.subject === `CN=${name}`).length,
        entries: entries.filter(
          (entry) =>
            (entry.action === 'certificate.issue' || entry.action === 'certificate.renew') &&
            (JSON.parse(entry.payload) as { subject?: unknown }).subject === `CN=${name}`,
        ).length,
      };
    }

    /** Asserts the answer is a 500 and that EST reported the database's refusal behind it. */
    function assertRefusedByDatabase(answer: HttpsAnswer): void {
      assert.equal(answer.status, 500, answer.body.toString());
      const errors = est.takeErrors();
      assert.equal(errors.length, 1, errors.map(String).join('\n'));
      assert.ok(isSymbolonError(errors[0], 'STORE_UNAVAILABLE'), String(errors[0]));
      assert.match((errors[0] as Error).message, /the database refuses this row/);
    }

    /** Asserts the enrollment is still approved, with no certificate recorded for it. */
    async function assertStillApproved(id: string): Promise<void> {
      const enrollment = await est.h.services.store.getPendingEnrollment(id);
      assert.deepEqual([enrollment?.status, enrollment?.certificate], ['approved', null]);
    }

    test('a refused move to issued stores no certificate and leaves the enrollment approved; the retry issues exactly one, then serves it again', async () => {
      const token = await est.token({ profile: 'device' });
      const { csr, keyPem } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-marking' }]] });
      const auth = { Authorization: basic(token) };
      const id = accepted(await post(est, '/device/simpleenroll', csr, auth));
      await approve(id);
      await execute('INSERT INTO refuse_marking (id) VALUES (?)', [id]);

      assertRefusedByDatabase(await post(est, '/device/simpleenroll', csr, auth));
      await assertStillApproved(id);
      assert.deepEqual(await issuedTo('sensor-marking'), { certificates: 0, entries: 0 });

      await execute(`DELETE FROM refuse_marking`);
      const certificate = certificateOf(await post(est, '/device/simpleenroll', csr, auth));
      const again = certificateOf(await post(est, '/device/simpleenroll', csr, auth));
      assert.ok(again.der.equals(certificate.der), 'a retry gets the same certificate');
      assert.deepEqual(await issuedTo('sensor-marking'), { certificates: 1, entries: 1 });
      const issued = await est.h.services.store.getPendingEnrollment(id);
      assert.deepEqual([issued?.status, issued?.certificate], ['issued', { issuerId: 'intermediate-1', serial: certificate.serialNumber }]);

      // A re-enrollment held for approval is collected the same way (renewalOf).
      const { csr: renewal } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-marking' }]] });
      const client = {
        cert: `-----BEGIN CERTIFICATE-----\n${certificate.der.toString('base64')}\n-----END CERTIFICATE-----\n`,
        key: keyPem,
      };
      const renewalId = accepted(await post(est, '/device/simplereenroll', renewal, {}, client));
      await approve(renewalId);
      await execute('INSERT INTO refuse_marking (id) VALUES (?)', [renewalId]);
      assertRefusedByDatabase(await post(est, '/device/simplereenroll', renewal, {}, client));
      await assertStillApproved(renewalId);
      assert.deepEqual(await issuedTo('sensor-marking'), { certificates: 1, entries: 1 });

      await execute(`DELETE FROM refuse_marking`);
      const renewed = certificateOf(await post(est, '/device/simplereenroll', renewal, {}, client));
      assert.ok(certificateOf(await post(est, '/device/simplereenroll', renewal, {}, client)).der.equals(renewed.der));
      assert.deepEqual(await issuedTo('sensor-marking'), { certificates: 2, entries: 2 });
      const record = await est.h.services.store.getCertificate({ issuerId: 'intermediate-1', serial: renewed.serialNumber });
      assert.deepEqual(record?.renewalOf, { issuerId: 'intermediate-1', serial: certificate.serialNumber });
      assert.deepEqual((await est.h.services.store.getPendingEnrollment(renewalId))?.certificate, {
        issuerId: 'intermediate-1',
        serial: renewed.serialNumber,
      });
    });

    test('a refused certificate insert leaves the enrollment approved; the retry issues exactly one', async () => {
      const token = await est.token({ profile: 'device' });
      const { csr } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: 'sensor-insert' }]] });
      const auth = { Authorization: basic(token) };
      const id = accepted(await post(est, '/device/simpleenroll', csr, auth));
      await approve(id);
      await execute('INSERT INTO refuse_certificate (subject) VALUES (?)', ['CN=sensor-insert']);

      assertRefusedByDatabase(await post(est, '/device/simpleenroll', csr, auth));
      await assertStillApproved(id);
      assert.deepEqual(await issuedTo('sensor-insert'), { certificates: 0, entries: 0 });

      await execute(`DELETE FROM refuse_certificate`);
      const certificate = certificateOf(await post(est, '/device/simpleenroll', csr, auth));
      assert.deepEqual(await issuedTo('sensor-insert'), { certificates: 1, entries: 1 });
      assert.deepEqual((await est.h.services.store.getPendingEnrollment(id))?.certificate, {
        issuerId: 'intermediate-1',
        serial: certificate.serialNumber,
      });
    });

    test('two nodes collecting one approved enrollment at once store one certificate, and every answer is that certificate', async () => {
      const second = await startEstNode(est);
      try {
        const nodes = [est, second];
        for (let round = 0; round < 3; round++) {
          const name = `sensor-race-${round}`;
          const token = await est.token({ profile: 'device' });
          const { csr, keyPem } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: name }]] });
          const auth = { Authorization: basic(token) };
          const id = accepted(await post(est, '/device/simpleenroll', csr, auth));
          await approve(id);
          const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post(nodes[i % 2]!, '/device/simpleenroll', csr, auth)));
          const certificates = answers.map(certificateOf);
          for (const certificate of certificates)
            assert.ok(certificate.der.equals(certificates[0]!.der), 'every answer is the one certificate');
          assert.deepEqual(await issuedTo(name), { certificates: 1, entries: 1 });
          assert.deepEqual((await est.h.services.store.getPendingEnrollment(id))?.certificate, {
            issuerId: 'intermediate-1',
            serial: certificates[0]!.serialNumber,
          });

          // The same for a re-enrollment held for approval.
          const { csr: renewal } = await makeCsr({ subject: [[{ type: '2.5.4.3', value: name }]] });
          const client = {
            cert: `-----BEGIN CERTIFICATE-----\n${certificates[0]!.der.toString('base64')}\n-----END CERTIFICATE-----\n`,
            key: keyPem,
          };
          const renewalId = accepted(await post(est, '/device/simplereenroll', renewal, {}, client));
          await approve(renewalId);
          const renewals = (
            await Promise.all(Array.from({ length: 10 }, (_, i) => post(nodes[i % 2]!, '/device/simplereenroll', renewal, {}, client)))
          ).map(certificateOf);
          for (const renewed of renewals) assert.ok(renewed.der.equals(renewals[0]!.der), 'every answer is the one renewed certificate');
          assert.deepEqual(await issuedTo(name), { certificates: 2, entries: 2 });
        }
        assert.deepEqual(second.takeErrors(), []);
      } finally {
        // Taken here so that a failed assertion above is the one reported, not the 500s behind it.
        second.takeErrors();
        await second.close();
      }
    });

    test('audit verify proves the chain and the certificates against the log', async () => {
      const verified = await runCli(['audit', 'verify', '--dir', est.h.dir]);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    });
  });
}
