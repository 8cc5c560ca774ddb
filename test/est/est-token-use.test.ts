import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isSymbolonError } from '../../src/errors.js';
import { makeTempDir } from '../ca/support.js';
import { runCli } from '../cli/run-cli.js';
import type { TestDatabase } from '../support/postgres-database.js';
import { basic, httpsRequest, makeCsr } from './support/est-harness.js';
import type { EstHarness, HttpsAnswer } from './support/est-harness.js';
import { startEstOnStore } from './support/est-on-store.js';

// An enrollment token's use is recorded in the transaction of what it pays for: the certificate
// (simpleenroll, serverkeygen) or the enrollment held for approval. Both are stored or neither:
// a write the database refuses spends no use, and of concurrent enrollments spending a token's
// last use exactly one is stored. On SQLite and on PostgreSQL, over HTTPS.

const temp = makeTempDir('symbolon-est-token-use-');
after(() => temp.remove());

/** Names the database refuses: its triggers fail the insert, as a full disk or a lost connection would. */
const DOOMED = 'doomed';

const SQLITE_TRIGGERS = ['certificates', 'pending_enrollments'].map(
  (table) =>
    `CREATE TRIGGER refuse_${table} BEFORE INSERT ON ${table} WHEN NEW.subject LIKE '%${DOOMED}%'
     BEGIN SELECT RAISE(ABORT, 'the database refuses this row'); END`,
);
const POSTGRES_TRIGGERS = [
  `CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF NEW.subject LIKE '%${DOOMED}%' THEN RAISE EXCEPTION 'the database refuses this row'; END IF;
     RETURN NEW;
   END $$`,
  ...['certificates', 'pending_enrollments'].map(
    (table) => `CREATE TRIGGER refuse_${table} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_doomed()`,
  ),
];

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`an enrollment token's use and what it pays for, on ${kind}`, () => {
    let database: TestDatabase | undefined;
    let est: EstHarness;
    let ca: string;

    before(async () => {
      ({ est, database } = await startEstOnStore(kind, join(temp.path, kind), 'est_token_use', {
        sqlite: SQLITE_TRIGGERS,
        postgres: POSTGRES_TRIGGERS,
      }));
      ca = readFileSync(est.caFile, 'utf8');
    });
    after(async () => {
      await est?.close();
      await database?.drop();
    });

    function enroll(path: string, token: { id: string; secret: string }, csr: Buffer): Promise<HttpsAnswer> {
      return httpsRequest(`${est.url}${path}`, {
        method: 'POST',
        headers: { Authorization: basic(token), 'Content-Type': 'application/pkcs10' },
        body: csr.toString('base64'),
        ca,
      });
    }

    async function csrFor(name: string): Promise<Buffer> {
      return (await makeCsr({ subject: [[{ type: '2.5.4.3', value: name }]] })).csr;
    }

    async function usesLeft(token: { id: string }): Promise<number | undefined> {
      return (await est.h.services.store.getEnrollmentToken(token.id))?.usesLeft;
    }

    async function auditActions(target: string): Promise<string[]> {
      const entries = await est.h.services.store.readAuditLog(0, 100_000);
      return entries.filter((entry) => entry.target === target).map((entry) => entry.action);
    }

    /** Asserts each answer is a 500 and that EST reported the database's refusal behind it. */
    function assertRefusedByDatabase(answers: readonly HttpsAnswer[]): void {
      for (const answer of answers) assert.equal(answer.status, 500, answer.body.toString());
      const errors = est.takeErrors();
      assert.equal(errors.length, answers.length);
      for (const error of errors) {
        assert.ok(isSymbolonError(error, 'STORE_UNAVAILABLE'), String(error));
        assert.match(error.message, /the database refuses this row/);
      }
    }

    test('an issuance the database refuses after the token checks spends no use and writes no token.use; the use then pays for a certificate', async () => {
      const token = await est.token({ uses: 2 });
      const certificates = await est.h.services.store.certificateCount();
      assertRefusedByDatabase([
        await enroll('/simpleenroll', token, await csrFor(`sensor-${DOOMED}-1`)),
        await enroll('/serverkeygen', token, await csrFor(`sensor-${DOOMED}-2`)),
      ]);
      assert.equal(await usesLeft(token), 2);
      assert.deepEqual(await auditActions(`token/${token.id}`), ['token.create']);
      assert.equal(await est.h.services.store.certificateCount(), certificates);

      for (const path of ['/simpleenroll', '/serverkeygen']) {
        const answer = await enroll(path, token, await csrFor(`sensor-fine${path.replace('/', '-')}`));
        assert.equal(answer.status, 200, answer.body.toString());
      }
      assert.equal(await usesLeft(token), 0);
      assert.deepEqual(await auditActions(`token/${token.id}`), ['token.create', 'token.use', 'token.use']);
      assert.equal(await est.h.services.store.certificateCount(), certificates + 2);
      const spent = await enroll('/simpleenroll', token, await csrFor('sensor-late'));
      assert.equal(spent.status, 401);
      assert.match(spent.body.toString(), /^EST_TOKEN_USED_UP: /);
    });

    test('an enrollment held for approval that the database refuses spends no use; the use then pays for the one recorded', async () => {
      const token = await est.token({ profile: 'device' });
      assertRefusedByDatabase([await enroll('/device/simpleenroll', token, await csrFor(`sensor-${DOOMED}-held`))]);
      assert.equal(await usesLeft(token), 1);
      assert.deepEqual(await auditActions(`token/${token.id}`), ['token.create']);

      const csr = await csrFor('sensor-held');
      const held = await enroll('/device/simpleenroll', token, csr);
      assert.equal(held.status, 202, held.body.toString());
      assert.equal(await usesLeft(token), 0);
      // The client's retry finds its enrollment, though the token has no use left.
      assert.equal((await enroll('/device/simpleenroll', token, csr)).status, 202);
      assert.deepEqual(await auditActions(`token/${token.id}`), ['token.create', 'token.use']);
    });

    test('20 concurrent enrollments with a one-use token: one certificate, 19 EST_TOKEN_USED_UP, one token.use', async () => {
      for (let round = 0; round < 3; round++) {
        const token = await est.token({ names: ['race-*'] });
        const certificates = await est.h.services.store.certificateCount();
        const csrs = await Promise.all(Array.from({ length: 20 }, (_, i) => csrFor(`race-${round}-${i}`)));
        const answers = await Promise.all(csrs.map((csr, i) => enroll(i % 4 === 3 ? '/serverkeygen' : '/simpleenroll', token, csr)));
        assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, ...Array<number>(19).fill(401)]);
        for (const answer of answers.filter((answer) => answer.status === 401)) {
          assert.match(answer.body.toString(), /^EST_TOKEN_USED_UP: /);
        }
        assert.equal(await est.h.services.store.certificateCount(), certificates + 1);
        assert.deepEqual(await auditActions(`token/${token.id}`), ['token.create', 'token.use']);
      }
    });

    test('10 concurrent enrollments held for approval with a one-use token: one is recorded, 9 EST_TOKEN_USED_UP', async () => {
      const token = await est.token({ profile: 'device' });
      const before = (await est.h.services.store.listPendingEnrollments()).length;
      const csrs = await Promise.all(Array.from({ length: 10 }, (_, i) => csrFor(`sensor-queue-${i}`)));
      const answers = await Promise.all(csrs.map((csr) => enroll('/device/simpleenroll', token, csr)));
      assert.deepEqual(answers.map((answer) => answer.status).sort(), [202, ...Array<number>(9).fill(401)]);
      assert.equal((await est.h.services.store.listPendingEnrollments()).length, before + 1);
      assert.deepEqual(await auditActions(`token/${token.id}`), ['token.create', 'token.use']);
    });

    test('audit verify proves the chain and the tokens’ uses against the log', async () => {
      const verified = await runCli(['audit', 'verify', '--dir', est.h.dir]);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    });
  });
}
