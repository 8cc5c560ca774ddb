import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDnsNameMatch, TrustBundle, validatePath } from '../../src/path/index.js';
import { isDirectoryNameWithinSubtree, isDnsNameWithinSubtree } from '../../src/path/names/name-constraints.js';
import { nameKey } from '../../src/path/names/name-comparison.js';
import { parseCertificate, parseName } from '../../src/x509/index.js';
import { AT, makePathVectors } from '../../scripts/make-path-vectors.js';

const vectors = await makePathVectors();
const valid = vectors.find((vector) => vector.name === 'valid P-256 chain for a TLS client')!;
const anchors = new TrustBundle(valid.anchors.map((der) => parseCertificate(der)));
const leaf = parseCertificate(valid.leaf);
const intermediate = parseCertificate(valid.intermediates[0]!);

test('returns the path leaf first, anchor last, and when the answer expires', () => {
  const result = validatePath(leaf, { anchors, intermediates: [intermediate], at: AT, purpose: 'client' });
  assert.ok(result.ok);
  assert.equal(result.path[0], leaf);
  assert.equal(result.path[1], intermediate);
  assert.equal(result.path[2], anchors.certificates[0]);
  assert.equal(result.validUntil.toISOString(), '2045-01-01T00:00:00.000Z');
  assert.ok(Object.isFrozen(result.path));
});

test('an anchor given as a certificate list works like a bundle, and a bundle has a stable version', () => {
  assert.equal(validatePath(leaf, { anchors: [anchors.certificates[0]!], intermediates: [intermediate], at: AT }).ok, true);
  assert.equal(new TrustBundle([...anchors.certificates, ...anchors.certificates]).version, anchors.version);
  assert.notEqual(new TrustBundle([intermediate, ...anchors.certificates]).version, anchors.version);
});

test('a leaf that is itself a trust anchor is a path of one', () => {
  const root = anchors.certificates[0]!;
  const result = validatePath(root, { anchors, at: AT });
  assert.ok(result.ok);
  assert.equal(result.path.length, 1);
});

test('an unexpected fault inside the validator is PATH_INTERNAL_ERROR, never valid', () => {
  const hostile = new Proxy(leaf, {
    get(target, property, receiver) {
      if (property === 'extensions') throw new TypeError('boom');
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  const result = validatePath(hostile, { anchors, intermediates: [intermediate], at: AT });
  assert.equal(result.ok, false);
  assert.equal(result.code, 'PATH_INTERNAL_ERROR');
});

test('every bound ends in PATH_LIMIT_EXCEEDED', () => {
  const options = { anchors, intermediates: [intermediate], at: AT };
  for (const limits of [{ maxCandidates: 1 }, { maxSignatureChecks: 1 }, { maxPaths: 0 }, { maxIntermediates: 0 }]) {
    const result = validatePath(leaf, { ...options, limits });
    assert.equal(result.ok, false, JSON.stringify(limits));
    assert.equal(result.code, 'PATH_LIMIT_EXCEEDED', JSON.stringify(limits));
  }
  const constrained = vectors.find((vector) => vector.name === 'name constraints: every name form at once (SPIFFE included)')!;
  const nc = validatePath(constrained.leaf, {
    anchors: constrained.anchors.map((d) => parseCertificate(d)),
    intermediates: constrained.intermediates,
    at: AT,
    limits: { maxNameComparisons: 10 },
  });
  assert.equal(nc.ok === false && nc.code, 'PATH_LIMIT_EXCEEDED');
  const mapped = vectors.find((vector) => vector.name === 'policy mapping: a leaf asserting the mapped policy')!;
  const mappedOptions = { anchors: mapped.anchors.map((d) => parseCertificate(d)), intermediates: mapped.intermediates, at: AT };
  assert.equal(validatePath(mapped.leaf, mappedOptions).ok, true);
  const policy = validatePath(mapped.leaf, { ...mappedOptions, limits: { maxPolicyWork: 2 } });
  assert.equal(policy.ok === false && policy.code, 'PATH_LIMIT_EXCEEDED');
});

test('RFC 6125 wildcard rules for peer DNS names', () => {
  assert.equal(isDnsNameMatch('*.example.com', 'a.example.com'), true);
  assert.equal(isDnsNameMatch('*.example.com', 'A.EXAMPLE.COM.'), true);
  assert.equal(isDnsNameMatch('*.example.com', 'a.b.example.com'), false);
  assert.equal(isDnsNameMatch('*.example.com', 'example.com'), false);
  assert.equal(isDnsNameMatch('*.com', 'example.com'), false);
  assert.equal(isDnsNameMatch('f*.example.com', 'foo.example.com'), false);
  assert.equal(isDnsNameMatch('*.example.com', 'xn--bcher-kva.example.com'), false);
  assert.equal(isDnsNameMatch('a.*.example.com', 'a.b.example.com'), false);
  assert.equal(isDnsNameMatch('api.example.com', 'api.example.com'), true);
});

test('DNS and directory name subtrees (RFC 5280 4.2.1.10, 7.1)', () => {
  assert.equal(isDnsNameWithinSubtree('a.example.com', 'example.com'), true);
  assert.equal(isDnsNameWithinSubtree('example.com', 'example.com'), true);
  assert.equal(isDnsNameWithinSubtree('badexample.com', 'example.com'), false);
  assert.equal(isDnsNameWithinSubtree('example.com', '.example.com'), false);
  assert.equal(isDnsNameWithinSubtree('A.Example.COM.', 'example.com'), true);
  assert.equal(isDirectoryNameWithinSubtree(parseName('/C=US/O=Acme/CN=x'), parseName('/C=US/O=ACME')), true);
  assert.equal(isDirectoryNameWithinSubtree(parseName('/C=US/O=Acme  Corp/CN=x'), parseName('/C=US/O= acme corp')), true);
  assert.equal(isDirectoryNameWithinSubtree(parseName('/C=US/CN=x'), parseName('/C=US/O=Acme')), false);
  assert.equal(nameKey(parseName('/CN=a+O=b')), nameKey(parseName('/O=b+CN=a')));
});

test('a string value that reads "#" and hex is not the same name as a value of another type with that DER (RFC 4514 2.4, RFC 5280 7.1)', () => {
  const commonName = '2.5.4.3';
  const asString = nameKey([[{ type: commonName, value: '#0c0561646d696e' }]]);
  const asOtherType = nameKey([[{ type: commonName, value: '#0c0561646d696e', isHexEncoded: true }]]);
  assert.notEqual(asString, asOtherType);
  // The string is still prepared as a string: case and inner spaces do not matter.
  assert.equal(nameKey([[{ type: commonName, value: '#AB  cd' }]]), nameKey([[{ type: commonName, value: '#ab cd' }]]));
});
