import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { der } from '../../src/asn1/index.js';
import { createSigner } from '../../src/keys/index.js';
import { crlProfileViolation } from '../../src/path/index.js';
import { encodeExtension, encodeName, OID, parseCrl, parseName } from '../../src/x509/index.js';
import type { CertificateList } from '../../src/x509/index.js';

// RFC 5280 5.2.3: a CRL carries a non-critical cRLNumber. The strict profile refuses a CRL that
// does not; rfc5280 uses it, as RFC 5280 6.3 does not depend on the number.

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const algorithm = createSigner(privateKey).algorithm;

function crlWith(extensions: readonly Buffer[]): CertificateList {
  const tbs = der.sequence(
    der.integer(1),
    algorithm.identifier,
    encodeName(parseName('/CN=CRL Issuer')),
    der.time(new Date('2029-12-01T00:00:00Z')),
    der.time(new Date('2030-02-01T00:00:00Z')),
    ...(extensions.length > 0 ? [der.explicit(0, der.sequenceOf(extensions))] : []),
  );
  return parseCrl(der.sequence(tbs, algorithm.identifier, der.bitString(sign(algorithm.hash, tbs, privateKey))));
}

test('a CRL with a non-critical cRLNumber passes both profiles', () => {
  const crl = crlWith([encodeExtension(OID.crlNumber, false, der.integer(7))]);
  assert.equal(crlProfileViolation(crl, 'strict', 'the CRL'), undefined);
  assert.equal(crlProfileViolation(crl, 'rfc5280', 'the CRL'), undefined);
});

test('a CRL without cRLNumber is refused by the strict profile only', () => {
  const crl = crlWith([]);
  assert.equal(crlProfileViolation(crl, 'strict', 'the CRL')?.code, 'PATH_CRL_NUMBER_MISSING');
  assert.equal(crlProfileViolation(crl, 'rfc5280', 'the CRL'), undefined);
});

test('a CRL with a critical cRLNumber is refused by the strict profile only', () => {
  const crl = crlWith([encodeExtension(OID.crlNumber, true, der.integer(7))]);
  const violation = crlProfileViolation(crl, 'strict', 'the CRL of certificate 0');
  assert.equal(violation?.code, 'PATH_CRL_NUMBER_CRITICAL');
  assert.match(violation.detail, /^the CRL of certificate 0 /);
  assert.equal(crlProfileViolation(crl, 'rfc5280', 'the CRL'), undefined);
});
