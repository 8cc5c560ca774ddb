import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrustBundle, validatePath } from '../../src/path/index.js';
import type { PathResult, ValidationProfile } from '../../src/path/index.js';
import { anchorsOf, makeProfileVectors, PROFILE_AT } from '../../scripts/make-profile-vectors.js';
import type { ProfileVector } from '../../scripts/make-profile-vectors.js';

// Each rule of the strict profile has a chain built to break exactly that rule: refused with its
// own code by default, and under profile rfc5280 accepted where RFC 5280 allows the certificate.

const vectors = await makeProfileVectors();

function validate(vector: ProfileVector, profile?: ValidationProfile): PathResult {
  return validatePath(vector.leaf, {
    anchors: new TrustBundle(anchorsOf(vector)),
    intermediates: vector.intermediates,
    at: PROFILE_AT,
    purpose: vector.purpose,
    ...(profile !== undefined && { profile }),
  });
}

test('every strict rule has its own code and a vector that breaks it', () => {
  const codes = new Set(vectors.flatMap((vector) => (vector.strict === 'valid' ? [] : [vector.strict.code])));
  assert.ok(codes.size >= 22, `${codes.size} codes`);
});

for (const vector of vectors) {
  const strict = vector.strict;
  test(`strict (the default) ${strict === 'valid' ? 'accepts' : `refuses with ${strict.code}`}: ${vector.name}`, () => {
    const result = validate(vector);
    if (strict === 'valid') {
      assert.ok(result.ok, JSON.stringify(result));
    } else {
      assert.equal(result.ok, false, 'the chain validated');
      assert.equal(result.code, strict.code, result.detail);
      assert.equal(result.certificateIndex, strict.certificateIndex, result.detail);
    }
    assert.deepEqual(validate(vector, 'strict'), result);
  });
  test(`rfc5280 ${vector.rfc5280 === 'valid' ? 'accepts' : 'refuses too'}: ${vector.name}`, () => {
    const result = validate(vector, 'rfc5280');
    if (vector.rfc5280 === 'valid') {
      assert.ok(result.ok, JSON.stringify(result));
    } else {
      assert.equal(result.ok, false, 'the chain validated');
      assert.equal(result.code, strict === 'valid' ? undefined : strict.code, result.detail);
    }
  });
}

test('a profile chosen by the trust anchor applies to the paths that end in it', () => {
  const weak = vectors.find((vector) => vector.name === 'an RSA key of 1024 bits')!;
  const [anchor] = anchorsOf(weak);
  const byAnchor = (profile: ValidationProfile) =>
    validatePath(weak.leaf, {
      anchors: [anchor!],
      intermediates: weak.intermediates,
      at: PROFILE_AT,
      purpose: 'server',
      profile: (a) => (a.fingerprintSha256 === anchor!.fingerprintSha256 ? profile : 'strict'),
    });
  assert.equal(byAnchor('rfc5280').ok, true);
  assert.equal(byAnchor('strict').ok, false);
});
