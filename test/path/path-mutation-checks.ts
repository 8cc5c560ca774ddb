// The check of path-mutation.test.ts, run by `runIsolated` in child processes, one scenario
// each: a mutated chain can carry a key that reaches node:crypto, whose native asserts abort the
// process. A scenario comes in as DER (see `encodeScenario`), since the parent's vectors hold
// keys made at random that the child cannot make again.
import assert from 'node:assert/strict';
import { decodeDer, der, readString } from '../../src/asn1/index.js';
import { TrustBundle, validatePath } from '../../src/path/index.js';
import type { PathPurpose, PathResult } from '../../src/path/index.js';
import { parseCertificate, parseCrl } from '../../src/x509/index.js';
import { AT } from '../../scripts/make-path-vectors.js';

const PER_VALIDATION_LIMIT_MS = 1000;

export interface Scenario {
  readonly leaf: Buffer;
  readonly intermediates: readonly Buffer[];
  readonly crls: readonly Buffer[];
  readonly anchors: readonly Buffer[];
  readonly purpose: PathPurpose;
}

const list = (items: readonly Buffer[]): Buffer => der.sequenceOf(items.map((item) => der.octetString(item)));

/** A scenario as one input: SEQUENCE { leaf, intermediates, crls, anchors, purpose }. */
export function encodeScenario(scenario: Scenario): Buffer {
  return der.sequence(
    der.octetString(scenario.leaf),
    list(scenario.intermediates),
    list(scenario.crls),
    list(scenario.anchors),
    der.utf8String(scenario.purpose),
  );
}

function decodeScenario(input: Buffer): Scenario {
  const [leaf, intermediates, crls, anchors, purpose] = decodeDer(input).children;
  const items = (node: typeof leaf): Buffer[] => node!.children.map((child) => Buffer.from(child.content));
  return {
    leaf: Buffer.from(leaf!.content),
    intermediates: items(intermediates),
    crls: items(crls),
    anchors: items(anchors),
    purpose: readString(purpose!) as PathPurpose,
  };
}

/** Validates the scenario's chain: 'accepted', or the PATH_ code it was refused with. */
export function checkChain(input: Buffer): string {
  const { leaf, intermediates, crls, anchors, purpose } = decodeScenario(input);
  const bundle = new TrustBundle(anchors.map((anchor) => parseCertificate(anchor)));
  const parsedCrls = crls.flatMap((crl) => {
    try {
      return [parseCrl(crl)];
    } catch {
      return []; // A CRL that does not parse never reaches the validator (the CRL parser's own test covers it).
    }
  });
  const t0 = performance.now();
  let result: PathResult;
  try {
    result = validatePath(leaf, { anchors: bundle, intermediates, at: AT, purpose, crls: parsedCrls });
  } catch (error) {
    assert.fail(`validatePath threw: ${String(error)}`);
  }
  const elapsed = performance.now() - t0;
  assert.ok(elapsed < PER_VALIDATION_LIMIT_MS, `one validation took ${elapsed.toFixed(0)} ms`);
  if (result.ok) {
    // A mutant accepted must still be a certificate its issuer signed: the path proves it.
    assert.ok(result.path.length >= 2);
    return 'accepted';
  }
  assert.notEqual(result.code, 'PATH_INTERNAL_ERROR', result.detail);
  assert.match(result.code, /^PATH_[A-Z_]+$/);
  assert.ok(Number.isInteger(result.certificateIndex) && result.certificateIndex >= 0);
  return result.code;
}
