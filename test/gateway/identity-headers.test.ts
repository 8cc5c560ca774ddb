import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertSafeHeaderValue,
  buildXfcc,
  identityHeaders,
  CLIENT_IDENTITY_HEADERS,
  isStrippedRequestField,
  quoteXfccValue,
} from '../../src/gateway/index.js';
import { errorCodeOf } from '../../src/errors.js';
import { formatName, parsePem } from '../../src/x509/index.js';
import { clientCertificate } from './client-certificates.js';

const client = await clientCertificate({
  subject: 'CN=api\\, "quoted";x=1,O=Acme',
  sans: [
    { type: 'uri', value: 'spiffe://acme.example/ns/prod/sa/api' },
    { type: 'dns', value: 'api.svc.acme.example' },
    { type: 'dns', value: 'b.svc.acme.example' },
  ],
});
const intermediate = await clientCertificate({ subject: 'CN=Intermediate' });
const safe = /^[\x20-\x7e]*$/;

test('XFCC carries By, Hash, Cert, Subject, each URI and each DNS in Envoy order and quoting', () => {
  const value = buildXfcc(client, { by: 'spiffe://acme.example/gateway' });
  assert.ok(value.startsWith(`By=spiffe://acme.example/gateway;Hash=${client.fingerprintSha256};Cert="-----BEGIN%20CERTIFICATE-----`));
  const subject = formatName(client.subject);
  assert.equal(subject, 'CN=api\\, \\"quoted\\"\\;x\\=1,O=Acme');
  assert.ok(value.includes(`;Subject="${subject.replace(/["\\]/g, (c) => `\\${c}`)}";`), value);
  assert.match(value, /;URI=spiffe:\/\/acme.example\/ns\/prod\/sa\/api;DNS=api.svc.acme.example;DNS=b.svc.acme.example$/);
  const cert = /Cert="([^"]*)"/.exec(value)![1]!;
  assert.deepEqual(parsePem(decodeURIComponent(cert), 'CERTIFICATE'), [client.der]);
  assert.equal(buildXfcc(client, { includeCert: false }).includes('Cert='), false);
});

test('quoteXfccValue quotes values with , ; = and escapes quotes', () => {
  assert.equal(quoteXfccValue('plain'), 'plain');
  assert.equal(quoteXfccValue('a=b'), '"a=b"');
  assert.equal(quoteXfccValue('say "hi";'), '"say \\"hi\\";"');
});

test('CR, LF and non-ASCII in SANs and subject are escaped, never emitted', async () => {
  // Symbolon's builder refuses CR/LF in SANs, but another CA may not: put them on a parsed certificate.
  const built = await clientCertificate({ subject: 'CN=evil\r\nX-Injected: 1,O=Caf\u00e9 \u4e2d' });
  const hostile = {
    ...built,
    uris: ['spiffe://acme.example/a\r\nX-Injected: 1'],
    dnsNames: ['x.example\nX-Injected: 2', 'caf\u00e9.example'],
  };
  const value = buildXfcc(hostile, { by: 'spiffe://gw\r\n' });
  assert.match(value, safe);
  assert.ok(value.includes('URI=spiffe://acme.example/a%0D%0AX-Injected:%201'));
  assert.ok(value.includes('O=Caf\\\\c3\\\\a9'), value);
  assert.ok(value.includes('DNS=caf%C3%A9.example'), value);
  for (const header of Object.values(identityHeaders('both', { certificate: hostile, chain: [intermediate] }))) assert.match(header, safe);
  assert.throws(
    () => assertSafeHeaderValue('x', 'a\r\nb'),
    (error) => errorCodeOf(error) === 'GATEWAY_HEADER_UNSAFE',
  );
  assert.throws(
    () => assertSafeHeaderValue('x', 'caf\u00e9'),
    (error) => errorCodeOf(error) === 'GATEWAY_HEADER_UNSAFE',
  );
});

test('RFC 9440 Client-Cert and Client-Cert-Chain are sf-binary and an sf-list of them', () => {
  const headers = identityHeaders('rfc9440', { certificate: client, chain: [intermediate, intermediate] });
  assert.equal(headers['client-cert'], `:${client.der.toString('base64')}:`);
  assert.equal(headers['client-cert-chain'], `:${intermediate.der.toString('base64')}:, :${intermediate.der.toString('base64')}:`);
  assert.equal('x-forwarded-client-cert' in headers, false);
  assert.equal('client-cert-chain' in identityHeaders('rfc9440', { certificate: client, chain: [] }), false);
});

test('header modes: both, xfcc, none, and no client certificate', () => {
  assert.deepEqual(Object.keys(identityHeaders('both', { certificate: client, chain: [intermediate] })).sort(), [
    'client-cert',
    'client-cert-chain',
    'x-forwarded-client-cert',
  ]);
  assert.deepEqual(Object.keys(identityHeaders('xfcc', { certificate: client, chain: [] })), ['x-forwarded-client-cert']);
  assert.deepEqual(identityHeaders('none', { certificate: client, chain: [] }), {});
  assert.deepEqual(identityHeaders('both', undefined), {});
});

test('every identity header is dropped from client requests, whatever the case the client spelled it in', () => {
  // Both relays lowercase the name before asking (RFC 9110 5.1: names are case-insensitive).
  for (const name of ['X-Forwarded-Client-Cert', 'x-FORWARDED-client-CERT', 'CLIENT-CERT', 'Client-Cert-Chain', 'X-Forwarded-Proto'])
    assert.ok(isStrippedRequestField(name.toLowerCase()), name);
  for (const name of CLIENT_IDENTITY_HEADERS) assert.ok(isStrippedRequestField(name), name);
  for (const name of ['__proto__', 'constructor', 'hasownproperty']) assert.ok(isStrippedRequestField(name) === name.includes('_'), name);
});

test('every request field whose name has an underscore is dropped: CGI-style back ends read it as the dashed name', () => {
  for (const name of ['X_Forwarded_Client_Cert', 'Client_Cert', 'client_cert_chain', 'Transfer_Encoding', 'X-Trace_Id', '_'])
    assert.ok(isStrippedRequestField(name.toLowerCase()), name);
  for (const name of ['accept', 'x-trace-id', 'content-type']) assert.ok(!isStrippedRequestField(name), name);
  for (const name of [
    'x-forwarded-client-cert',
    'client-cert',
    'client-cert-chain',
    'transfer-encoding',
    'connection',
    'x-forwarded-proto',
  ])
    assert.ok(isStrippedRequestField(name), name);
});
