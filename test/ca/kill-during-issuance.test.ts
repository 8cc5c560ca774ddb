import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { openDataDir, verifyStoreAudit } from '../../src/ca/index.js';
import { parseCertificates } from '../../src/x509/index.js';
import { CA_PASSPHRASE, makeTemplateCa, makeTempDir } from './support.js';

const temp = makeTempDir('symbolon-kill-');
const fixture = new URL('./fixtures/bulk-issue.ts', import.meta.url).pathname;
const repo = new URL('../..', import.meta.url).pathname;
let dir: string;
before(async () => {
  dir = await makeTemplateCa(temp.path);
});
after(() => temp.remove());

/** Runs the bulk issuer; kills it with SIGKILL once `killAfter` serials were printed. Returns the serials it printed. */
function runBulk(
  count: number,
  killAfter: number | undefined,
  outDir: string,
): Promise<{ serials: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, String(count), outDir], {
      cwd: repo,
      env: { ...process.env, SYMBOLON_TEST_CA_PASSPHRASE: CA_PASSPHRASE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    let stderr = '';
    const serials: string[] = [];
    // Bound the test in time whatever happens.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      serials.push(...lines);
      if (killAfter !== undefined && serials.length >= killAfter && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (signal === null && code !== 0) reject(new Error(`bulk issuer exited ${code}: ${stderr}`));
      else resolve({ serials, signal });
    });
  });
}

function temporaryFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.tmp'));
}

test('kill -9 during a bulk issuance of 10,000: every returned certificate is stored, none duplicated, the chain verifies, no temporary file is left', async () => {
  const outDir = join(temp.path, 'issued');
  const killed = await runBulk(10_000, 1_500, outDir);
  assert.equal(killed.signal, 'SIGKILL', 'the issuer finished before it was killed; raise the count');
  assert.ok(killed.serials.length >= 1_500 && killed.serials.length < 10_000);

  // Restart: the CA opens the same data directory and goes on issuing.
  const restarted = await runBulk(50, undefined, outDir);
  assert.equal(restarted.serials.length, 50);

  const printed = [...killed.serials, ...restarted.serials];
  assert.equal(new Set(printed).size, printed.length, 'a serial was returned twice');
  const dataDir = await openDataDir(dir, { actor: 'test', now: new Date() });
  try {
    const records = await dataDir.store.listCertificates({ now: new Date() });
    const stored = new Set(records.map((r) => r.serial));
    assert.equal(stored.size, records.length, 'a serial is stored twice');
    for (const serial of printed) assert.ok(stored.has(serial), `returned serial ${serial} is not in the store`);
    const audit = await verifyStoreAudit(dataDir.store);
    assert.ok(audit.ok, JSON.stringify(audit));
    const issuances = (await dataDir.store.readAuditLog(0, 1_000_000)).filter((entry) => entry.action === 'certificate.issue');
    assert.equal(issuances.length, records.length, 'every stored certificate has its audit entry and no entry lacks its certificate');
  } finally {
    await dataDir.close();
  }
  const db = new Database(join(dir, 'symbolon.db'), { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
  assert.deepEqual(temporaryFiles(dir), []);
  assert.deepEqual(temporaryFiles(outDir), []);
  // Every certificate file that exists is whole.
  for (const name of readdirSync(outDir)) assert.equal(parseCertificates(readFileSync(join(outDir, name))).length, 1, name);
});
