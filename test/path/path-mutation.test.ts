import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makePathVectors } from '../../scripts/make-path-vectors.js';
import { P256_INFINITY_CERTIFICATE, SECP256K1_INFINITY_CERTIFICATE } from '../support/hostile-keys.js';
import { describeFailures, runIsolated } from '../support/isolated-inputs.js';
import { encodeScenario } from './path-mutation-checks.js';

// The seeded mutation test of the parsers, extended to chains: mutated leaves, intermediates and
// CRLs, shuffled and repeated pools. Whatever comes in, a result comes out (never an exception,
// never PATH_INTERNAL_ERROR), each within a time bound, and a mutant is never accepted unless it
// still carries its issuer's valid signature. Each scenario runs in a child process
// (test/support/isolated-inputs.ts), so a native abort on a mutated key is a counted failure.

const SEED = 7;
const RUNS = 1200;

const vectors = await makePathVectors();
const pick = (name: string) => vectors.find((vector) => vector.name === name)!;
const bases = [
  pick('valid P-256 chain for a TLS client'),
  pick('name constraints: every name form at once (SPIFFE included)'),
  pick('a cross-signed root leads to the other anchor'),
  pick('a leaf not listed in current CRLs'),
  pick('valid RSA-PSS chain'),
];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'replace'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number };

const position = fc.nat({ max: 1 << 16 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: position, value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
);

function mutate(base: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(base);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'flip' && out.length > 0) out[at]! ^= 1 << m.bit;
    else if (m.kind === 'replace' && out.length > 0) out[at] = m.value;
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    else if (m.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.count)]);
    else if (m.kind === 'truncate') out = out.subarray(0, at);
  }
  return out;
}

const scenario = fc.record({
  base: fc.nat({ max: bases.length - 1 }),
  // 0: the leaf, 1..: an intermediate, -1: a CRL
  target: fc.integer({ min: -1, max: 3 }),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  poolOrder: fc.array(fc.nat({ max: 7 }), { maxLength: 8 }),
  purpose: fc.constantFrom('client' as const, 'server' as const, 'any' as const),
});

test('any mutated chain gives a result, never an exception, within a time bound, each in a child process', async () => {
  const inputs = fc.sample(scenario, { seed: SEED, numRuns: RUNS }).map(({ base, target, mutations, poolOrder, purpose }) => {
    const vector = bases[base]!;
    let leaf: Buffer = vector.leaf;
    const pool = [...vector.intermediates];
    let crls = [...vector.crls];
    if (target === 0 || pool.length === 0) leaf = mutate(leaf, mutations);
    else if (target === -1 && crls.length > 0) crls = [mutate(crls[0]!, mutations), ...crls.slice(1)];
    else {
      const index = (Math.max(target, 1) - 1) % pool.length;
      pool[index] = mutate(pool[index]!, mutations);
    }
    // The pool as a peer might send it: reordered, with repeats.
    const shuffled = poolOrder.length === 0 ? pool : poolOrder.map((i) => pool[i % pool.length]!);
    return encodeScenario({ leaf, intermediates: shuffled, crls, anchors: vector.anchors, purpose });
  });
  // Issue 13: certificates with hostile keys in the pool a peer sends, and as the leaf.
  const first = bases[0]!;
  for (const hostile of [SECP256K1_INFINITY_CERTIFICATE, P256_INFINITY_CERTIFICATE]) {
    inputs.unshift(
      encodeScenario({
        leaf: first.leaf,
        intermediates: [hostile, ...first.intermediates],
        crls: first.crls,
        anchors: first.anchors,
        purpose: 'client',
      }),
    );
    inputs.unshift(
      encodeScenario({ leaf: hostile, intermediates: first.intermediates, crls: first.crls, anchors: first.anchors, purpose: 'client' }),
    );
  }
  const run = await runIsolated(new URL('./path-mutation-checks.ts', import.meta.url), 'checkChain', inputs, { batchSize: 600 });
  assert.deepEqual(run.failures, [], describeFailures(run.failures));
  // Most mutations must be refused; the few accepted ones touched bytes outside what is signed
  // or hit an intermediate that a pool repeat replaced.
  const accepted = run.outcomes.get('accepted') ?? 0;
  assert.ok(accepted < RUNS / 2, `${accepted} of ${RUNS} mutants accepted`);
});
