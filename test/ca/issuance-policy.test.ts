import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { applyProfile, BUILT_IN_PROFILES, findProfile, parseCaConfig } from '../../src/ca/index.js';
import type { CertificateRequest, PolicyContext, Profile } from '../../src/ca/index.js';
import { decodeDer } from '../../src/asn1/index.js';
import { parsePublicKeyInfo } from '../../src/x509/index.js';
import type { GeneralName, PublicKeyInfo } from '../../src/x509/index.js';
import { assertCode } from './support.js';

const NOW = new Date(Date.UTC(2030, 5, 1));
const DAY = 86_400;
const context: PolicyContext = {
  now: NOW,
  issuerId: 'intermediate-1',
  issuerNotBefore: new Date(Date.UTC(2030, 0, 1)),
  issuerNotAfter: new Date(Date.UTC(2035, 0, 1)),
  publicBaseUrl: 'https://ca.example',
  spiffeTrustDomain: 'example.org',
};

function keyInfo(spki: Buffer): PublicKeyInfo {
  return parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED');
}
const spkiOf = (pair: { publicKey: { export(o: { type: 'spki'; format: 'der' }): Buffer } }): Buffer =>
  pair.publicKey.export({ type: 'spki', format: 'der' });
const P256 = keyInfo(spkiOf(generateKeyPairSync('ec', { namedCurve: 'P-256' })));
const RSA2048 = keyInfo(spkiOf(generateKeyPairSync('rsa', { modulusLength: 2048 })));
const RSA1024 = keyInfo(spkiOf(generateKeyPairSync('rsa', { modulusLength: 1024 })));
const P192 = keyInfo(spkiOf(generateKeyPairSync('ec', { namedCurve: 'prime192v1' })));
const SECP256K1 = keyInfo(spkiOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' })));

const cn = (value: string) => [[{ type: '2.5.4.3', value }]];
function request(overrides: Partial<CertificateRequest> = {}): CertificateRequest {
  return { subject: cn('api.example.com'), subjectAltNames: [], publicKey: P256, ...overrides };
}
const dns = (value: string): GeneralName => ({ type: 'dns', value });

test('a server certificate gets its CN as DNS SAN, serverAuth, and URLs from the base URL', () => {
  const decision = applyProfile(BUILT_IN_PROFILES['server']!, request(), context);
  assert.deepEqual(decision.subjectAltName, [dns('api.example.com')]);
  assert.deepEqual(decision.extKeyUsage, ['serverAuth']);
  assert.deepEqual(decision.keyUsage, ['digitalSignature']);
  assert.deepEqual(decision.crlDistributionPoints, ['https://ca.example/crl/intermediate-1.crl']);
  assert.deepEqual(decision.authorityInfoAccess, {
    ocsp: ['https://ca.example/ocsp'],
    caIssuers: ['https://ca.example/ca/intermediate-1.crt'],
  });
  assert.equal(decision.notAfter.getTime(), NOW.getTime() + 90 * DAY * 1000);
  assert.equal(decision.notBefore.getTime(), NOW.getTime() - 60_000);
});

test('an RSA server key also gets keyEncipherment', () => {
  assert.deepEqual(applyProfile(BUILT_IN_PROFILES['server']!, request({ publicKey: RSA2048 }), context).keyUsage, [
    'digitalSignature',
    'keyEncipherment',
  ]);
});

test('refuses weak keys: RSA under 2048 bits and curves under 256 bits', async () => {
  await assertCode(() => applyProfile(BUILT_IN_PROFILES['client']!, request({ publicKey: RSA1024 }), context), 'CA_KEY_TOO_WEAK');
  await assertCode(() => applyProfile(BUILT_IN_PROFILES['client']!, request({ publicKey: P192 }), context), 'CA_KEY_TOO_WEAK');
});

test('refuses key types the profile does not allow', async () => {
  const config = parseCaConfig(
    'version: 1\nname: A\nprofiles:\n  ec-only:\n    extends: client\n    keyTypes: [p384]\n  big-rsa:\n    extends: client\n    minRsaBits: 3072\n',
  );
  await assertCode(() => applyProfile(config.profiles['ec-only']!, request(), context), 'CA_KEY_TYPE_NOT_ALLOWED');
  await assertCode(() => applyProfile(config.profiles['big-rsa']!, request({ publicKey: RSA2048 }), context), 'CA_KEY_TOO_WEAK');
  await assertCode(() => applyProfile(BUILT_IN_PROFILES['client']!, request({ publicKey: SECP256K1 }), context), 'CA_KEY_TYPE_NOT_ALLOWED');
});

test('refuses names outside the profile rules', async () => {
  const config = parseCaConfig(
    'version: 1\nname: A\nprofiles:\n  server:\n    names: { dns: ["*.svc.example.com"], ip: ["10.0.0.0/8"] }\n  device:\n    extends: client\n    names: { email: [example.com], dns: [], ip: [] }\n',
  );
  const server = config.profiles['server']!;
  assert.ok(
    applyProfile(server, request({ subject: cn('a.svc.example.com'), subjectAltNames: [{ type: 'ip', value: '10.1.1.1' }] }), context),
  );
  await assertCode(() => applyProfile(server, request({ subject: cn('api.example.com') }), context), 'CA_NAME_NOT_ALLOWED');
  await assertCode(
    () => applyProfile(server, request({ subject: cn('a.svc.example.com'), subjectAltNames: [dns('evil.test')] }), context),
    'CA_NAME_NOT_ALLOWED',
  );
  await assertCode(
    () =>
      applyProfile(server, request({ subject: cn('a.svc.example.com'), subjectAltNames: [{ type: 'ip', value: '192.168.0.1' }] }), context),
    'CA_NAME_NOT_ALLOWED',
  );
  await assertCode(
    () => applyProfile(server, request({ subject: cn('a.svc.example.com'), subjectAltNames: [dns('*.svc.example.com')] }), context),
    'CA_NAME_NOT_ALLOWED',
  );
  const device = config.profiles['device']!;
  assert.ok(
    applyProfile(device, request({ subject: cn('alice'), subjectAltNames: [{ type: 'email', value: 'alice@example.com' }] }), context),
  );
  await assertCode(
    () => applyProfile(device, request({ subject: cn('alice'), subjectAltNames: [{ type: 'email', value: 'alice@evil.test' }] }), context),
    'CA_NAME_NOT_ALLOWED',
  );
  await assertCode(
    () => applyProfile(device, request({ subject: cn('alice'), subjectAltNames: [dns('alice.example.com')] }), context),
    'CA_NAME_NOT_ALLOWED',
  );
  await assertCode(
    () => applyProfile(BUILT_IN_PROFILES['server']!, request({ subject: cn('x'), subjectAltNames: [] }), context),
    'CA_NAME_NOT_ALLOWED',
  );
});

test('a SPIFFE SVID needs exactly one SPIFFE ID in the trust domain and no CN', async () => {
  const spiffe = BUILT_IN_PROFILES['spiffe']!;
  const id = (value: string): GeneralName => ({ type: 'uri', value });
  const decision = applyProfile(spiffe, request({ subject: [], subjectAltNames: [id('spiffe://example.org/ns/prod/sa/api')] }), context);
  assert.deepEqual(decision.extKeyUsage, ['serverAuth', 'clientAuth']);
  assert.equal(decision.notAfter.getTime() - NOW.getTime(), DAY * 1000);
  await assertCode(
    () => applyProfile(spiffe, request({ subject: [], subjectAltNames: [id('spiffe://other.org/x')] }), context),
    'CA_NAME_NOT_ALLOWED',
  );
  await assertCode(
    () =>
      applyProfile(
        spiffe,
        request({ subject: [], subjectAltNames: [id('spiffe://example.org/a'), id('spiffe://example.org/b')] }),
        context,
      ),
    'CA_NAME_NOT_ALLOWED',
  );
  await assertCode(() => applyProfile(spiffe, request({ subject: [], subjectAltNames: [] }), context), 'CA_NAME_NOT_ALLOWED');
  await assertCode(
    () => applyProfile(spiffe, request({ subject: [], subjectAltNames: [id('https://example.org/x')] }), context),
    'CA_NAME_NOT_ALLOWED',
  );
  await assertCode(
    () =>
      applyProfile(spiffe, request({ subject: [], subjectAltNames: [id('spiffe://example.org/x')] }), {
        ...context,
        spiffeTrustDomain: undefined,
      }),
    'CA_NAME_NOT_ALLOWED',
  );
});

test('required and forbidden subject fields', async () => {
  const config = parseCaConfig(
    'version: 1\nname: A\nprofiles:\n  device:\n    extends: client\n    subject: { required: [CN, O], forbidden: [OU] }\n',
  );
  const device: Profile = config.profiles['device']!;
  const subject = [[{ type: '2.5.4.10', value: 'Acme' }], [{ type: '2.5.4.3', value: 'd1' }]];
  assert.ok(applyProfile(device, request({ subject }), context));
  await assertCode(() => applyProfile(device, request({ subject: cn('d1') }), context), 'CA_SUBJECT_NOT_ALLOWED');
  await assertCode(
    () => applyProfile(device, request({ subject: [...subject, [{ type: '2.5.4.11', value: 'x' }]] }), context),
    'CA_SUBJECT_NOT_ALLOWED',
  );
  await assertCode(
    () => applyProfile(BUILT_IN_PROFILES['client']!, request({ subject: [[{ type: '2.5.4.10', value: 'Acme' }]] }), context),
    'CA_SUBJECT_NOT_ALLOWED',
  );
});

test('lifetimes: beyond the profile, beyond the issuer, and an expired issuer', async () => {
  const server = BUILT_IN_PROFILES['server']!;
  assert.equal(applyProfile(server, request({ ttlSeconds: 3600 }), context).notAfter.getTime(), NOW.getTime() + 3_600_000);
  await assertCode(() => applyProfile(server, request({ ttlSeconds: 398 * DAY }), context), 'CA_LIFETIME_EXCEEDED');
  await assertCode(
    () => applyProfile(server, request({ ttlSeconds: 30 * DAY }), { ...context, issuerNotAfter: new Date(NOW.getTime() + DAY * 1000) }),
    'CA_LIFETIME_EXCEEDED',
  );
  await assertCode(() => applyProfile(server, request(), { ...context, issuerNotAfter: NOW }), 'CA_ISSUER_EXPIRED');
});

test('an ocsp-signer has ocspSigning, ocsp-nocheck, and no OCSP URL', () => {
  const decision = applyProfile(BUILT_IN_PROFILES['ocsp-signer']!, request({ subject: cn('OCSP responder') }), context);
  assert.deepEqual(decision.extKeyUsage, ['ocspSigning']);
  assert.equal(decision.ocspNoCheck, true);
  assert.equal(decision.crlDistributionPoints, undefined);
  assert.deepEqual(decision.authorityInfoAccess, { caIssuers: ['https://ca.example/ca/intermediate-1.crt'] });
});

test('an unknown profile is a typed error listing the profiles there are', async () => {
  await assertCode(() => findProfile(BUILT_IN_PROFILES, 'nope'), 'CA_PROFILE_UNKNOWN');
  await assertCode(() => findProfile(BUILT_IN_PROFILES, 'constructor'), 'CA_PROFILE_UNKNOWN');
});

test('a server certificate whose CN is not one of its names is refused (the strict profile would refuse it as a TLS server)', async () => {
  const server = BUILT_IN_PROFILES['server']!;
  await assertCode(
    () => applyProfile(server, request({ subject: cn('My API'), subjectAltNames: [dns('api.example.com')] }), context),
    'CA_NAME_NOT_ALLOWED',
  );
  await assertCode(
    () => applyProfile(server, request({ subject: cn('api'), subjectAltNames: [dns('api.example.com')] }), context),
    'CA_NAME_NOT_ALLOWED',
  );
  assert.deepEqual(
    applyProfile(server, request({ subject: cn('localhost'), subjectAltNames: [dns('localhost')] }), context).subjectAltName,
    [dns('localhost')],
  );
  assert.deepEqual(
    applyProfile(server, request({ subject: cn('10.0.0.7'), subjectAltNames: [{ type: 'ip', value: '10.0.0.7' }] }), context)
      .subjectAltName?.[0],
    { type: 'ip', value: '10.0.0.7' },
  );
  // A client keeps a free-form CN.
  assert.ok(applyProfile(BUILT_IN_PROFILES['client']!, request({ subject: cn('Jane Doe (ops)') }), context));
});
