import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readCredentialDir } from '../../src/client/index.js';
import { makeTempDir } from '../ca/support.js';
import { childEnv } from '../cli/up-process.js';
import { REPO_ROOT } from '../cli/run-cli.js';
import { seededRandom } from '../support/seeded-random.js';
import { MAIN, makeClientTemplateCa, startClientHarness, TSX } from './support/client-harness.js';
import type { ClientHarness } from './support/client-harness.js';

// Issue #18's proof of the atomic directory: `symbolon agent --once --force` (a real process)
// is killed with SIGKILL at seeded random points around its renewal, 20 times over one directory;
// after each kill the directory holds a key and a certificate that belong together, both through
// `current` and through the top-level key.pem / cert.pem links.

const RUNS = 20;
const SEED = 0x5eed18;
const temp = makeTempDir('symbolon-agent-kill-');
let harness: ClientHarness;

before(async () => {
  harness = await startClientHarness(await makeClientTemplateCa(temp.path), temp.path);
});
after(async () => {
  await harness?.est.close();
  temp.remove();
});

function agent(args: readonly string[]): {
  done: Promise<{ code: number | null; signal: string | null; stdout: string }>;
  kill: () => void;
} {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'agent', ...args], {
    cwd: REPO_ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout })),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

function assertMatching(dir: string, run: number): string {
  const key = createPrivateKey(readFileSync(join(dir, 'key.pem')));
  const cert = new X509Certificate(readFileSync(join(dir, 'cert.pem')));
  assert.ok(cert.checkPrivateKey(key), `run ${run}: key.pem and cert.pem do not match`);
  assert.ok(
    createPublicKey(key)
      .export({ type: 'spki', format: 'der' })
      .equals(cert.publicKey.export({ type: 'spki', format: 'der' })),
  );
  return cert.serialNumber;
}

test(`SIGKILL at ${RUNS} seeded random points of a renewal never leaves a key without its certificate`, async () => {
  const dir = join(temp.path, 'agent');
  const token = await harness.est.token({ names: ['killed-*'], uses: 1 });
  const common = ['--dir', dir, '--est', harness.est.url, '--ca', harness.est.caFile, '--no-ocsp'];
  const first = await agent([...common, '--once', '--token', `${token.id}:${token.secret}`, '--name', 'killed-1']).done;
  assert.equal(first.code, 0, first.stdout);
  assertMatching(dir, 0);

  // How long a whole run takes here, so the kills fall across its life and its renewal.
  const started = Date.now();
  const calibration = await agent([...common, '--once', '--force']).done;
  assert.equal(calibration.code, 0, calibration.stdout);
  // Re-estimated as runs go: a machine that gets busier mid-test would otherwise put every kill before the renewal.
  let wholeMs = Date.now() - started;

  const random = seededRandom(SEED);
  let renewedBeforeKill = 0;
  let keptAtKill = 0;
  for (let run = 1; run <= RUNS; run++) {
    const before = (await readCredentialDir(dir))!.version;
    const child = agent([...common, '--once', '--force']);
    // Late in the run: most of it is starting Node; the renewal is its last tenth or so.
    const delay = Math.floor(wholeMs * (0.6 + random() * 0.5));
    const runStarted = Date.now();
    const timer = setTimeout(child.kill, delay);
    const ended = await child.done;
    clearTimeout(timer);
    if (ended.code === 0) wholeMs = Date.now() - runStarted;
    assertMatching(dir, run);
    const held = await readCredentialDir(dir);
    assert.ok(held !== undefined, `run ${run}: current names a matching credential`);
    if (held.version === before) keptAtKill++;
    else renewedBeforeKill++;
    // Killed before its renewal: the runs take longer than estimated.
    if (ended.signal === 'SIGKILL' && held.version === before) wholeMs *= 1.1;
    assert.ok(ended.signal === 'SIGKILL' || ended.code === 0, `run ${run}: ${ended.code} ${ended.stdout}`);
  }
  // Both sides of the swap were hit, so the kills did fall around the renewal.
  assert.ok(keptAtKill > 0 && renewedBeforeKill > 0, `kept ${keptAtKill}, renewed ${renewedBeforeKill}`);
});
