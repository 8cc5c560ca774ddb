import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { der } from '../../src/asn1/index.js';
import { buildOcspRequest, certIdFor, OCSP_OID, parseCertificate, parseOcspResponse } from '../../src/x509/index.js';
import type { CertId } from '../../src/x509/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { startHarness } from '../support/revocation-harness.js';
import type { Harness } from '../support/revocation-harness.js';

const temp = makeTempDir('symbolon-ocsp-bad-');
let h: Harness;
let certId: CertId;
let otherCertId: CertId;
let good: Buffer;

before(async () => {
  h = await startHarness(await makeTemplateCa(temp.path), temp.path);
  const intermediate = parseCertificate(h.dataDir.issuers.find((i) => i.id === 'intermediate-1')!.certificate);
  const [a, b] = await Promise.all([h.issue('a'), h.issue('b')]);
  certId = certIdFor(parseCertificate(a.issued.der), intermediate);
  otherCertId = certIdFor(parseCertificate(b.issued.der), intermediate);
  good = buildOcspRequest({ certIds: [certId] });
});
after(async () => {
  await h?.close();
  temp.remove();
});

async function post(
  body: Uint8Array,
  contentType = 'application/ocsp-request',
): Promise<{ status: number; body: Buffer; type: string | null }> {
  const response = await fetch(h.services.ocspUrl, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), type: response.headers.get('content-type') };
}

async function ocspStatus(body: Uint8Array): Promise<string> {
  const response = await post(body);
  assert.equal(response.status, 200);
  assert.equal(response.type, 'application/ocsp-response');
  return parseOcspResponse(response.body).status;
}

/** A raw request: fetch would refuse some of these paths and bodies. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string | number> = {},
  body?: Buffer,
): Promise<{ status: number; body: string }> {
  const url = new URL(h.services.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** tbsRequest with the given fields around one Request for `certId`. */
function requestWith(options: { version?: number; nonce?: Buffer; certIdDer?: Buffer }): Buffer {
  const list = der.sequence(der.sequence(options.certIdDer ?? certId.der));
  const fields: Buffer[] = [];
  if (options.version !== undefined) fields.push(der.explicit(0, der.integer(options.version)));
  fields.push(list);
  if (options.nonce !== undefined)
    fields.push(der.explicit(2, der.sequence(der.sequence(der.oid(OCSP_OID.nonce), der.octetString(der.octetString(options.nonce))))));
  return der.sequence(der.sequenceOf(fields));
}

test('truncated, wrong-version, unsupported-hash, multi-request and bad-nonce bodies are malformedRequest', async () => {
  assert.equal(await ocspStatus(good), 'successful');
  assert.equal(await ocspStatus(good.subarray(0, good.length - 3)), 'malformedRequest');
  assert.equal(await ocspStatus(Buffer.concat([good, Buffer.from([0])])), 'malformedRequest');
  assert.equal(await ocspStatus(requestWith({ version: 1 })), 'malformedRequest');
  assert.equal(await ocspStatus(requestWith({ version: 0 })), 'successful');
  const md5 = der.sequence(
    der.sequence(der.oid('1.2.840.113549.2.5'), der.nullValue()),
    der.octetString(Buffer.alloc(16)),
    der.octetString(Buffer.alloc(16)),
    der.integer(5),
  );
  assert.equal(await ocspStatus(requestWith({ certIdDer: md5 })), 'malformedRequest');
  assert.equal(await ocspStatus(buildOcspRequest({ certIds: [certId, otherCertId] })), 'malformedRequest');
  assert.equal(await ocspStatus(requestWith({ nonce: Buffer.alloc(33, 1) })), 'malformedRequest');
  assert.equal(await ocspStatus(requestWith({ nonce: Buffer.alloc(0) })), 'malformedRequest');
  assert.equal(await ocspStatus(requestWith({ nonce: Buffer.alloc(32, 1) })), 'successful');
  assert.equal(await ocspStatus(Buffer.alloc(0)), 'malformedRequest');
});

test('oversize bodies get 413 before they are read, chunked or not', async () => {
  const big = Buffer.alloc(64 * 1024, 0x30);
  const declared = await raw('POST', '/ocsp', { 'content-type': 'application/ocsp-request', 'content-length': big.length }, big);
  assert.equal(declared.status, 413);
  assert.match(declared.body, /HTTP_BODY_TOO_LARGE/);
  const chunked = await raw('POST', '/ocsp', { 'content-type': 'application/ocsp-request', 'transfer-encoding': 'chunked' }, big);
  assert.equal(chunked.status, 413);
});

test('wrong content types get 415', async () => {
  for (const type of ['text/plain', 'application/json', 'application/ocsp-response', '']) {
    const response = await raw('POST', '/ocsp', type === '' ? {} : { 'content-type': type }, good);
    assert.equal(response.status, 415, type);
    assert.match(response.body, /HTTP_UNSUPPORTED_MEDIA_TYPE/);
  }
  assert.equal((await raw('POST', '/ocsp', { 'content-type': 'Application/OCSP-Request; charset=binary' }, good)).status, 200);
});

test('absurd GET paths and methods get 4xx or malformedRequest, never a crash', async () => {
  assert.equal((await raw('GET', `/ocsp/${'A'.repeat(5000)}`)).status, 414);
  assert.equal((await raw('GET', `/x${'A'.repeat(5000)}`)).status, 414);
  for (const path of [
    '/ocsp/%%%',
    '/ocsp/!!!!',
    '/ocsp/',
    '/ocsp/AAAA',
    '/ocsp/%00%ff',
    `/ocsp/${encodeURIComponent(good.subarray(0, 10).toString('base64'))}`,
  ]) {
    const response = await raw('GET', path);
    assert.equal(response.status, 200, path);
    assert.equal(parseOcspResponse(Buffer.from(response.body, 'latin1')).status, 'malformedRequest', path);
  }
  for (const path of ['/', '/../../etc/passwd', '/crl/../../etc/passwd', '/crl/nobody.crl', '/crl/INTERMEDIATE-1.crl', '/ca/root.crt/x']) {
    const status = (await raw('GET', path)).status;
    assert.ok(status === 404, `${path}: ${status}`);
  }
  assert.equal((await raw('PUT', '/ocsp', { 'content-type': 'application/ocsp-request' }, good)).status, 405);
  assert.equal((await raw('DELETE', '/crl/intermediate-1.crl')).status, 405);
  // The GET form of a good request still answers.
  const ok = await raw('GET', `/ocsp/${encodeURIComponent(good.toString('base64'))}`);
  assert.equal(parseOcspResponse(Buffer.from(ok.body, 'latin1')).basic?.responses[0]?.certStatus.status, 'good');
});

// The flood is bounded by its count; the timeout only stops a responder that stops answering.
test('a flood of garbage leaves good answers coming back', { timeout: 600_000 }, async () => {
  let seed = 0x5eed;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const garbage = (): Buffer => {
    const kind = Math.floor(random() * 4);
    if (kind === 0) return Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
    // Mutations of a good request: the parser's hard cases.
    const copy = Buffer.from(good);
    for (let i = 0; i < 1 + Math.floor(random() * 4); i++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
    return kind === 1 ? copy : kind === 2 ? copy.subarray(0, Math.floor(random() * copy.length)) : Buffer.concat([copy, copy]);
  };
  const total = 3000;
  let goodAnswers = 0;
  let garbageAnswers = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      if (index % 50 === 0) {
        const response = await post(good);
        assert.equal(parseOcspResponse(response.body).basic?.responses[0]?.certStatus.status, 'good');
        goodAnswers++;
      } else {
        const response = await post(garbage(), index % 7 === 0 ? 'text/plain' : 'application/ocsp-request');
        assert.ok(response.status === 200 || response.status === 415, String(response.status));
        if (response.status === 200) assert.notEqual(parseOcspResponse(response.body).status, 'internalError');
        garbageAnswers++;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  assert.equal(goodAnswers + garbageAnswers, total);
  assert.equal(goodAnswers, total / 50);
  assert.equal(await ocspStatus(good), 'successful');
});
