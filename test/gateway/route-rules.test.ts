import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouteRules, normalizeFingerprintSha256 } from '../../src/gateway/index.js';
import type { RouteRule } from '../../src/gateway/index.js';
import { errorCodeOf } from '../../src/errors.js';
import { clientCertificate } from './client-certificates.js';

const api = await clientCertificate({
  subject: 'CN=api,OU=payments,O=Acme',
  sans: [
    { type: 'uri', value: 'spiffe://Acme.Example/ns/prod/sa/api' },
    { type: 'dns', value: 'api.svc.acme.example' },
    { type: 'email', value: 'ops@acme.example' },
  ],
  policies: ['1.3.6.1.4.1.99999.1'],
});
const other = await clientCertificate({
  subject: 'CN=batch,O=Other',
  issuer: 'CN=Other CA',
  sans: [{ type: 'uri', value: 'spiffe://acme.example/ns/dev/sa/batch' }],
});
const id = (certificate: typeof api, issuerFingerprintSha256?: string) =>
  issuerFingerprintSha256 === undefined ? { certificate } : { certificate, issuerFingerprintSha256 };
const allowOnly = (rule: RouteRule) => compileRouteRules({ allow: [rule] });

test('no rules allow every verified certificate', () => {
  assert.deepEqual(compileRouteRules({}).decide(id(api)), { allowed: true });
});

test('SPIFFE ID glob: trust domain case-insensitive, path exact', () => {
  assert.equal(allowOnly({ spiffeId: 'spiffe://acme.example/ns/*/sa/api' }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ spiffeId: 'spiffe://acme.example/**' }).decide(id(other)).allowed, true);
  assert.equal(allowOnly({ spiffeId: 'spiffe://acme.example/ns/*/sa/API' }).decide(id(api)).allowed, false);
  assert.throws(
    () => allowOnly({ spiffeId: 'spiffe://*/ns/prod' }),
    (error) => errorCodeOf(error) === 'GATEWAY_RULE_INVALID',
  );
  assert.throws(
    () => allowOnly({ spiffeId: 'https://acme.example/x' }),
    (error) => errorCodeOf(error) === 'GATEWAY_RULE_INVALID',
  );
});

test('DNS, URI and email SANs, exact and glob', () => {
  assert.equal(allowOnly({ dns: '*.svc.acme.example' }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ dns: 'api.svc.acme.example' }).decide(id(other)).allowed, false);
  assert.equal(allowOnly({ uri: 'spiffe://Acme.Example/ns/*/sa/api' }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ email: '*@acme.example' }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ email: 'ops@ACME.example' }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ email: 'OPS@acme.example' }).decide(id(api)).allowed, false);
  assert.throws(
    () => allowOnly({ email: 'o*@acme.example' }),
    (error) => errorCodeOf(error) === 'GATEWAY_RULE_INVALID',
  );
});

test('subject CN, O and OU, issuer name and policy OID', () => {
  assert.equal(allowOnly({ subjectCn: 'api', subjectO: 'Acme', subjectOu: 'payments' }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ subjectCn: 'api', subjectO: 'Other' }).decide(id(api)).allowed, false);
  assert.equal(allowOnly({ issuer: 'CN=Test Issuing CA, O=Acme' }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ issuer: 'CN=Test Issuing CA,O=Acme' }).decide(id(other)).allowed, false);
  // RFC 5280 7.1 (path/'s comparison): case and inner spacing do not make another name.
  assert.equal(allowOnly({ issuer: 'cn=test  issuing ca,o=ACME' }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ issuer: 'CN=Test Issuing CA 2,O=Acme' }).decide(id(api)).allowed, false);
  assert.equal(allowOnly({ policyOid: '1.3.6.1.4.1.99999.1' }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ policyOid: '1.3.6.1.4.1.99999.1' }).decide(id(other)).allowed, false);
  assert.throws(
    () => allowOnly({ policyOid: '1.3.6.1.*' }),
    (error) => errorCodeOf(error) === 'GATEWAY_RULE_INVALID',
  );
});

test('fingerprint pins: any case, colons allowed; issuer fingerprint from the verified chain', () => {
  const colons = api.fingerprintSha256Colons;
  assert.equal(allowOnly({ fingerprint: colons }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ fingerprint: api.fingerprintSha256.toUpperCase() }).decide(id(api)).allowed, true);
  assert.equal(allowOnly({ fingerprint: colons }).decide(id(other)).allowed, false);
  assert.equal(normalizeFingerprintSha256(colons), api.fingerprintSha256);
  assert.throws(
    () => allowOnly({ fingerprint: 'abc' }),
    (error) => errorCodeOf(error) === 'GATEWAY_RULE_INVALID',
  );
  const issuerPin = 'aa'.repeat(32);
  assert.equal(allowOnly({ issuerFingerprint: issuerPin }).decide(id(api, issuerPin.toUpperCase())).allowed, true);
  assert.equal(allowOnly({ issuerFingerprint: issuerPin }).decide(id(api)).allowed, false);
});

test('deny wins over allow and names the rule; no allow match is denied too', () => {
  const rules = compileRouteRules({
    allow: [{ spiffeId: 'spiffe://acme.example/**' }],
    deny: [{ subjectO: 'Nobody' }, { subjectOu: 'payments' }],
  });
  assert.deepEqual(rules.decide(id(api)), { allowed: false, reason: 'route_denied', rule: 'deny[1]' });
  assert.deepEqual(rules.decide(id(other)), { allowed: true });
  const decision = allowOnly({ subjectCn: 'nobody' }).decide(id(api));
  assert.equal(decision.allowed, false);
  assert.equal(decision.allowed === false && decision.reason, 'route_denied');
});

test('an empty rule is refused (it would match everything)', () => {
  assert.throws(
    () => compileRouteRules({ deny: [{ subjectCn: 'x' }, {}] }),
    (error) => errorCodeOf(error) === 'GATEWAY_RULE_INVALID' && /deny\[1\]/.test((error as Error).message),
  );
});

test('a huge rule list compiles once and decides quickly; over the limit is refused', () => {
  const allow = Array.from({ length: 10_000 }, (_, i) => ({ spiffeId: `spiffe://acme.example/ns/n${i}/**` }));
  const rules = compileRouteRules({ allow });
  const started = performance.now();
  for (let i = 0; i < 20; i++) assert.equal(rules.decide(id(api)).allowed, false);
  assert.ok(performance.now() - started < 5000);
  assert.throws(
    () => compileRouteRules({ allow: [...allow, { subjectCn: 'x' }] }),
    (error) => errorCodeOf(error) === 'GATEWAY_RULE_INVALID',
  );
});
