import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseCertificate, parseCertificates } from '../../src/x509/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { runTool } from '../support/revocation-harness.js';
import { startEstHarness } from './support/est-harness.js';
import type { EstHarness } from './support/est-harness.js';

// RFC 7030 as deployed clients speak it, driven with curl and openssl as the RFC's examples do.

const temp = makeTempDir('symbolon-est-curl-');
let est: EstHarness;
let n = 0;

before(async () => {
  est = await startEstHarness(await makeTemplateCa(temp.path), temp.path);
});
after(async () => {
  await est?.close();
  temp.remove();
});

const TLS = { '1.2': ['--tlsv1.2', '--tls-max', '1.2'], '1.3': ['--tlsv1.3'] } as const;

interface CurlAnswer {
  readonly status: number;
  /** The head as sent: status line and header lines. */
  readonly head: string;
  readonly body: Buffer;
}

/** curl against the EST harness: the head and body apart, exactly as received. */
async function curl(path: string, tls: keyof typeof TLS, args: readonly string[] = []): Promise<CurlAnswer> {
  const base = join(temp.path, `curl-${++n}`);
  const result = await runTool('curl', [
    '-sS',
    ...TLS[tls],
    '--cacert',
    est.caFile,
    '-D',
    `${base}.head`,
    '-o',
    `${base}.body`,
    ...args,
    `${est.url}${path}`,
  ]);
  assert.equal(result.code, 0, result.output);
  // With --anyauth the file holds the challenge's head, then the answer's: keep the last.
  const head = readFileSync(`${base}.head`, 'latin1')
    .split(/(?=^HTTP\/1\.1 )/m)
    .at(-1)!;
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), head, body: readFileSync(`${base}.body`) };
}

/** A key and a base64 CSR made by `openssl req`, as RFC 7030's examples make them. */
async function opensslCsr(cn: string, extra: readonly string[] = []): Promise<{ key: string; csrB64: string }> {
  const base = join(temp.path, `req-${++n}`);
  const made = await runTool('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${base}.key`,
    '-subj',
    `/CN=${cn}`,
    '-outform',
    'DER',
    '-out',
    `${base}.der`,
    ...extra,
  ]);
  assert.equal(made.code, 0, made.output);
  writeFileSync(`${base}.b64`, readFileSync(`${base}.der`).toString('base64'));
  return { key: `${base}.key`, csrB64: `${base}.b64` };
}

/** `openssl pkcs7 -print_certs` of a base64 certs-only answer: the certificates it holds, as PEM. */
async function printCerts(body: Buffer): Promise<string> {
  const base = join(temp.path, `p7-${++n}`);
  writeFileSync(`${base}.der`, Buffer.from(body.toString('latin1'), 'base64'));
  const printed = await runTool('openssl', ['pkcs7', '-inform', 'DER', '-in', `${base}.der`, '-print_certs']);
  assert.equal(printed.code, 0, printed.output);
  return printed.stdout;
}

function assertWireForm(answer: CurlAnswer, contentType: string): void {
  assert.match(answer.head, new RegExp(`\\r\\nContent-Type: ${contentType.replace(/[;+]/g, '\\$&')}\\r\\n`));
  assert.match(answer.head, /\r\nContent-Transfer-Encoding: base64\r\n/);
  assert.match(answer.head, new RegExp(`\\r\\nContent-Length: ${answer.body.length}\\r\\n`));
  assert.doesNotMatch(answer.head, /Transfer-Encoding: chunked/i);
  const lines = answer.body.toString('latin1').split('\r\n');
  assert.ok(
    lines.slice(0, -1).every((line) => line.length === 64),
    'every line but the last is 64 characters',
  );
  assert.ok(lines.at(-1)!.length > 0 && lines.at(-1)!.length <= 64, 'nothing after the last line');
}

for (const tls of ['1.2', '1.3'] as const) {
  test(`cacerts over TLS ${tls}: the intermediate and the root as base64 certs-only PKCS#7`, async () => {
    const answer = await curl('/cacerts', tls);
    assert.equal(answer.status, 200);
    assertWireForm(answer, 'application/pkcs7-mime; smime-type=certs-only');
    const subjects = (await printCerts(answer.body)).match(/^subject=.*$/gm);
    assert.deepEqual(subjects?.sort(), ['subject=O = Test, CN = Test Intermediate CA 1', 'subject=O = Test, CN = Test Root CA']);
  });

  test(`simpleenroll over TLS ${tls} with a token (HTTP Basic), a CSR from openssl req sent chunked, then simplereenroll with the certificate`, async () => {
    const token = await est.token();
    const { key, csrB64 } = await opensslCsr(`sensor-tls${tls.replace('.', '')}`);
    const enrolled = await curl('/simpleenroll', tls, [
      '-u',
      `${token.id}:${token.secret}`,
      '-H',
      'Content-Type: application/pkcs10',
      '-H',
      'Transfer-Encoding: chunked',
      '--data-binary',
      `@${csrB64}`,
    ]);
    assert.equal(enrolled.status, 200, enrolled.body.toString());
    assertWireForm(enrolled, 'application/pkcs7-mime; smime-type=certs-only');
    const certPem = await printCerts(enrolled.body);
    const certFile = join(temp.path, `enrolled-${tls}.crt`);
    writeFileSync(certFile, certPem);
    const verified = await runTool('openssl', ['verify', '-CAfile', est.caFile, certFile]);
    assert.equal(verified.code, 0, verified.output);
    const certificate = parseCertificates(certPem)[0]!;
    assert.equal(
      (await est.h.services.store.getCertificate({ issuerId: 'intermediate-1', serial: certificate.serialNumber }))?.der.equals(
        certificate.der,
      ),
      true,
    );

    // Re-enrollment with the certificate just issued, a new key, the same subject.
    const renewed = await opensslCsr(`sensor-tls${tls.replace('.', '')}`);
    const answer = await curl('/simplereenroll', tls, [
      '--cert',
      certFile,
      '--key',
      key,
      '-H',
      'Content-Type: application/pkcs10',
      '--data-binary',
      `@${renewed.csrB64}`,
    ]);
    assert.equal(answer.status, 200, answer.body.toString());
    const next = parseCertificate(parseCertificates(await printCerts(answer.body))[0]!.der);
    const record = await est.h.services.store.getCertificate({ issuerId: 'intermediate-1', serial: next.serialNumber });
    assert.deepEqual(record?.renewalOf, { issuerId: 'intermediate-1', serial: certificate.serialNumber });
    assert.ok(!next.spki.equals(certificate.spki), 'the renewed certificate is for the new key');
  });

  test(`the 401 challenge over TLS ${tls}: Basic realm, before a client that sent no credentials`, async () => {
    const { csrB64 } = await opensslCsr('sensor-anonymous');
    const answer = await curl('/simpleenroll', tls, ['-H', 'Content-Type: application/pkcs10', '--data-binary', `@${csrB64}`]);
    assert.equal(answer.status, 401);
    assert.match(answer.head, /\r\nWWW-Authenticate: Basic realm="Test EST"\r\n/);
    assert.match(answer.body.toString(), /^EST_AUTH_REQUIRED: /);
    // curl --anyauth answers the challenge with the token, as deployed clients do.
    const token = await est.token();
    const retried = await curl('/simpleenroll', tls, [
      '--anyauth',
      '-u',
      `${token.id}:${token.secret}`,
      '-H',
      'Content-Type: application/pkcs10',
      '--data-binary',
      `@${csrB64}`,
    ]);
    assert.equal(retried.status, 200, retried.body.toString());
  });
}

test('csrattrs: 204 with no body on TLS 1.3; on TLS 1.2 application/csrattrs asking for challengePassword (tls-unique)', async () => {
  const none = await curl('/csrattrs', '1.3');
  assert.equal(none.status, 204);
  assert.equal(none.body.length, 0);
  const attrs = await curl('/csrattrs', '1.2');
  assert.equal(attrs.status, 200);
  assertWireForm(attrs, 'application/csrattrs');
  const file = join(temp.path, 'csrattrs.der');
  writeFileSync(file, Buffer.from(attrs.body.toString('latin1'), 'base64'));
  const parsed = await runTool('openssl', ['asn1parse', '-inform', 'DER', '-in', file]);
  assert.match(parsed.stdout, /OBJECT +:challengePassword/);
});

test('serverkeygen: multipart/mixed with the PKCS#8 key and the certificate for it (Bearer token)', async () => {
  const token = await est.token();
  const { csrB64 } = await opensslCsr('sensor-keygen');
  const answer = await curl('/serverkeygen', '1.3', [
    '-H',
    `Authorization: Bearer ${token.id}.${token.secret}`,
    '-H',
    'Content-Type: application/pkcs10',
    '--data-binary',
    `@${csrB64}`,
  ]);
  assert.equal(answer.status, 200, answer.body.toString());
  const boundary = /\r\nContent-Type: multipart\/mixed; boundary=([A-Za-z0-9-]+)\r\n/.exec(answer.head)?.[1];
  assert.ok(boundary !== undefined, answer.head);
  assert.match(answer.head, new RegExp(`\\r\\nContent-Length: ${answer.body.length}\\r\\n`));
  const parts = answer.body
    .toString('latin1')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => part.replace(/^\r\n/, '').replace(/\r\n$/, ''));
  assert.equal(parts.length, 2);
  const [keyPart, certPart] = parts.map((part) => {
    const [head, body] = part.split('\r\n\r\n') as [string, string];
    return { head, der: Buffer.from(body, 'base64') };
  }) as [{ head: string; der: Buffer }, { head: string; der: Buffer }];
  assert.equal(keyPart.head, 'Content-Type: application/pkcs8\r\nContent-Transfer-Encoding: base64');
  assert.equal(certPart.head, 'Content-Type: application/pkcs7-mime; smime-type=certs-only\r\nContent-Transfer-Encoding: base64');
  const keyFile = join(temp.path, 'keygen.key.der');
  writeFileSync(keyFile, keyPart.der);
  const publicKey = await runTool('openssl', ['pkey', '-inform', 'DER', '-in', keyFile, '-pubout']);
  assert.equal(publicKey.code, 0, publicKey.output);
  const certPem = await printCerts(Buffer.from(certPart.der.toString('base64')));
  const certFile = join(temp.path, 'keygen.crt');
  writeFileSync(certFile, certPem);
  const certKey = await runTool('openssl', ['x509', '-in', certFile, '-noout', '-pubkey']);
  assert.equal(certKey.stdout, publicKey.stdout, 'the certificate is for the key sent');
  assert.match(certPem, /subject=CN = sensor-keygen/);
});

test('a label selects a profile: /.well-known/est/<label>/simpleenroll with a token made for that label', async () => {
  const token = await est.token({ label: 'client' });
  const { csrB64 } = await opensslCsr('sensor-labelled');
  const answer = await curl('/client/simpleenroll', '1.3', [
    '-u',
    `${token.id}:${token.secret}`,
    '-H',
    'Content-Type: application/pkcs10',
    '--data-binary',
    `@${csrB64}`,
  ]);
  assert.equal(answer.status, 200, answer.body.toString());
  const certificate = parseCertificates(await printCerts(answer.body))[0]!;
  assert.equal(
    (await est.h.services.store.getCertificate({ issuerId: 'intermediate-1', serial: certificate.serialNumber }))?.profile,
    'client',
  );
  const unknown = await curl('/no-such-profile/cacerts', '1.3');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.toString(), /^EST_LABEL_UNKNOWN: /);
});
