import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeDer, der } from '../../../src/asn1/index.js';
import type { DerNode } from '../../../src/asn1/index.js';
import { SymbolonError } from '../../../src/errors.js';
import { OID } from '../../../src/x509/oids.js';
import { buildOcspRequest, encodeCertId, OCSP_OID, parseOcspRequest } from '../../../src/x509/ocsp/index.js';

// Seeded: a failure replays with the same seed and prints the shrunk counterexample.
const SEED = 6960;
const RUNS = 6000;
const TIME_LIMIT_MS = 30_000;

const sha1Id = encodeCertId(
  { hashAlgorithm: 'sha1', issuerNameHash: Buffer.alloc(20, 0x11), issuerKeyHash: Buffer.alloc(20, 0x22) },
  Buffer.from([0x7e, 0x40, 0x0b, 0xed]),
);
const sha256Id = encodeCertId(
  { hashAlgorithm: 'sha256', issuerNameHash: Buffer.alloc(32, 0x33), issuerKeyHash: Buffer.alloc(32, 0x44) },
  Buffer.from([0x00, 0x80, 0x01]),
);
const signedRequest = der.sequence(
  der.sequence(
    der.explicit(0, der.integer(0)),
    der.explicit(1, der.contextPrimitive(2, Buffer.from('client.example.com'))),
    der.sequence(
      der.sequence(
        sha1Id.der,
        der.explicit(0, der.sequence(der.sequence(der.oid('1.3.6.1.5.5.7.48.1.7'), der.octetString(der.sequence())))),
      ),
      der.sequence(sha256Id.der),
    ),
    der.explicit(2, der.sequence(der.sequence(der.oid(OCSP_OID.nonce), der.octetString(der.octetString(Buffer.alloc(32, 0x5a)))))),
  ),
  der.explicit(
    0,
    der.sequence(
      der.sequence(der.oid(OID.ecdsaWithSha256)),
      der.bitString(Buffer.alloc(70, 0x66)),
      der.explicit(0, der.sequence(der.sequence(der.integer(1)))),
    ),
  ),
);
const BASES = [
  buildOcspRequest({ certIds: [sha1Id], nonce: Buffer.alloc(16, 0xab) }),
  buildOcspRequest({ certIds: [sha256Id, sha1Id] }),
  signedRequest,
];

/** A DER tree to edit: edits are re-encoded with right lengths, so they reach the field readers. */
interface Tree {
  tag: number;
  content: Buffer;
  children: Tree[] | undefined;
}

function toTree(node: DerNode): Tree {
  return { tag: node.tag, content: node.content, children: node.isConstructed ? node.children.map(toTree) : undefined };
}

function encode(tree: Tree): Buffer {
  const content = tree.children === undefined ? tree.content : Buffer.concat(tree.children.map(encode));
  return der.tlv(tree.tag, content);
}

function nodes(tree: Tree, siblings: Tree[] | undefined = undefined, out: { node: Tree; siblings: Tree[] | undefined }[] = []): typeof out {
  out.push({ node: tree, siblings });
  for (const child of tree.children ?? []) nodes(child, tree.children, out);
  return out;
}

type Edit =
  | { kind: 'content'; bytes: Uint8Array }
  | { kind: 'tag'; tag: number }
  | { kind: 'drop' }
  | { kind: 'repeat' }
  | { kind: 'integer'; value: bigint }
  | { kind: 'grow'; by: number };

const TAGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0a, 0x16, 0x18, 0x30, 0x31, 0x80, 0x82, 0xa0, 0xa1, 0xa2, 0xa3];

const editArbitrary = fc.record({
  target: fc.nat({ max: 1000 }),
  edit: fc.oneof(
    fc.record({ kind: fc.constant('content' as const), bytes: fc.uint8Array({ maxLength: 40 }) }),
    fc.record({ kind: fc.constant('tag' as const), tag: fc.constantFrom(...TAGS) }),
    fc.record({ kind: fc.constant('drop' as const) }),
    fc.record({ kind: fc.constant('repeat' as const) }),
    fc.record({ kind: fc.constant('integer' as const), value: fc.constantFrom(-1n, 0n, 1n, 2n, 255n, 2n ** 160n) }),
    fc.record({ kind: fc.constant('grow' as const), by: fc.integer({ min: 1, max: 40 }) }),
  ),
});

function applyEdits(base: Buffer, edits: readonly { target: number; edit: Edit }[]): Buffer {
  const tree = toTree(decodeDer(base));
  for (const { target, edit } of edits) {
    const all = nodes(tree);
    const { node, siblings } = all[target % all.length]!;
    switch (edit.kind) {
      case 'content':
        node.children = undefined;
        node.content = Buffer.from(edit.bytes);
        break;
      case 'tag':
        node.tag = node.children === undefined ? edit.tag & ~0x20 : edit.tag | 0x20;
        break;
      case 'drop':
        siblings?.splice(siblings.indexOf(node), 1);
        break;
      case 'repeat':
        siblings?.splice(siblings.indexOf(node), 0, structuredClone(node));
        break;
      case 'integer':
        Object.assign(node, { tag: 0x02, children: undefined, content: der.integer(edit.value).subarray(2) });
        break;
      case 'grow':
        if (node.children === undefined) node.content = Buffer.concat([node.content, Buffer.alloc(edit.by, 0x41)]);
        break;
    }
  }
  return encode(tree);
}

const byteDamage = fc.record({
  at: fc.nat({ max: 4096 }),
  kind: fc.constantFrom('flip', 'truncate', 'insert', 'delete', 'zero-length'),
  value: fc.nat({ max: 255 }),
});

function damage(base: Buffer, hits: readonly { at: number; kind: string; value: number }[]): Buffer {
  let out = Buffer.from(base);
  for (const { at: rawAt, kind, value } of hits) {
    const at = out.length === 0 ? 0 : rawAt % out.length;
    if (kind === 'flip' && out.length > 0) out[at]! ^= 1 << (value & 7);
    else if (kind === 'truncate') out = out.subarray(0, at);
    else if (kind === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from([value]), out.subarray(at)]);
    else if (kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + (value & 7))]);
    else if (kind === 'zero-length' && at + 1 < out.length) out[at + 1] = value & 1 ? 0x80 : 0;
  }
  return out;
}

const which = fc.nat({ max: BASES.length - 1 });
const mutant = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.tuple(which, fc.array(editArbitrary, { minLength: 1, maxLength: 3 })).map(([i, edits]) => applyEdits(BASES[i]!, edits)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(which, fc.array(byteDamage, { minLength: 1, maxLength: 4 })).map(([i, hits]) => damage(BASES[i]!, hits)),
  },
);

test(`${RUNS} mutated OCSP requests each parse or fail with a typed OCSP code`, () => {
  for (const base of BASES) assert.equal(parseOcspRequest(base).requests.length > 0, true);
  const started = performance.now();
  let parsed = 0;
  const codes = new Map<string, number>();
  fc.assert(
    fc.property(mutant, (input) => {
      try {
        const request = parseOcspRequest(input);
        parsed++;
        assert.ok(Object.isFrozen(request));
        assert.ok(request.requests.length > 0);
        for (const { certId } of request.requests) {
          assert.ok(certId.hashAlgorithm === 'sha1' || certId.hashAlgorithm === 'sha256');
          assert.equal(certId.issuerNameHash.length, certId.hashAlgorithm === 'sha1' ? 20 : 32);
          void certId.serialNumber.length;
        }
        if (request.nonce !== undefined) assert.ok(request.nonce.length >= 1 && request.nonce.length <= 32);
      } catch (error) {
        if (!(error instanceof SymbolonError)) throw error;
        // A responder maps every parser fault to malformedRequest: each one is an OCSP_ code.
        assert.match(error.code, /^OCSP_/);
        codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
      }
    }),
    { seed: SEED, numRuns: RUNS },
  );
  const elapsed = performance.now() - started;
  assert.ok(parsed > 0, 'some mutants still parse (the test reaches the field readers)');
  assert.ok((codes.get('OCSP_MALFORMED_REQUEST') ?? 0) > 0);
  assert.ok(elapsed < TIME_LIMIT_MS, `took ${Math.round(elapsed)} ms`);
});

test('arbitrary bytes give an OCSP error code, never another exception', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      try {
        parseOcspRequest(bytes);
      } catch (error) {
        if (!(error instanceof SymbolonError)) throw error;
        assert.match(error.code, /^OCSP_/);
      }
    }),
    { seed: SEED, numRuns: 3000 },
  );
});
