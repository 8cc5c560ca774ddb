import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { decodeDer, der } from '../../src/asn1/index.js';
import type { DerNode } from '../../src/asn1/index.js';
import { signatureAlgorithm } from '../../src/signatures/signature-algorithm.js';
import { OID } from '../../src/x509/oids.js';
import { extension, issuerKeys, makeCertificate, name, spkiOf, tbsOf } from './certificate-parser-fixtures.js';
import { attribute, extensionRequest, infoOf, makeCsr } from './csr-parser-fixtures.js';
import { ISSUER_SPKI_VARIABLE } from './mutation-checks.js';
import {
  P256_INFINITY_CERTIFICATE,
  P256_INFINITY_CSR,
  SECP256K1_INFINITY_CERTIFICATE,
  SECP256K1_INFINITY_CSR,
} from '../support/hostile-keys.js';
import { describeFailures, runIsolated } from '../support/isolated-inputs.js';

// Seeded: a failure replays with the same seed; the failing input is printed in base64.
const SEED = 42;
const CERTIFICATE_RUNS = 5000;
const CSR_RUNS = 3000;

const ia5 = (tag: number, text: string): Buffer => der.contextPrimitive(tag, Buffer.from(text));

const everyExtension = [
  extension(OID.basicConstraints, der.sequence(der.boolean(true), der.integer(2)), true),
  extension(OID.keyUsage, der.namedBitString([0, 5, 6]), true),
  extension(OID.extKeyUsage, der.sequence(der.oid(OID.serverAuth), der.oid(OID.clientAuth))),
  extension(
    OID.subjectAltName,
    der.sequence(
      ia5(2, 'a.example.com'),
      der.contextPrimitive(7, Buffer.from([10, 0, 0, 1])),
      der.contextPrimitive(7, Buffer.alloc(16, 1)),
      ia5(6, 'spiffe://example.org/a'),
      ia5(1, 'a@example.com'),
      der.explicit(4, name('/CN=dir')),
      der.implicit(8, der.oid('1.2.3.4')),
    ),
  ),
  extension(OID.subjectKeyIdentifier, der.octetString(Buffer.alloc(20, 7))),
  extension(
    OID.authorityKeyIdentifier,
    der.sequence(
      der.contextPrimitive(0, Buffer.alloc(20, 8)),
      der.contextConstructed(1, [der.explicit(4, name('/CN=Root'))]),
      der.contextPrimitive(2, Buffer.from([5])),
    ),
  ),
  extension(
    OID.crlDistributionPoints,
    der.sequence(
      der.sequence(
        der.explicit(0, der.contextConstructed(0, [ia5(6, 'http://crl.example.com/a.crl')])),
        der.implicit(1, der.namedBitString([1, 5])),
        der.contextConstructed(2, [ia5(2, 'crl.example.com')]),
      ),
      der.sequence(der.explicit(0, der.contextConstructed(1, [der.sequence(der.oid(OID.commonName), der.utf8String('dp'))]))),
    ),
  ),
  extension(
    OID.authorityInfoAccess,
    der.sequence(
      der.sequence(der.oid(OID.accessOcsp), ia5(6, 'http://ocsp.example.com')),
      der.sequence(der.oid(OID.accessCaIssuers), ia5(6, 'http://ca.example.com/a.crt')),
    ),
  ),
  extension(
    OID.certificatePolicies,
    der.sequence(
      der.sequence(
        der.oid('1.3.6.1.4.1.5555.1'),
        der.sequence(
          der.sequence(der.oid(OID.qualifierCps), der.ia5String('https://cps.example.com')),
          der.sequence(
            der.oid(OID.qualifierUserNotice),
            der.sequence(der.sequence(der.utf8String('Org'), der.sequence(der.integer(1))), der.utf8String('text')),
          ),
        ),
      ),
      der.sequence(der.oid(OID.anyPolicy)),
    ),
  ),
  extension(
    OID.nameConstraints,
    der.sequence(
      der.contextConstructed(0, [
        der.sequence(ia5(2, 'example.com')),
        der.sequence(der.contextPrimitive(7, Buffer.from([10, 0, 0, 0, 255, 0, 0, 0]))),
      ]),
      der.contextConstructed(1, [der.sequence(ia5(1, 'bad.example.com'), der.contextPrimitive(0, Buffer.from([0])))]),
    ),
    true,
  ),
  extension(OID.policyMappings, der.sequence(der.sequence(der.oid('1.2.3'), der.oid('1.2.4')))),
  extension(OID.policyConstraints, der.sequence(der.contextPrimitive(0, Buffer.from([1])))),
  extension(OID.inhibitAnyPolicy, der.integer(0), true),
  extension(OID.issuerAltName, der.sequence(ia5(6, 'https://issuer.example.com'))),
  extension(OID.ocspNoCheck, der.nullValue()),
  extension('1.2.3.4.5', der.utf8String('unknown'), true),
];

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pss = signatureAlgorithm('RSASSA-PSS-SHA256');
const pssTbs = tbsOf({
  innerAlgorithm: pss.identifier,
  spki: spkiOf(rsa.publicKey),
  version: 0,
  extensions: null,
  serial: der.integer(-5),
});
const pssCertificate = der.sequence(
  pssTbs,
  pss.identifier,
  der.bitString(sign('sha256', pssTbs, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })),
);

const certificates = [makeCertificate({ extensions: everyExtension }), makeCertificate(), pssCertificate];

const edKeys = generateKeyPairSync('ed25519');
const edInfo = infoOf({
  spki: spkiOf(edKeys.publicKey),
  attributes: [attribute(OID.challengePassword, der.utf8String('pw')), extensionRequest(...everyExtension.slice(0, 6))],
});
const csrs = [
  makeCsr(),
  makeCsr({ attributes: [attribute('1.2.3', der.nullValue()), extensionRequest(...everyExtension)] }),
  der.sequence(edInfo, der.sequence(der.oid(OID.ed25519)), der.bitString(sign(null, edInfo, edKeys.privateKey))),
];

/** Offsets of every length octet in a valid input, so mutations can aim at them. */
function lengthOffsets(input: Buffer): number[] {
  const offsets: number[] = [];
  const walk = (node: DerNode): void => {
    offsets.push(node.offset + 1);
    node.children.forEach(walk);
  };
  walk(decodeDer(input));
  return offsets;
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'replace'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'length'; which: number; value: number }
  | { kind: 'duplicate'; at: number; count: number; to: number };

const position = fc.nat({ max: 1 << 16 });
const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: position, value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({
    kind: fc.constant('length' as const),
    which: position,
    value: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xff, -1, 1, 2),
  }),
  fc.record({ kind: fc.constant('duplicate' as const), at: position, count: fc.integer({ min: 1, max: 64 }), to: position }),
);

function mutate(base: Buffer, lengths: readonly number[], mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(base);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.kind === 'length' ? 0 : (m as { at: number }).at % out.length;
    switch (m.kind) {
      case 'flip':
        if (out.length > 0) out[at]! ^= 1 << m.bit;
        break;
      case 'replace':
        if (out.length > 0) out[at] = m.value;
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
        break;
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.count)]);
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
      case 'length': {
        const offset = lengths[m.which % lengths.length]!;
        if (offset >= out.length) break;
        // Small values nudge the length; the others overwrite it (long forms, indefinite, zero).
        out[offset] = m.value < 0 || m.value < 3 ? (out[offset]! + m.value + 256) & 0xff : m.value;
        break;
      }
      case 'duplicate': {
        const chunk = Buffer.from(out.subarray(at, at + m.count));
        const to = m.to % (out.length + 1);
        out = Buffer.concat([out.subarray(0, to), chunk, out.subarray(to)]);
        break;
      }
    }
  }
  return out;
}

/**
 * A DER tree to mutate structurally: an OCTET STRING whose content is DER (an extension value)
 * is opened too, and every edit is re-encoded with correct lengths, so the mutant gets past the
 * framing and reaches the field and extension readers.
 */
interface Tree {
  tag: number;
  content: Buffer;
  children: Tree[] | undefined;
  /** For OCTET STRINGs holding DER: the wrapped tree. */
  wrapped: Tree | undefined;
}

function toTree(node: DerNode): Tree {
  if (node.isConstructed) return { tag: node.tag, content: node.content, children: node.children.map(toTree), wrapped: undefined };
  let wrapped: Tree | undefined;
  if (node.tag === 0x04 && node.content.length > 1) {
    try {
      wrapped = toTree(decodeDer(node.content));
    } catch {
      wrapped = undefined;
    }
  }
  return { tag: node.tag, content: node.content, children: undefined, wrapped };
}

function header(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  return Buffer.from([tag, 0x80 | octets.length, ...octets]);
}

function encodeTree(tree: Tree): Buffer {
  const content =
    tree.children !== undefined
      ? Buffer.concat(tree.children.map(encodeTree))
      : tree.wrapped !== undefined
        ? encodeTree(tree.wrapped)
        : tree.content;
  return Buffer.concat([header(tree.tag, content.length), content]);
}

/** Every node with its parent's child list (undefined for the root and wrapped roots). */
function nodesOf(
  tree: Tree,
  parent: Tree[] | undefined = undefined,
  out: { node: Tree; siblings: Tree[] | undefined }[] = [],
): { node: Tree; siblings: Tree[] | undefined }[] {
  out.push({ node: tree, siblings: parent });
  for (const child of tree.children ?? []) nodesOf(child, tree.children, out);
  if (tree.wrapped !== undefined) nodesOf(tree.wrapped, undefined, out);
  return out;
}

const TAGS = [
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x30, 0x31, 0x80, 0x81, 0x82, 0x86, 0x87, 0x88, 0xa0, 0xa1, 0xa2,
  0xa3, 0xa4,
];

type Edit =
  | { kind: 'content'; bytes: Uint8Array }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'tag'; tag: number }
  | { kind: 'drop' }
  | { kind: 'repeat' }
  | { kind: 'swap'; with: number }
  | { kind: 'shorten'; by: number }
  | { kind: 'integer'; value: bigint };

const editArbitrary: fc.Arbitrary<{ target: number; edit: Edit }> = fc.record({
  target: fc.nat({ max: 1 << 16 }),
  edit: fc.oneof(
    fc.record({ kind: fc.constant('content' as const), bytes: fc.uint8Array({ maxLength: 24 }) }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat({ max: 1 << 16 }), bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('tag' as const), tag: fc.constantFrom(...TAGS) }),
    fc.record({ kind: fc.constant('drop' as const) }),
    fc.record({ kind: fc.constant('repeat' as const) }),
    fc.record({ kind: fc.constant('swap' as const), with: fc.nat({ max: 64 }) }),
    fc.record({ kind: fc.constant('shorten' as const), by: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('integer' as const), value: fc.constantFrom(-1n, 0n, 1n, 2n, 3n, 127n, 128n, 2n ** 63n, -(2n ** 64n)) }),
  ),
});

function applyEdits(base: Buffer, edits: readonly { target: number; edit: Edit }[]): Buffer {
  const tree = toTree(decodeDer(base));
  for (const { target, edit } of edits) {
    const nodes = nodesOf(tree);
    const { node, siblings } = nodes[target % nodes.length]!;
    const index = siblings?.indexOf(node) ?? -1;
    switch (edit.kind) {
      case 'content':
        node.children = undefined;
        node.wrapped = undefined;
        node.content = Buffer.from(edit.bytes);
        break;
      case 'flip': {
        if (node.children !== undefined || node.wrapped !== undefined || node.content.length === 0) break;
        const content = Buffer.from(node.content);
        content[edit.at % content.length]! ^= 1 << edit.bit;
        node.content = content;
        break;
      }
      case 'tag':
        node.tag = node.children !== undefined ? edit.tag | 0x20 : edit.tag & ~0x20;
        break;
      case 'drop':
        if (siblings !== undefined) siblings.splice(index, 1);
        break;
      case 'repeat':
        if (siblings !== undefined) siblings.splice(index, 0, structuredClone(node));
        break;
      case 'swap': {
        if (siblings === undefined || siblings.length < 2) break;
        const other = edit.with % siblings.length;
        [siblings[index], siblings[other]] = [siblings[other]!, siblings[index]!];
        break;
      }
      case 'shorten':
        if (node.children !== undefined) node.children.splice(Math.max(0, node.children.length - edit.by));
        else if (node.wrapped === undefined) node.content = node.content.subarray(0, Math.max(0, node.content.length - edit.by));
        break;
      case 'integer':
        Object.assign(node, { tag: 0x02, children: undefined, wrapped: undefined, content: der.integer(edit.value).subarray(2) });
        break;
    }
  }
  return encodeTree(tree);
}

/** Two in three mutants are structural edits, the rest raw byte damage. */
function mutantArbitrary(bases: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const lengths = bases.map(lengthOffsets);
  const which = fc.nat({ max: bases.length - 1 });
  return fc.oneof(
    {
      weight: 2,
      arbitrary: fc.tuple(which, fc.array(editArbitrary, { minLength: 1, maxLength: 3 })).map(([i, edits]) => applyEdits(bases[i]!, edits)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(which, fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }))
        .map(([i, mutations]) => mutate(bases[i]!, lengths[i]!, mutations)),
    },
  );
}

// Each mutant runs in a child process (test/support/isolated-inputs.ts): a mutated key can reach
// node:crypto, whose native asserts abort the process; such an abort is a counted failure that
// names its input, and the run goes on. The mutants are drawn here, seeded, so a failure replays.
const CHECKS = new URL('./mutation-checks.ts', import.meta.url);
const env = { [ISSUER_SPKI_VARIABLE]: spkiOf(issuerKeys.publicKey).toString('base64') };

test(`${CERTIFICATE_RUNS} mutated certificates parse or fail with a SymbolonError, each in a child process`, async () => {
  // The mutants that found issue 13 first, then the seeded run.
  const inputs = [
    SECP256K1_INFINITY_CERTIFICATE,
    P256_INFINITY_CERTIFICATE,
    ...fc.sample(mutantArbitrary(certificates), { seed: SEED, numRuns: CERTIFICATE_RUNS }),
  ];
  const run = await runIsolated(CHECKS, 'checkCertificate', inputs, { env });
  assert.deepEqual(run.failures, [], describeFailures(run.failures));
  assert.ok((run.outcomes.get('parsed') ?? 0) > 0, 'some mutations still parse (the test reaches the field readers)');
});

test(`${CSR_RUNS} mutated CSRs parse or fail with a SymbolonError, each in a child process`, async () => {
  const sampled = fc
    .sample(fc.tuple(mutantArbitrary(csrs), fc.boolean()), { seed: SEED, numRuns: CSR_RUNS })
    .map(([input, asPem]) =>
      asPem ? Buffer.from(`-----BEGIN CERTIFICATE REQUEST-----\n${input.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`) : input,
    );
  const inputs = [P256_INFINITY_CSR, SECP256K1_INFINITY_CSR, ...sampled];
  const run = await runIsolated(CHECKS, 'checkCsr', inputs, { env });
  assert.deepEqual(run.failures, [], describeFailures(run.failures));
  assert.ok((run.outcomes.get('parsed') ?? 0) > 0, 'some mutations still parse (the test reaches the field readers)');
});

test('arbitrary bytes give a SymbolonError, never another exception, each in a child process', async () => {
  const inputs = fc.sample(fc.uint8Array({ maxLength: 512 }), { seed: SEED, numRuns: 2000 }).map((bytes) => Buffer.from(bytes));
  const run = await runIsolated(CHECKS, 'checkArbitraryBytes', inputs, { env });
  assert.deepEqual(run.failures, [], describeFailures(run.failures));
});
