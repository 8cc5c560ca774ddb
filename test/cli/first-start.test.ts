import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDataDir, unlockActiveIssuer } from '../../src/ca/index.js';
import { makeTempDir } from '../ca/support.js';
import { REPO_ROOT } from './run-cli.js';
import { childEnv, killAllUp, spawnUp as spawnUpProcess, stopUp } from './up-process.js';
import type { UpProcess } from './up-process.js';
import { seededRandom } from '../support/seeded-random.js';

const temp = makeTempDir('symbolon-first-start-');
after(() => {
  killAllUp();
  temp.remove();
});

/** Runs `symbolon` to its end, with no terminal (as in CI). */
function run(args: readonly string[], env: Record<string, string> = childEnv()): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `up` without the feed: these tests are about its start. */
const spawnUp = (args: readonly string[]): UpProcess => spawnUpProcess(['--no-tls', ...args]);
const stop = stopUp;

/** What a killed first start left: no CA (absent or empty), or a complete CA whose generated passphrase opens its key. */
async function classify(dir: string): Promise<'absent' | 'empty' | 'complete'> {
  if (!existsSync(dir)) return 'absent';
  if (readdirSync(dir).length === 0) return 'empty';
  const dataDir = await openDataDir(dir, { actor: 'test', now: new Date() });
  try {
    const passphrase = readFileSync(join(dir, 'intermediate.passphrase'), 'utf8').trim();
    await unlockActiveIssuer(dataDir, passphrase);
    assert.equal(statSync(join(dir, 'offline/root.passphrase')).mode & 0o777, 0o600);
    assert.ok(existsSync(join(dir, 'offline/root.key.enc')));
  } finally {
    await dataDir.close();
  }
  return 'complete';
}

describe('first start', () => {
  test('kill -9 at random points of the first up leaves no CA or a complete one, and the next up creates or starts (seeded, 20 runs)', async () => {
    const seed = Number(process.env['SYMBOLON_KILL_SEED'] ?? 0x5eed15);
    const random = seededRandom(seed);
    const baseArgs = (dir: string): string[] => ['--dir', dir, '--listen', '127.0.0.1:0', '--public-base-url', 'http://ca.test:8080'];
    /** Resolves when `name` appears in `parent` (its staging directory, or the data directory). */
    const appearing = (parent: string, test: (name: string) => boolean): Promise<void> =>
      new Promise((resolve) => {
        const watcher = watch(parent, () => {
          if (readdirSync(parent).some(test)) {
            watcher.close();
            resolve();
          }
        });
        if (readdirSync(parent).some(test)) {
          watcher.close();
          resolve();
        }
      });
    const isStaging = (name: string): boolean => name.startsWith('.data.init-');
    // The window the kills aim at: from the staging directory's creation to the data directory's.
    const measuredParent = join(temp.path, 'measure');
    mkdirSync(measuredParent);
    const measured = spawnUp(baseArgs(join(measuredParent, 'data')));
    await appearing(measuredParent, isStaging);
    const initStartedAt = Date.now();
    await appearing(measuredParent, (name) => name === 'data');
    const initMs = Date.now() - initStartedAt;
    await measured.ready;
    await stop(measured);

    const outcomes: Record<string, number> = {};
    const oneRun = async (index: number): Promise<void> => {
      const parent = join(temp.path, `kill-${index}`);
      mkdirSync(parent);
      const dir = join(parent, 'data');
      // Kill points spread over the whole init and a little past it, where the CA is complete.
      const delayMs = Math.floor(random() * (2 * initMs + 50));
      const killed = spawnUp(baseArgs(dir));
      // The staging directory may come and go (renamed into place) between two watch events: the
      // data directory's arrival starts the delay as well, or the race would wait for ever.
      await Promise.race([appearing(parent, (name) => isStaging(name) || name === 'data'), killed.exited]);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      killed.child.kill('SIGKILL');
      await killed.exited;
      // A staging directory may be left beside the data directory: the next start finishes or removes it.
      const staging = readdirSync(parent).filter(isStaging);
      const state =
        staging.length === 0
          ? await classify(dir)
          : existsSync(join(parent, staging[0]!, 'symbolon.json'))
            ? 'staged complete'
            : 'staged part';
      outcomes[state] = (outcomes[state] ?? 0) + 1;
      const next = spawnUp(baseArgs(dir));
      await next.ready.catch((error: unknown) =>
        assert.fail(`run ${index} (seed ${seed}, kill ${delayMs} ms into init, left ${state}): ${String(error)}`),
      );
      if (state === 'complete') assert.doesNotMatch(next.stdout(), /created one/, `run ${index}: a complete CA was replaced`);
      await stop(next);
      assert.equal(await classify(dir), 'complete');
      assert.deepEqual(readdirSync(parent), ['data'], `run ${index}: a staging directory was left behind`);
    };
    // Two at a time: each run is two process starts.
    for (let index = 0; index < 20; index += 2) await Promise.all([oneRun(index), oneRun(index + 1)]);
    console.log(`kill -9 outcomes (seed ${seed}, init ${initMs} ms): ${JSON.stringify(outcomes)}`);
  });

  test('a half-made data directory (an older init killed part way) is explained, not taken for a foreign one', () => {
    const dir = join(temp.path, 'half-made');
    mkdirSync(join(dir, 'ca'), { recursive: true });
    writeFileSync(join(dir, 'ca/root.key.enc'), 'encrypted key, no passphrase file\n');
    writeFileSync(join(dir, 'config.yaml'), 'version: 1\n');
    for (const args of [
      ['up', '--dir', dir, '--listen', '127.0.0.1:0', '--no-tls'],
      ['ca', 'list', '--dir', dir],
    ]) {
      const result = run(args);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /^symbolon: CA_DATA_DIR_INCOMPLETE: .*half made.*interrupted.*move it away/);
    }
    assert.equal(existsSync(join(dir, 'symbolon.lock')), false, 'nothing is written into it');
  });

  test('ca init without a terminal generates both passphrases into 0600 files it names, and the tour works from it', () => {
    const dir = join(temp.path, 'init-no-tty');
    const init = run(['ca', 'init', '--dir', dir]);
    assert.equal(init.status, 0, init.stderr);
    for (const file of ['intermediate.passphrase', 'offline/root.passphrase', 'offline/root.key.enc']) {
      assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);
    }
    assert.ok(
      init.stdout.includes(join(dir, 'intermediate.passphrase')) && init.stdout.includes(join(dir, 'offline/root.passphrase')),
      init.stdout,
    );
    assert.match(init.stdout, /offline\/ holds the root key and its passphrase: move the folder to offline storage/);
    assert.equal(existsSync(join(dir, 'ca/root.key.enc')), false, 'the root key is only in offline/');
    // The README tour's first step: the passphrase from the generated file.
    const passphrase = readFileSync(join(dir, 'intermediate.passphrase'), 'utf8').trim();
    const issued = run(
      ['ca', 'issue', '--dir', dir, '--profile', 'client', '--name', 'tour', '--out', join(temp.path, 'tour')],
      childEnv({ SYMBOLON_CA_PASSPHRASE: passphrase }),
    );
    assert.equal(issued.status, 0, issued.stderr);
    // Without the variable, the generated file is read.
    const fromFile = run(['ca', 'issue', '--dir', dir, '--profile', 'client', '--name', 'tour2', '--out', join(temp.path, 'tour2')]);
    assert.equal(fromFile.status, 0, fromFile.stderr);
    // The next intermediate takes the root from offline/ and the generated passphrase, which up unlocks every intermediate with.
    const rotated = run(['ca', 'intermediate', 'create', '--dir', dir]);
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, /Created intermediate-2/);
  });

  test('the root passphrase is read from offline/ beside the key and never from the environment unless named; without offline/ the root commands say so', () => {
    const dir = join(temp.path, 'root-offline');
    assert.equal(run(['ca', 'init', '--dir', dir]).status, 0);
    // A wrong SYMBOLON_ROOT_PASSPHRASE is not read: the generated file beside the key is.
    const made = run(['ca', 'root-crl', '--dir', dir], childEnv({ SYMBOLON_ROOT_PASSPHRASE: 'wrong root passphrase' }));
    assert.equal(made.status, 0, made.stderr);
    const named = run(
      ['ca', 'root-crl', '--dir', dir, '--root-passphrase-env', 'SYMBOLON_ROOT_PASSPHRASE'],
      childEnv({ SYMBOLON_ROOT_PASSPHRASE: 'wrong root passphrase' }),
    );
    assert.equal(named.status, 2);
    assert.match(named.stderr, /^symbolon: KEY_BAD_PASSPHRASE: /);

    const usb = join(temp.path, 'usb-stick');
    renameSync(join(dir, 'offline'), usb);
    const missing = run(['ca', 'root-crl', '--dir', dir]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^symbolon: CA_ROOT_KEY_MISSING: .*bring the offline folder back/);
    const fromStick = run(['ca', 'root-crl', '--dir', dir, '--root-key', join(usb, 'root.key.enc')]);
    assert.equal(fromStick.status, 0, fromStick.stderr);
  });
});

describe('one process per data directory', () => {
  test("up says at every start that offline/ is still there; a second up is refused naming the first one's PID; a dead holder's lock is taken over", async () => {
    const dir = join(temp.path, 'locked');
    const first = spawnUp(['--dir', dir, '--listen', '127.0.0.1:0', '--public-base-url', 'http://ca.test:8080']);
    await first.ready;
    assert.match(first.stdout(), /Offline: \S+offline is still here/);
    assert.equal(readFileSync(join(dir, 'symbolon.lock'), 'utf8').trim(), String(first.child.pid));

    const second = run(['up', '--dir', dir, '--listen', '127.0.0.1:0', '--no-tls']);
    assert.equal(second.status, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`^symbolon: CA_DATA_DIR_LOCKED: .* in use by process ${first.child.pid} `));

    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(existsSync(join(dir, 'symbolon.lock')), 'kill -9 leaves the lock behind');
    const third = spawnUp(['--dir', dir, '--listen', '127.0.0.1:0']);
    await third.ready;
    assert.equal(readFileSync(join(dir, 'symbolon.lock'), 'utf8').trim(), String(third.child.pid));
    // With offline/ moved away, no reminder.
    await stop(third);
    assert.equal(existsSync(join(dir, 'symbolon.lock')), false, 'a clean stop releases the lock');
    renameSync(join(dir, 'offline'), join(temp.path, 'locked-offline'));
    const fourth = spawnUp(['--dir', dir, '--listen', '127.0.0.1:0']);
    await fourth.ready;
    assert.doesNotMatch(fourth.stdout(), /Offline:/);
    await stop(fourth);
  });

  test('two first ups started together on one directory: one creates the CA and runs, the other is refused', async () => {
    const dir = join(temp.path, 'race');
    const args = ['--dir', dir, '--listen', '127.0.0.1:0', '--public-base-url', 'http://ca.test:8080'];
    const ups = [spawnUp(args), spawnUp(args)];
    const results = await Promise.all(
      ups.map((up) =>
        up.ready.then(
          () => 'up' as const,
          () => 'refused' as const,
        ),
      ),
    );
    assert.deepEqual([...results].sort(), ['refused', 'up'], ups.map((up) => up.stderr()).join('\n'));
    const refused = ups[results.indexOf('refused')]!;
    const running = ups[results.indexOf('up')]!;
    assert.match(refused.stderr(), new RegExp(`CA_DATA_DIR_LOCKED: .*process ${running.child.pid}`));
    await stop(running);
    assert.deepEqual(
      readdirSync(temp.path).filter((name) => name.startsWith('.race.init-')),
      [],
      'no staging directory is left',
    );
  });
});

test('ca init makes the parents of a data directory that do not exist yet', () => {
  const dir = join(temp.path, 'not', 'yet', 'there');
  const init = run(['ca', 'init', '--dir', dir]);
  assert.equal(init.status, 0, init.stderr);
  assert.ok(existsSync(join(dir, 'symbolon.json')));
  assert.deepEqual(readdirSync(join(temp.path, 'not', 'yet')), ['there'], 'no staging directory is left');
});
